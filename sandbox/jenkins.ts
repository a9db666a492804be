// Local Jenkins stand-in: folder jobs, buildWithParameters with queue folding (201/303), the queue item
// lifecycle (quiet period, blocked, left, purged), builds, console logs and stop, per contracts/services.md §1.
// Time comes from an injectable clock and the queue is advanced lazily on each request, so tests are exact.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BuildResult } from '../integrations/roles';
import { StandIn, VendorStandIn } from './stand-in';

// ---------- Public types ----------

export interface JobParameter {
  name: string;
  default?: string;
}

export type Params = Record<string, string>;

export interface JobDefinition {
  /** No parameters: buildWithParameters answers 500, as Jenkins does for an unparameterized job. */
  parameters?: JobParameter[];
  /** Default false: a second build waits (blocked) until the running one ends. */
  concurrent?: boolean;
  /** How long a build runs (default 1000 ms). */
  durationMs?: number;
  /** The result a finished build gets (default SUCCESS); a function lets tests script failures. */
  result?: BuildResult | ((params: Params) => BuildResult);
  /** Log lines between Jenkins' own header and footer; they appear progressively while the build runs. */
  consoleLines?: string[] | ((params: Params) => string[]);
  disabled?: boolean;
  /** Number of the first build (default 1). */
  nextBuildNumber?: number;
}

export interface JenkinsStandInOptions {
  user?: string;
  apiToken?: string;
  now?: () => number;
  /** Default quiet period when the request has no `delay` (default 1000 ms; real Jenkins 5 s). */
  quietPeriodMs?: number;
  /** How long `executable` stays null after an item left the queue (default 0). */
  executableDelayMs?: number;
  /** When a left queue item is purged and its URL answers 404 (default 5 min, as in Queue.java). */
  leftItemTtlMs?: number;
  /** How long /stop takes to turn a running build ABORTED (default 100 ms). */
  abortDelayMs?: number;
  /** Require a Jenkins-Crumb header on POSTs (as with password auth); default off, as with API tokens. */
  requireCrumb?: boolean;
  /** Root URL used in Location headers and JSON (default: from the request's Host), e.g. to mimic a proxy. */
  rootUrl?: string;
}

export interface BuildSeed {
  parameters?: Params;
  /** Default SUCCESS. */
  result?: BuildResult;
  /** Epoch ms or ISO 8601. */
  startedAt: number | string;
  /** Default: the job's durationMs. */
  durationMs?: number;
}

export interface TriggerRecord {
  job: string;
  /** Effective values: defined parameters only, defaults applied. */
  parameters: Params;
  /** Everything the request carried (query and form body). */
  requested: Params;
  status: number;
  queueId?: number;
  at: string;
}

export interface BuildSnapshot {
  job: string;
  number: number;
  queueId: number;
  parameters: Params;
  building: boolean;
  result: BuildResult | null;
  startedAt: number;
  durationMs: number;
}

// ---------- Internal state ----------

interface Job {
  path: string;
  parameters: JobParameter[];
  concurrent: boolean;
  durationMs: number;
  result: BuildResult | ((params: Params) => BuildResult);
  consoleLines: string[] | ((params: Params) => string[]) | undefined;
  disabled: boolean;
  nextBuildNumber: number;
  builds: Build[];
}

interface QueueItem {
  id: number;
  job: Job;
  params: Params;
  /** 1 + the number of requests folded into this item. */
  causes: number;
  enqueuedAt: number;
  quietUntil: number;
  leftAt?: number;
  cancelled: boolean;
  build?: Build;
}

interface Build {
  job: Job;
  number: number;
  queueId: number;
  params: Params;
  causes: number;
  startedAt: number;
  /** When the build ends: its natural end, or earlier when stopped. */
  endAt: number;
  naturalEndAt: number;
  aborted: boolean;
  finalResult: BuildResult;
  lines: string[];
}

type Permalink =
  'lastBuild' | 'lastCompletedBuild' | 'lastSuccessfulBuild' | 'lastFailedBuild' | 'lastStableBuild';
const PERMALINKS: Permalink[] = [
  'lastBuild',
  'lastCompletedBuild',
  'lastSuccessfulBuild',
  'lastFailedBuild',
  'lastStableBuild',
];
const MAX_BUILDS_IN_JOB_JSON = 100;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Jenkins' own wording for durations, e.g. "4.9 sec", "2 min 3 sec". */
function span(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} sec`;
  return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} sec`;
}

/** A TimeDuration such as `0sec`, `30sec`, `500ms`, `2min`; a bare number is read as seconds. */
function parseDelay(text: string | undefined): number | undefined {
  const match = /^(\d+)\s*(ms|msec|sec|secs|seconds?|min|mins|minutes?)?$/i.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 'sec').toLowerCase();
  if (unit.startsWith('m') && unit !== 'ms' && unit !== 'msec') return value * 60_000;
  return unit === 'ms' || unit === 'msec' ? value : value * 1000;
}

function stringRecord(value: unknown): Params {
  if (!value || typeof value !== 'object') return {};
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? String(v.at(-1)) : String(v)]));
}

function rawPath(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

function html(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html;charset=utf-8')
    .send(
      `<html><head><title>Error ${status}</title></head><body><h2>HTTP ERROR ${status}</h2><p>${message}</p></body></html>`,
    );
}

// ---------- The stand-in ----------

export class JenkinsStandIn extends VendorStandIn {
  private readonly options: Required<Omit<JenkinsStandInOptions, 'rootUrl'>> & { rootUrl?: string };
  private readonly crumb = randomBytes(16).toString('hex');
  private jobs = new Map<string, Job>();
  private queue: QueueItem[] = [];
  private nextQueueId = 1;
  private triggerLog: TriggerRecord[] = [];

  constructor(options: JenkinsStandInOptions = {}) {
    super(new StandIn({ name: 'jenkins' }));
    this.options = {
      user: options.user ?? 'firebreak',
      apiToken: options.apiToken ?? 'jenkins-sandbox-token',
      now: options.now ?? Date.now,
      quietPeriodMs: options.quietPeriodMs ?? 1000,
      executableDelayMs: options.executableDelayMs ?? 0,
      leftItemTtlMs: options.leftItemTtlMs ?? 5 * 60_000,
      abortDelayMs: options.abortDelayMs ?? 100,
      requireCrumb: options.requireCrumb ?? false,
      rootUrl: options.rootUrl?.replace(/\/+$/, ''),
    };
    this.standIn.onResetClear(() => this.clear());
    const app = this.standIn.app;
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    this.installAuth(app);
    this.registerRoutes(app);
    this.registerSandboxRoutes(app);
  }

  // ----- seeding and accessors -----

  /** Defines (or replaces) a job at a folder path such as `payments/checkout-rollback`. */
  defineJob(path: string, definition: JobDefinition = {}): void {
    const clean = normalizeJobPath(path);
    const existing = this.jobs.get(clean);
    this.jobs.set(clean, {
      path: clean,
      parameters: definition.parameters ?? [],
      concurrent: definition.concurrent ?? false,
      durationMs: definition.durationMs ?? 1000,
      result: definition.result ?? 'SUCCESS',
      consoleLines: definition.consoleLines,
      disabled: definition.disabled ?? false,
      // A redefined job keeps its builds and numbering, as a reconfigured Jenkins job does.
      nextBuildNumber: definition.nextBuildNumber ?? existing?.nextBuildNumber ?? 1,
      builds: existing?.builds ?? [],
    });
  }

  /**
   * A build that already finished, e.g. a deploy job's history: numbered next, with the given parameters,
   * result and times. Seed them oldest first, as Jenkins would have run them.
   */
  seedBuild(path: string, seed: BuildSeed): number {
    const job = this.job(path);
    const startedAt = typeof seed.startedAt === 'number' ? seed.startedAt : Date.parse(seed.startedAt);
    if (Number.isNaN(startedAt)) throw new Error(`not a time: ${String(seed.startedAt)}`);
    const durationMs = seed.durationMs ?? job.durationMs;
    const result = seed.result ?? 'SUCCESS';
    const params = { ...(seed.parameters ?? {}) };
    const build: Build = {
      job,
      number: job.nextBuildNumber++,
      queueId: this.nextQueueId++,
      params,
      causes: 1,
      startedAt,
      endAt: startedAt + durationMs,
      naturalEndAt: startedAt + durationMs,
      aborted: false,
      finalResult: result,
      lines: defaultLines(job, params, result),
    };
    job.builds.push(build);
    return build.number;
  }

  setJobDisabled(path: string, disabled: boolean): void {
    this.job(path).disabled = disabled;
  }

  /** Every trigger request (buildWithParameters and build) with its answer. */
  get triggers(): TriggerRecord[] {
    return this.triggerLog;
  }

  /** The job's builds as of now, oldest first. */
  builds(jobPath: string): BuildSnapshot[] {
    this.advance();
    const now = this.options.now();
    return this.job(jobPath).builds.map((b) => ({
      job: b.job.path,
      number: b.number,
      queueId: b.queueId,
      parameters: { ...b.params },
      building: now < b.endAt,
      result: resultAt(b, now),
      startedAt: b.startedAt,
      durationMs: now < b.endAt ? 0 : b.endAt - b.startedAt,
    }));
  }

  // ----- internals: state -----

  private clear(): void {
    this.jobs.clear();
    this.queue = [];
    this.nextQueueId = 1;
    this.triggerLog = [];
  }

  private job(path: string): Job {
    const job = this.jobs.get(normalizeJobPath(path));
    if (!job) throw new Error(`unknown Jenkins job ${path}; call defineJob first`);
    return job;
  }

  private liveItems(): QueueItem[] {
    return this.queue.filter((item) => item.leftAt === undefined);
  }

  /** When the item can leave the queue: after its quiet period and, for a non-concurrent job, the running build. */
  private startTime(item: QueueItem): number {
    const last = item.job.builds.at(-1);
    const blockedUntil = !item.job.concurrent && last ? last.endAt : -Infinity;
    return Math.max(item.quietUntil, blockedUntil);
  }

  /** Moves every item whose time has come into a build, earliest first, as the real queue would have. */
  private advance(): void {
    const now = this.options.now();
    for (;;) {
      const due = this.liveItems()
        .map((item) => ({ item, at: this.startTime(item) }))
        .filter(({ at }) => at <= now)
        .sort((a, b) => a.at - b.at || a.item.id - b.item.id)[0];
      if (!due) return;
      this.start(due.item, due.at);
    }
  }

  private start(item: QueueItem, at: number): void {
    const job = item.job;
    const params = item.params;
    const finalResult = typeof job.result === 'function' ? job.result(params) : job.result;
    const lines = typeof job.consoleLines === 'function' ? job.consoleLines(params) : job.consoleLines;
    const build: Build = {
      job,
      number: job.nextBuildNumber++,
      queueId: item.id,
      params,
      causes: item.causes,
      startedAt: at,
      endAt: at + job.durationMs,
      naturalEndAt: at + job.durationMs,
      aborted: false,
      finalResult,
      lines: lines ?? defaultLines(job, params, finalResult),
    };
    job.builds.push(build);
    item.leftAt = at;
    item.build = build;
  }

  private stop(build: Build): void {
    const abortAt = this.options.now() + this.options.abortDelayMs;
    if (abortAt >= build.endAt) return;
    build.endAt = abortAt;
    build.aborted = true;
  }

  private trigger(
    request: FastifyRequest,
    reply: FastifyReply,
    jobPath: string,
    withParameters: boolean,
  ): FastifyReply {
    const requested = { ...stringRecord(request.query), ...stringRecord(request.body) };
    const job = this.jobs.get(jobPath);
    // Jenkins reads only the defined parameters from the request; undefined ones are ignored.
    const parameters: Params = Object.fromEntries(
      (job?.parameters ?? []).map((p) => [p.name, requested[p.name] ?? p.default ?? '']),
    );
    const record = (status: number, queueId?: number): void => {
      this.triggerLog.push({
        job: jobPath,
        parameters,
        requested,
        status,
        queueId,
        at: iso(this.options.now()),
      });
    };
    if (!job) {
      record(404);
      return html(reply, 404, 'Not Found');
    }
    if (withParameters && job.parameters.length === 0) {
      record(500);
      return html(reply, 500, 'java.lang.IllegalStateException: This build is not parameterized!');
    }
    if (job.disabled) {
      record(409);
      return html(reply, 409, `${job.path} is not buildable`);
    }
    const existing = this.liveItems().find(
      (i) => i.job === job && !i.cancelled && sameParams(i.params, parameters),
    );
    if (existing) {
      existing.causes += 1;
      // Since JENKINS-66105 buildWithParameters answers a fold with 303; plain /build still says 201.
      const status = withParameters ? 303 : 201;
      record(status, existing.id);
      return reply.code(status).header('location', this.queueItemUrl(request, existing.id)).send();
    }
    const now = this.options.now();
    const item: QueueItem = {
      id: this.nextQueueId++,
      job,
      params: parameters,
      causes: 1,
      enqueuedAt: now,
      quietUntil: now + (parseDelay(requested.delay) ?? this.options.quietPeriodMs),
      cancelled: false,
    };
    this.queue.push(item);
    record(201, item.id);
    return reply.code(201).header('location', this.queueItemUrl(request, item.id)).send();
  }

  // ----- internals: HTTP -----

  private root(request?: FastifyRequest): string {
    if (this.options.rootUrl) return this.options.rootUrl;
    return request ? `${request.protocol}://${request.host}` : this.url;
  }

  private queueItemUrl(request: FastifyRequest, id: number): string {
    return `${this.root(request)}/queue/item/${id}/`;
  }

  private jobUrl(request: FastifyRequest | undefined, path: string): string {
    return `${this.root(request)}${jobUrlPath(path)}/`;
  }

  private installAuth(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      if (rawPath(request).startsWith('/_sandbox')) return;
      reply.header('x-jenkins', '2.479.3');
      if (!this.authorized(request.headers.authorization)) {
        reply.header('www-authenticate', 'Basic realm="Jenkins"');
        await html(reply, 401, 'Authentication required');
        return;
      }
      const crumb = request.headers['jenkins-crumb'];
      if (this.options.requireCrumb && request.method === 'POST' && crumb !== this.crumb) {
        await html(reply, 403, 'No valid crumb was included in the request');
        return;
      }
      this.advance();
    });
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded === `${this.options.user}:${this.options.apiToken}`;
  }

  private registerRoutes(app: FastifyInstance): void {
    app.get('/crumbIssuer/api/json', async (_request, reply) => {
      if (!this.options.requireCrumb) return html(reply, 404, 'Not Found');
      return {
        _class: 'hudson.security.csrf.DefaultCrumbIssuer',
        crumb: this.crumb,
        crumbRequestField: 'Jenkins-Crumb',
      };
    });
    app.get('/queue/api/json', async (request) => ({
      _class: 'hudson.model.Queue',
      discoverableItems: [],
      items: this.liveItems().map((item) => this.queueItemJson(request, item)),
    }));
    app.get('/queue/item/:id/api/json', async (request, reply) => {
      const item = this.queueItem(Number((request.params as { id: string }).id));
      return item ? this.queueItemJson(request, item) : html(reply, 404, 'Not Found');
    });
    app.post('/queue/cancelItem', async (request, reply) => {
      const id = Number((request.query as { id?: string }).id);
      const item = this.liveItems().find((i) => i.id === id);
      if (!item) return html(reply, 404, `Provided id ${id} not found`);
      item.cancelled = true;
      item.leftAt = this.options.now();
      return reply.code(204).send();
    });
    app.route({
      method: ['GET', 'POST'],
      url: '/job/*',
      handler: async (request, reply) => this.jobRoute(request, reply),
    });
  }

  private registerSandboxRoutes(app: FastifyInstance): void {
    app.post('/_sandbox/jenkins/jobs', async (request, reply) => {
      const body = (request.body ?? {}) as JobDefinition & { path?: string };
      if (typeof body.path !== 'string') return reply.code(400).send({ error: 'path is required' });
      this.defineJob(body.path, body);
      return reply.code(201).send({ job: normalizeJobPath(body.path) });
    });
    app.post('/_sandbox/jenkins/builds', async (request, reply) => {
      const body = (request.body ?? {}) as Partial<BuildSeed> & { job?: string };
      if (typeof body.job !== 'string' || !this.jobs.has(normalizeJobPath(body.job)))
        return reply.code(404).send({ error: `unknown job ${String(body.job)}` });
      if (body.startedAt === undefined) return reply.code(400).send({ error: 'startedAt is required' });
      return reply
        .code(201)
        .send({ number: this.seedBuild(body.job, { ...body, startedAt: body.startedAt }) });
    });
    app.get('/_sandbox/jenkins/triggers', async () => ({ triggers: this.triggers }));
    app.get('/_sandbox/jenkins/builds', async (request, reply) => {
      const job = (request.query as { job?: string }).job ?? '';
      if (!this.jobs.has(normalizeJobPath(job))) return reply.code(404).send({ error: `unknown job ${job}` });
      return { builds: this.builds(job) };
    });
  }

  /** A queue item as of now, or undefined when unknown or purged. */
  private queueItem(id: number): QueueItem | undefined {
    const item = this.queue.find((i) => i.id === id);
    if (!item) return undefined;
    if (item.leftAt !== undefined && this.options.now() >= item.leftAt + this.options.leftItemTtlMs)
      return undefined;
    return item;
  }

  /** Dispatches `/job/a/job/b/<rest>`: the job path is every `job/<name>` pair, the rest is the action. */
  private jobRoute(request: FastifyRequest, reply: FastifyReply): unknown {
    const segments = rawPath(request).split('/').filter(Boolean);
    const names: string[] = [];
    let i = 0;
    while (segments[i] === 'job' && segments[i + 1] !== undefined) {
      names.push(decodeURIComponent(segments[i + 1] as string));
      i += 2;
    }
    const path = names.join('/');
    const rest = segments.slice(i).join('/');
    const post = request.method === 'POST';
    if (post && rest === 'buildWithParameters') return this.trigger(request, reply, path, true);
    if (post && rest === 'build') return this.trigger(request, reply, path, false);
    const job = this.jobs.get(path);
    if (!post && (rest === 'api/json' || rest === '')) {
      if (job) return this.jobJson(request, job);
      return this.folderJson(request, path) ?? html(reply, 404, 'Not Found');
    }
    const match = /^([^/]+)\/(api\/json|consoleText|logText\/progressiveText|stop)$/.exec(rest);
    const build = job && match ? this.findBuild(job, match[1] as string) : undefined;
    if (!build || !match) return html(reply, 404, 'Not Found');
    const action = `${request.method} ${match[2]}`;
    if (action === 'GET api/json') return this.buildJson(request, build);
    if (action === 'GET consoleText')
      return reply.type('text/plain;charset=utf-8').send(this.consoleText(build));
    if (action === 'GET logText/progressiveText') return this.progressiveText(request, reply, build);
    if (action === 'POST stop') {
      this.stop(build);
      return reply
        .code(302)
        .header('location', `${this.jobUrl(request, job?.path ?? path)}${build.number}/`)
        .send();
    }
    return html(reply, 405, 'Method Not Allowed');
  }

  private findBuild(job: Job, ref: string): Build | undefined {
    const now = this.options.now();
    const newestFirst = [...job.builds].reverse();
    const completed = newestFirst.filter((b) => now >= b.endAt);
    switch (ref as Permalink) {
      case 'lastBuild':
        return newestFirst[0];
      case 'lastCompletedBuild':
        return completed[0];
      case 'lastSuccessfulBuild':
      case 'lastStableBuild':
        return completed.find((b) => resultAt(b, now) === 'SUCCESS');
      case 'lastFailedBuild':
        return completed.find((b) => resultAt(b, now) === 'FAILURE');
      default:
        return /^\d+$/.test(ref) ? job.builds.find((b) => b.number === Number(ref)) : undefined;
    }
  }

  private progressiveText(request: FastifyRequest, reply: FastifyReply, build: Build): FastifyReply {
    const text = Buffer.from(this.consoleText(build), 'utf8');
    const start = Math.min(
      Math.max(0, Number((request.query as { start?: string }).start ?? 0) || 0),
      text.length,
    );
    reply.header('x-text-size', String(text.length));
    if (this.options.now() < build.endAt) reply.header('x-more-data', 'true');
    return reply.type('text/plain;charset=utf-8').send(text.subarray(start).toString('utf8'));
  }

  /** Header, the job's lines as far as the build has got, then Jenkins' footer once it ended. */
  private consoleText(build: Build): string {
    const now = this.options.now();
    const user = this.options.user;
    const natural = build.naturalEndAt - build.startedAt;
    const until = Math.min(now, build.endAt);
    const shown = build.lines.filter(
      (_, i) => build.startedAt + ((i + 1) * natural) / (build.lines.length + 1) <= until,
    );
    const header = [
      `Started by user ${user}`,
      'Running as SYSTEM',
      `Building in workspace /var/jenkins_home/workspace/${build.job.path}`,
    ];
    const footer =
      now < build.endAt
        ? []
        : build.aborted
          ? ['Build was aborted', `Aborted by ${user}`, 'Finished: ABORTED']
          : [`Finished: ${build.finalResult}`];
    return [...header, ...shown, ...footer].map((line) => `${line}\n`).join('');
  }

  // ----- JSON views -----

  private parameterActions(params: Params, causes: number): Array<Record<string, unknown>> {
    const user = this.options.user;
    const cause = {
      _class: 'hudson.model.Cause$UserIdCause',
      shortDescription: `Started by user ${user}`,
      userId: user,
      userName: user,
    };
    return [
      {
        _class: 'hudson.model.ParametersAction',
        parameters: Object.entries(params).map(([name, value]) => ({
          _class: 'hudson.model.StringParameterValue',
          name,
          value,
        })),
      },
      { _class: 'hudson.model.CauseAction', causes: Array.from({ length: causes }, () => cause) },
    ];
  }

  private queueItemJson(request: FastifyRequest, item: QueueItem): Record<string, unknown> {
    const now = this.options.now();
    const base = {
      actions: this.parameterActions(item.params, item.causes),
      id: item.id,
      inQueueSince: item.enqueuedAt,
      params: Object.entries(item.params)
        .map(([k, v]) => `\n${k}=${v}`)
        .join(''),
      stuck: false,
      task: {
        _class: 'hudson.model.FreeStyleProject',
        name: item.job.path.split('/').at(-1),
        url: this.jobUrl(request, item.job.path),
        color: this.color(item.job),
      },
      url: `queue/item/${item.id}/`,
    };
    if (item.leftAt !== undefined) {
      const visible = item.build && now >= item.leftAt + this.options.executableDelayMs;
      const executable = visible && item.build ? this.buildRef(request, item.build) : null;
      return {
        _class: 'hudson.model.Queue$LeftItem',
        ...base,
        blocked: false,
        buildable: false,
        why: null,
        cancelled: item.cancelled,
        executable,
      };
    }
    if (now < item.quietUntil) {
      const why = `In the quiet period. Expires in ${span(item.quietUntil - now)}`;
      return {
        _class: 'hudson.model.Queue$WaitingItem',
        ...base,
        blocked: false,
        buildable: false,
        why,
        timestamp: item.quietUntil,
      };
    }
    const running = item.job.builds.at(-1);
    const why = running
      ? `Build #${running.number} is already in progress (ETA: ${span(running.endAt - now)})`
      : 'Waiting for next available executor';
    return { _class: 'hudson.model.Queue$BlockedItem', ...base, blocked: true, buildable: false, why };
  }

  private buildRef(request: FastifyRequest | undefined, build: Build): Record<string, unknown> {
    return {
      _class: 'hudson.model.FreeStyleBuild',
      number: build.number,
      url: `${this.jobUrl(request, build.job.path)}${build.number}/`,
    };
  }

  private buildJson(request: FastifyRequest, build: Build): Record<string, unknown> {
    const now = this.options.now();
    const building = now < build.endAt;
    return {
      ...this.buildRef(request, build),
      actions: this.parameterActions(build.params, build.causes),
      artifacts: [],
      building,
      description: null,
      displayName: `#${build.number}`,
      duration: building ? 0 : build.endAt - build.startedAt,
      estimatedDuration: build.job.durationMs,
      executor: building ? { _class: 'hudson.model.OneOffExecutor' } : null,
      fullDisplayName: `${build.job.path.split('/').join(' » ')} #${build.number}`,
      id: String(build.number),
      keepLog: false,
      queueId: build.queueId,
      result: resultAt(build, now),
      timestamp: build.startedAt,
      builtOn: '',
      changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null },
      culprits: [],
    };
  }

  /** The job, with its builds in full whatever `tree` asks for (newest first, at most 100, like Jenkins). */
  private jobJson(request: FastifyRequest, job: Job): Record<string, unknown> {
    const newestFirst = [...job.builds].reverse();
    const queued = this.liveItems().find((i) => i.job === job);
    const permalinks = Object.fromEntries(
      PERMALINKS.map((name) => {
        const build = this.findBuild(job, name);
        return [name, build ? this.buildRef(request, build) : null];
      }),
    );
    return {
      _class: 'hudson.model.FreeStyleProject',
      name: job.path.split('/').at(-1),
      fullName: job.path,
      displayName: job.path.split('/').at(-1),
      url: this.jobUrl(request, job.path),
      buildable: !job.disabled,
      color: this.color(job),
      concurrentBuild: job.concurrent,
      inQueue: queued !== undefined,
      queueItem: queued ? this.queueItemJson(request, queued) : null,
      nextBuildNumber: job.nextBuildNumber,
      property: [
        {
          _class: 'hudson.model.ParametersDefinitionProperty',
          parameterDefinitions: job.parameters.map((p) => ({
            _class: 'hudson.model.StringParameterDefinition',
            name: p.name,
            type: 'StringParameterDefinition',
            defaultParameterValue: {
              _class: 'hudson.model.StringParameterValue',
              name: p.name,
              value: p.default ?? '',
            },
          })),
        },
      ],
      builds: newestFirst.slice(0, MAX_BUILDS_IN_JOB_JSON).map((b) => this.buildJson(request, b)),
      firstBuild: job.builds[0] ? this.buildRef(request, job.builds[0]) : null,
      ...permalinks,
    };
  }

  /** A folder is any proper prefix of a defined job's path. */
  private folderJson(request: FastifyRequest, path: string): Record<string, unknown> | undefined {
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Set<string>();
    for (const jobPath of this.jobs.keys()) {
      if (jobPath.startsWith(prefix)) children.add(jobPath.slice(prefix.length).split('/')[0] as string);
    }
    if (children.size === 0) return undefined;
    return {
      _class: 'com.cloudbees.hudson.plugins.folder.Folder',
      name: path.split('/').at(-1),
      fullName: path,
      url: this.jobUrl(request, path),
      jobs: [...children].map((name) => {
        const full = `${prefix}${name}`;
        const job = this.jobs.get(full);
        const cls = job ? 'hudson.model.FreeStyleProject' : 'com.cloudbees.hudson.plugins.folder.Folder';
        return {
          _class: cls,
          name,
          url: this.jobUrl(request, full),
          ...(job ? { color: this.color(job) } : {}),
        };
      }),
    };
  }

  private color(job: Job): string {
    if (job.disabled) return 'disabled';
    const now = this.options.now();
    const last = this.findBuild(job, 'lastCompletedBuild');
    const base = !last
      ? 'notbuilt'
      : (
          {
            SUCCESS: 'blue',
            UNSTABLE: 'yellow',
            FAILURE: 'red',
            ABORTED: 'aborted',
            NOT_BUILT: 'notbuilt',
          } as const
        )[resultAt(last, now) ?? 'NOT_BUILT'];
    const running = job.builds.some((b) => now < b.endAt);
    return running ? `${base}_anime` : base;
  }
}

function resultAt(build: Build, now: number): BuildResult | null {
  if (now < build.endAt) return null;
  return build.aborted ? 'ABORTED' : build.finalResult;
}

function sameParams(a: Params, b: Params): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

function defaultLines(job: Job, params: Params, result: BuildResult): string[] {
  const args = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const command = `+ ./ci/${job.path.split('/').at(-1)}.sh ${args}`.trimEnd();
  const outcome =
    result === 'SUCCESS' ? 'Health checks passed' : 'ERROR: deploy step failed with exit code 1';
  return [command, 'Checking out target revision', 'Deploying', outcome];
}

function normalizeJobPath(path: string): string {
  return path.split('/').filter(Boolean).join('/');
}

function jobUrlPath(path: string): string {
  return normalizeJobPath(path)
    .split('/')
    .filter(Boolean)
    .map((segment) => `/job/${encodeURIComponent(segment)}`)
    .join('');
}
