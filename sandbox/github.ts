// Local GitHub REST stand-in: repositories with a real commit graph (merge-base compare), deployments with
// statuses, issues, token and User-Agent checks and rate limits, shaped per contracts/services.md §2.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeploymentState } from '../integrations/roles';
import { StandIn, VendorStandIn } from './stand-in';

// ---------- Public types: options and seeding ----------

export type TimeInput = string | number | Date;

export interface GitHubStandInOptions {
  /** The only token accepted (as `Bearer` or `token`). */
  token?: string;
  /** Login of the token's user, shown as creator of issues and deployments. */
  login?: string;
  /** Clock for default timestamps and rate-limit resets (default Date.now). */
  now?: () => number;
  /** Primary rate limit per hour (default 5000). */
  rateLimit?: number;
  /** Base of html_url links (default https://github.test). */
  htmlBaseUrl?: string;
}

export type SeedFileStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface FileChangeSeed {
  filename: string;
  /** Default: `modified` when the file exists on the branch, else `added`. */
  status?: SeedFileStatus;
  /** Required for `renamed`. */
  previousFilename?: string;
  /** Content decides the blob: same content, same blob (renames keep the blob when omitted). */
  content?: string;
}

export interface CommitSeed {
  message: string;
  files?: FileChangeSeed[];
  at?: TimeInput;
  author?: { name: string; email: string };
}

export interface DeploySeed {
  /** Default: the sha the ref points at. */
  sha?: string;
  /** Default: the repo's default branch. */
  ref?: string;
  environment?: string;
  task?: string;
  description?: string;
  createdAt?: TimeInput;
  statuses?: Array<{ state: DeploymentState; at?: TimeInput; description?: string }>;
  /** Default: true when environment is `production`. */
  productionEnvironment?: boolean;
  transientEnvironment?: boolean;
}

export interface ServiceHistorySeed {
  /** `owner/name`; created when missing. */
  repo: string;
  branch?: string;
  environment?: string;
  /** End of the story (default: the stand-in's clock). */
  now?: TimeInput;
  /** When the rollback candidate's deploy finished, before `now` (default 3 h). */
  candidateDeployedAgoMs?: number;
  /** When the current deploy finished, before `now` (default 40 min). */
  currentDeployedAgoMs?: number;
  /** Add a migration between candidate and current: true for a default name, or the file path. */
  migration?: boolean | string;
  /** Add a newer deploy that failed (the current deploy stays live). */
  failedDeploy?: boolean;
  /** Undeployed commits on the branch after the last deploy (default 1). */
  commitsAfterLastDeploy?: number;
  /** Post `inactive` on the candidate when the current deploy succeeds, as some deployers do. */
  inactivateSuperseded?: boolean;
}

export interface SeededDeploy {
  sha: string;
  deploymentId: number;
  /** ISO time of the deploy's last status. */
  finishedAt: string;
}

export interface ServiceHistory {
  repo: string;
  branch: string;
  environment: string;
  candidate: SeededDeploy;
  current: SeededDeploy;
  failed?: SeededDeploy;
  migrationFile?: string;
  /** Head of the branch. */
  latestSha: string;
  /** Commits after the candidate up to and including the current deploy, oldest first. */
  changes: string[];
}

// ---------- Stored records (also what the accessors return) ----------

interface Blob {
  sha: string;
  lines: number;
}

type Tree = Map<string, Blob>;

export interface DiffEntry {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  previousFilename?: string;
  blobSha: string;
  additions: number;
  deletions: number;
}

export interface StoredCommit {
  sha: string;
  /** Creation order: parents always have a lower seq (a topological order). */
  seq: number;
  parents: string[];
  message: string;
  author: { name: string; email: string };
  date: string;
  treeSha: string;
  tree: Tree;
  /** Changes against the first parent. */
  files: DiffEntry[];
}

export interface StoredDeploymentStatus {
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: string;
}

export interface StoredDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  creator: string;
  createdAt: string;
  updatedAt: string;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  statuses: StoredDeploymentStatus[];
}

export interface StoredComment {
  id: number;
  body: string;
  user: string;
  createdAt: string;
}

export interface StoredIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: StoredComment[];
  isPullRequest: boolean;
}

interface Repo {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  branches: Map<string, string>;
  commits: Map<string, StoredCommit>;
  deployments: StoredDeployment[];
  issues: StoredIssue[];
  labelIds: Map<string, number>;
}

// ---------- Constants and small helpers ----------

const DOCS = 'https://docs.github.com/rest';
const RATE_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID.';
const MAX_COMPARE_FILES = 300;
const MAX_COMPARE_COMMITS = 250;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** A GitHub-shaped error answer, thrown from handlers and rendered by the error handler. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

function notFound(message = 'Not Found'): ApiError {
  return new ApiError(404, { message, documentation_url: DOCS, status: '404' });
}

/** GitHub's limit on an issue or comment body, in characters. */
const COMMENT_MAX = 65_536;

function validationFailed(resource: string, field: string, code: string): ApiError {
  return new ApiError(422, {
    message: 'Validation Failed',
    errors: [{ resource, field, code }],
    documentation_url: DOCS,
    status: '422',
  });
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function toMs(at: TimeInput): number {
  if (typeof at === 'number') return at;
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${String(at)}`);
  return ms;
}

/** GitHub writes timestamps without milliseconds. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nodeId(prefix: string, key: string | number): string {
  return `${prefix}_${Buffer.from(String(key)).toString('base64url')}`;
}

function queryOf(request: FastifyRequest): Record<string, string | undefined> {
  return (request.query ?? {}) as Record<string, string | undefined>;
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function positiveInt(text: string | undefined): number | undefined {
  const value = text === undefined ? NaN : Number.parseInt(text, 10);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function rawPath(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

// ---------- Commit graph: trees, diffs, ancestry ----------

function diffTrees(base: Tree, head: Tree): DiffEntry[] {
  const removed = new Map<string, Blob>();
  const entries: DiffEntry[] = [];
  for (const [filename, blob] of base) if (!head.has(filename)) removed.set(filename, blob);
  for (const [filename, blob] of head) {
    const before = base.get(filename);
    if (!before)
      entries.push({ filename, status: 'added', blobSha: blob.sha, additions: blob.lines, deletions: 0 });
    else if (before.sha !== blob.sha)
      entries.push({ filename, status: 'modified', blobSha: blob.sha, additions: 3, deletions: 1 });
  }
  // Exact renames, as git detects them: an added path with the blob of a removed one.
  for (const entry of entries) {
    if (entry.status !== 'added') continue;
    const previous = [...removed].find(([, blob]) => blob.sha === entry.blobSha);
    if (!previous) continue;
    removed.delete(previous[0]);
    Object.assign(entry, { status: 'renamed', previousFilename: previous[0], additions: 0, deletions: 0 });
  }
  for (const [filename, blob] of removed)
    entries.push({ filename, status: 'removed', blobSha: blob.sha, additions: 0, deletions: blob.lines });
  return entries.sort((a, b) => a.filename.localeCompare(b.filename));
}

function ancestors(repo: Repo, sha: string): Set<string> {
  const seen = new Set<string>();
  const pending = [sha];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(repo.commits.get(next)?.parents ?? []));
  }
  return seen;
}

/** The best common ancestor: a common ancestor that is not an ancestor of another one (newest wins ties). */
function mergeBase(repo: Repo, a: string, b: string): StoredCommit | null {
  const ofB = ancestors(repo, b);
  const common = [...ancestors(repo, a)].filter((sha) => ofB.has(sha));
  const dominated = new Set<string>();
  for (const sha of common) for (const older of ancestors(repo, sha)) if (older !== sha) dominated.add(older);
  const best = common
    .filter((sha) => !dominated.has(sha))
    .map((sha) => repo.commits.get(sha) as StoredCommit)
    .sort((x, y) => y.seq - x.seq);
  return best[0] ?? null;
}

function byNewest(a: StoredCommit, b: StoredCommit): number {
  return Date.parse(b.date) - Date.parse(a.date) || b.seq - a.seq;
}

// ---------- The stand-in ----------

export class GitHubStandIn extends VendorStandIn {
  private readonly token: string;
  private readonly login: string;
  private readonly now: () => number;
  private readonly htmlBaseUrl: string;
  private readonly rateLimit: number;
  private repos = new Map<string, Repo>();
  private ids = {
    repo: 1000,
    commitSeq: 0,
    deployment: 900,
    status: 5000,
    issue: 7000,
    comment: 9000,
    label: 100,
  };
  private rate = { remaining: 0, resetAtSec: 0 };

  constructor(options: GitHubStandInOptions = {}) {
    super(new StandIn({ name: 'github' }));
    this.token = options.token ?? 'github-sandbox-token';
    this.login = options.login ?? 'firebreak-bot';
    this.now = options.now ?? Date.now;
    this.htmlBaseUrl = (options.htmlBaseUrl ?? 'https://github.test').replace(/\/+$/, '');
    this.rateLimit = options.rateLimit ?? 5000;
    this.resetRate();
    this.standIn.onResetClear(() => this.clear());
    this.installHooks(this.standIn.app);
    // github.com serves the API at the root; GitHub Enterprise Server under /api/v3.
    for (const prefix of ['', '/api/v3']) {
      void this.standIn.app.register(async (api) => this.registerApi(api, prefix), { prefix });
    }
    this.registerSandboxRoutes(this.standIn.app);
  }

  // ----- rate limits -----

  /** Sets the primary budget; at 0 every API request gets 403 "API rate limit exceeded". */
  setRateLimit(remaining: number, resetAt?: TimeInput): void {
    this.rate.remaining = remaining;
    if (resetAt !== undefined) this.rate.resetAtSec = Math.floor(toMs(resetAt) / 1000);
  }

  get rateLimitRemaining(): number {
    return this.rate.remaining;
  }

  /**
   * The next `times` API requests hit a secondary rate limit: 429 with retry-after when `retryAfterSec` is
   * given, else 403 with only the message (the client must then wait at least a minute).
   */
  secondaryRateLimit(options: { times?: number; retryAfterSec?: number; pathPrefix?: string } = {}): void {
    const headers: Record<string, string> =
      options.retryAfterSec === undefined ? {} : { 'retry-after': String(options.retryAfterSec) };
    this.standIn.addFault({
      pathPrefix: options.pathPrefix ?? '/repos',
      status: options.retryAfterSec === undefined ? 403 : 429,
      headers,
      body: { message: SECONDARY_MESSAGE, documentation_url: `${RATE_DOCS}#about-secondary-rate-limits` },
      times: options.times ?? 1,
    });
  }

  // ----- seeding -----

  createRepo(owner: string, name: string, options: { defaultBranch?: string } = {}): string {
    const fullName = `${owner}/${name}`;
    this.repos.set(fullName.toLowerCase(), {
      owner,
      name,
      id: ++this.ids.repo,
      defaultBranch: options.defaultBranch ?? 'main',
      branches: new Map(),
      commits: new Map(),
      deployments: [],
      issues: [],
      labelIds: new Map(),
    });
    return fullName;
  }

  /** Commits on `branch` (created from the default branch's head when missing) and returns the sha. */
  commit(repoFullName: string, branch: string, seed: CommitSeed): string {
    const repo = this.repo(repoFullName);
    const head = repo.branches.get(branch) ?? repo.branches.get(repo.defaultBranch);
    const parentTree = head ? this.commitOf(repo, head).tree : new Map<string, Blob>();
    const at = toMs(seed.at ?? this.now());
    const tree = applyChanges(parentTree, seed.files ?? [], `${seed.message}\n${at}`);
    const sha = this.store(repo, {
      parents: head ? [head] : [],
      tree,
      message: seed.message,
      at,
      author: seed.author,
    });
    repo.branches.set(branch, sha);
    return sha;
  }

  createBranch(repoFullName: string, branch: string, fromRef: string): string {
    const repo = this.repo(repoFullName);
    const sha = this.resolve(repo, fromRef);
    if (!sha) throw new Error(`no commit for ${fromRef} in ${repoFullName}`);
    repo.branches.set(branch, sha);
    return sha;
  }

  /** A merge commit of `from` into `into` (three-way by blob; `from` wins conflicts). */
  merge(
    repoFullName: string,
    into: string,
    from: string,
    options: { message?: string; at?: TimeInput } = {},
  ): string {
    const repo = this.repo(repoFullName);
    const ours = this.resolve(repo, into);
    const theirs = this.resolve(repo, from);
    if (!ours || !theirs) throw new Error(`cannot merge ${from} into ${into} in ${repoFullName}`);
    const base = mergeBase(repo, ours, theirs)?.tree ?? new Map<string, Blob>();
    const tree = new Map(this.commitOf(repo, ours).tree);
    const theirTree = this.commitOf(repo, theirs).tree;
    for (const filename of new Set([...base.keys(), ...theirTree.keys()])) {
      const theirBlob = theirTree.get(filename);
      if (theirBlob?.sha === base.get(filename)?.sha) continue;
      if (theirBlob) tree.set(filename, theirBlob);
      else tree.delete(filename);
    }
    const message = options.message ?? `Merge branch '${from}' into ${into}`;
    const at = toMs(options.at ?? this.now());
    const sha = this.store(repo, { parents: [ours, theirs], tree, message, at });
    repo.branches.set(into, sha);
    return sha;
  }

  /** Records a deployment with its statuses (oldest first) and returns its id. */
  deploy(repoFullName: string, seed: DeploySeed): number {
    const repo = this.repo(repoFullName);
    const ref = seed.ref ?? repo.defaultBranch;
    const sha = seed.sha ? this.resolve(repo, seed.sha) : this.resolve(repo, ref);
    if (!sha) throw new Error(`no commit for ${seed.sha ?? ref} in ${repoFullName}`);
    const environment = seed.environment ?? 'production';
    const createdAt = iso(toMs(seed.createdAt ?? this.now()));
    const deployment: StoredDeployment = {
      id: ++this.ids.deployment,
      sha,
      ref,
      task: seed.task ?? 'deploy',
      environment,
      description: seed.description ?? null,
      payload: {},
      creator: this.login,
      createdAt,
      updatedAt: createdAt,
      productionEnvironment: seed.productionEnvironment ?? environment === 'production',
      transientEnvironment: seed.transientEnvironment ?? false,
      statuses: [],
    };
    repo.deployments.push(deployment);
    for (const status of seed.statuses ?? []) this.addDeploymentStatus(repoFullName, deployment.id, status);
    return deployment.id;
  }

  addDeploymentStatus(
    repoFullName: string,
    deploymentId: number,
    status: { state: DeploymentState; at?: TimeInput; description?: string; autoInactive?: boolean },
  ): StoredDeploymentStatus {
    const repo = this.repo(repoFullName);
    const deployment = repo.deployments.find((d) => d.id === deploymentId);
    if (!deployment) throw new Error(`no deployment ${deploymentId} in ${repoFullName}`);
    const createdAt = iso(toMs(status.at ?? this.now()));
    const stored = pushStatus(
      deployment,
      ++this.ids.status,
      status.state,
      createdAt,
      status.description ?? '',
    );
    // GitHub's auto_inactive touches only prior non-production, non-transient deployments of the environment.
    if (status.state === 'success' && status.autoInactive !== false && !deployment.productionEnvironment) {
      for (const prior of repo.deployments) {
        if (prior.id >= deployment.id || prior.environment !== deployment.environment) continue;
        if (prior.transientEnvironment || latestStatus(prior)?.state !== 'success') continue;
        pushStatus(prior, ++this.ids.status, 'inactive', createdAt, '');
      }
    }
    return stored;
  }

  /** A pull request: listed by the issues API with a `pull_request` key. */
  openPullRequest(repoFullName: string, pr: { title: string; labels?: string[]; at?: TimeInput }): number {
    return this.addIssue(this.repo(repoFullName), { ...pr, body: null, isPullRequest: true }).number;
  }

  /** A realistic history: candidate deploy, commits (optionally a migration), current deploy, more. */
  seedServiceHistory(seed: ServiceHistorySeed): ServiceHistory {
    return seedHistory(this, seed, toMs(seed.now ?? this.now()));
  }

  // ----- accessors for tests -----

  issues(repoFullName: string): StoredIssue[] {
    return this.repo(repoFullName).issues;
  }

  deployments(repoFullName: string): StoredDeployment[] {
    return this.repo(repoFullName).deployments;
  }

  commits(repoFullName: string): StoredCommit[] {
    return [...this.repo(repoFullName).commits.values()];
  }

  hasRepo(repoFullName: string): boolean {
    return this.repos.has(repoFullName.toLowerCase());
  }

  branchHead(repoFullName: string, branch: string): string | undefined {
    return this.repo(repoFullName).branches.get(branch);
  }

  // ----- internals: state -----

  private clear(): void {
    this.repos.clear();
    this.resetRate();
  }

  private resetRate(): void {
    this.rate = { remaining: this.rateLimit, resetAtSec: Math.floor(this.now() / 1000) + 3600 };
  }

  private repo(fullName: string): Repo {
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`unknown repo ${fullName}; call createRepo first`);
    return repo;
  }

  private commitOf(repo: Repo, sha: string): StoredCommit {
    const commit = repo.commits.get(sha);
    if (!commit) throw new Error(`unknown commit ${sha}`);
    return commit;
  }

  private store(
    repo: Repo,
    c: {
      parents: string[];
      tree: Tree;
      message: string;
      at: number;
      author?: { name: string; email: string };
    },
  ): string {
    const author = c.author ?? { name: 'Ann Developer', email: 'ann@example.test' };
    const date = iso(c.at);
    const treeSha = sha1([...c.tree].map(([name, blob]) => `${name}\0${blob.sha}`).join('\n'));
    const header = [`tree ${treeSha}`, ...c.parents.map((p) => `parent ${p}`)];
    const sha = sha1(
      [...header, `author ${author.name} <${author.email}> ${date}`, '', c.message].join('\n'),
    );
    const firstParent = c.parents[0] ? this.commitOf(repo, c.parents[0]).tree : new Map<string, Blob>();
    const files = diffTrees(firstParent, c.tree);
    const seq = ++this.ids.commitSeq;
    repo.commits.set(sha, {
      sha,
      seq,
      parents: c.parents,
      message: c.message,
      author,
      date,
      treeSha,
      tree: c.tree,
      files,
    });
    return sha;
  }

  /** A sha (full or unique prefix of 7+), a branch, `heads/BRANCH` or `refs/heads/BRANCH`. */
  private resolve(repo: Repo, ref: string): string | undefined {
    const branch = ref.replace(/^(refs\/)?heads\//, '');
    const head = repo.branches.get(branch);
    if (head) return head;
    if (!/^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
    const matches = [...repo.commits.keys()].filter((sha) => sha.startsWith(ref.toLowerCase()));
    return matches.length === 1 ? matches[0] : undefined;
  }

  private addIssue(
    repo: Repo,
    issue: { title: string; body: string | null; labels?: string[]; at?: TimeInput; isPullRequest: boolean },
  ): StoredIssue {
    const createdAt = iso(toMs(issue.at ?? this.now()));
    const number = repo.issues.length + 1;
    const stored: StoredIssue = {
      id: ++this.ids.issue,
      number,
      title: issue.title,
      body: issue.body,
      state: 'open',
      stateReason: null,
      labels: [...new Set(issue.labels ?? [])],
      user: this.login,
      createdAt,
      updatedAt: createdAt,
      closedAt: null,
      comments: [],
      isPullRequest: issue.isPullRequest,
    };
    for (const label of stored.labels) this.labelId(repo, label);
    repo.issues.push(stored);
    return stored;
  }

  private labelId(repo: Repo, name: string): number {
    const known = repo.labelIds.get(name);
    if (known !== undefined) return known;
    const id = ++this.ids.label;
    repo.labelIds.set(name, id);
    return id;
  }

  // ----- internals: HTTP -----

  private installHooks(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      if (rawPath(request).startsWith('/_sandbox')) return;
      const refusal = this.refuse(request);
      if (refusal) await reply.code(refusal.status).send(refusal.body);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (rawPath(request).startsWith('/_sandbox')) return payload;
      this.refillIfDue();
      reply.header('x-ratelimit-limit', String(this.rateLimit));
      reply.header('x-ratelimit-remaining', String(this.rate.remaining));
      reply.header('x-ratelimit-used', String(this.rateLimit - this.rate.remaining));
      reply.header('x-ratelimit-reset', String(this.rate.resetAtSec));
      reply.header('x-ratelimit-resource', 'core');
      reply.header('x-github-api-version-selected', '2022-11-28');
      return payload;
    });
    app.setErrorHandler(async (error: Error & { statusCode?: number }, _request, reply) => {
      if (error instanceof ApiError) return reply.code(error.status).send(error.body);
      if (error.statusCode && error.statusCode < 500) {
        return reply
          .code(400)
          .send({ message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
      }
      return reply.code(500).send({ message: `Server Error: ${error.message}`, status: '500' });
    });
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(notFound().body));
  }

  /** User-Agent, then credentials, then the primary budget (failed logins do not spend it). */
  private refuse(request: FastifyRequest): ApiError | null {
    if (!request.headers['user-agent']) {
      return new ApiError(403, {
        message:
          'Request forbidden by administrative rules. Please make sure your request has a User-Agent header ' +
          '(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).',
      });
    }
    const match = /^(?:bearer|token)\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (match?.[1] !== this.token) {
      return new ApiError(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    }
    this.refillIfDue();
    if (this.rate.remaining <= 0) {
      return new ApiError(403, {
        message: 'API rate limit exceeded for user ID 1.',
        documentation_url: RATE_DOCS,
      });
    }
    this.rate.remaining -= 1;
    return null;
  }

  private refillIfDue(): void {
    if (this.now() / 1000 < this.rate.resetAtSec) return;
    this.rate = { remaining: this.rateLimit, resetAtSec: Math.floor(this.now() / 1000) + 3600 };
  }

  private registerSandboxRoutes(app: FastifyInstance): void {
    app.post('/_sandbox/github/repos', async (request, reply) => {
      const body = bodyOf(request) as { owner?: string; name?: string; defaultBranch?: string };
      if (!body.owner || !body.name) return reply.code(400).send({ error: 'owner and name are required' });
      return reply.code(201).send({ repo: this.createRepo(body.owner, body.name, body) });
    });
    app.post('/_sandbox/github/seed-service-history', async (request, reply) => {
      const seed = bodyOf(request) as unknown as ServiceHistorySeed;
      if (typeof seed.repo !== 'string' || !seed.repo.includes('/')) {
        return reply.code(400).send({ error: 'repo (owner/name) is required' });
      }
      return reply.code(201).send(this.seedServiceHistory(seed));
    });
    app.post('/_sandbox/github/rate-limit', async (request, reply) => {
      const body = bodyOf(request) as { remaining?: number; resetAt?: string };
      this.setRateLimit(Number(body.remaining ?? 0), body.resetAt);
      return reply.code(204).send();
    });
  }

  private registerApi(api: FastifyInstance, prefix: string): void {
    const ctx = (request: FastifyRequest) => this.context(request, prefix);
    api.get('/repos/:owner/:repo/commits', async (request, reply) => this.listCommits(ctx(request), reply));
    api.get('/repos/:owner/:repo/commits/*', async (request, reply) => this.getCommit(ctx(request), reply));
    api.get('/repos/:owner/:repo/compare/*', async (request) => this.compare(ctx(request)));
    api.get('/repos/:owner/:repo/deployments', async (request, reply) =>
      this.listDeployments(ctx(request), reply),
    );
    api.post('/repos/:owner/:repo/deployments', async (request, reply) =>
      this.createDeployment(ctx(request), reply),
    );
    api.get('/repos/:owner/:repo/deployments/:id', async (request) => this.getDeployment(ctx(request)));
    api.get('/repos/:owner/:repo/deployments/:id/statuses', async (request, reply) =>
      this.listStatuses(ctx(request), reply),
    );
    api.post('/repos/:owner/:repo/deployments/:id/statuses', async (request, reply) =>
      this.createStatus(ctx(request), reply),
    );
    api.get('/repos/:owner/:repo/issues', async (request, reply) => this.listIssues(ctx(request), reply));
    api.post('/repos/:owner/:repo/issues', async (request, reply) => this.createIssue(ctx(request), reply));
    api.get('/repos/:owner/:repo/issues/:number', async (request) => this.getIssue(ctx(request)));
    api.patch('/repos/:owner/:repo/issues/:number', async (request) => this.updateIssue(ctx(request)));
    api.post('/repos/:owner/:repo/issues/:number/comments', async (request, reply) =>
      this.createComment(ctx(request), reply),
    );
    api.get('/repos/:owner/:repo/issues/:number/comments', async (request, reply) =>
      this.listComments(ctx(request), reply),
    );
  }

  private context(request: FastifyRequest, prefix: string): Ctx {
    const params = request.params as Record<string, string>;
    const repo = this.repos.get(`${params.owner}/${params.repo}`.toLowerCase());
    if (!repo) throw notFound();
    const origin = `${request.protocol}://${request.host}`;
    return { request, repo, api: `${origin}${prefix}`, origin, full: `${repo.owner}/${repo.name}`, params };
  }

  /** Applies ?per_page=&page= and sets the Link header, as GitHub does. */
  private paginate<T>(items: T[], c: Ctx, reply: FastifyReply): T[] {
    const query = queryOf(c.request);
    const perPage = Math.min(positiveInt(query.per_page) ?? 30, 100);
    const page = positiveInt(query.page) ?? 1;
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string): string => {
      const url = new URL(c.request.url, c.origin);
      url.searchParams.set('per_page', String(perPage));
      url.searchParams.set('page', String(n));
      return `<${url.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (links.length > 0) reply.header('link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  // ----- commits and compare -----

  private listCommits(c: Ctx, reply: FastifyReply): unknown[] {
    const ref = queryOf(c.request).sha ?? c.repo.defaultBranch;
    if (c.repo.commits.size === 0)
      throw new ApiError(409, { message: 'Git Repository is empty.', documentation_url: DOCS });
    const sha = this.resolve(c.repo, ref);
    if (!sha) throw notFound();
    const commits = [...ancestors(c.repo, sha)].map((s) => this.commitOf(c.repo, s)).sort(byNewest);
    return this.paginate(commits, c, reply).map((commit) => this.commitJson(c, commit, false));
  }

  private getCommit(c: Ctx, reply: FastifyReply): unknown {
    const path = rawPath(c.request);
    const ref = decodeURIComponent(path.slice(path.indexOf('/commits/') + '/commits/'.length));
    if (c.repo.commits.size === 0)
      throw new ApiError(409, { message: 'Git Repository is empty.', documentation_url: DOCS });
    const sha = this.resolve(c.repo, ref);
    // GitHub answers an unknown ref on this endpoint with 422, not 404.
    if (!sha)
      throw new ApiError(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS });
    if (String(c.request.headers.accept ?? '').includes('application/vnd.github.sha')) {
      return reply.type('application/vnd.github.sha; charset=utf-8').send(sha);
    }
    return this.commitJson(c, this.commitOf(c.repo, sha), true);
  }

  private compare(c: Ctx): unknown {
    const path = rawPath(c.request);
    const basehead = path.slice(path.indexOf('/compare/') + '/compare/'.length);
    const [baseRef, headRef, extra] = basehead.split('...');
    if (!baseRef || !headRef || extra !== undefined) throw notFound();
    const base = this.resolve(c.repo, decodeURIComponent(baseRef));
    const head = this.resolve(c.repo, decodeURIComponent(headRef));
    if (!base || !head) throw notFound();
    const mb = mergeBase(c.repo, base, head);
    if (!mb)
      throw notFound(
        `No common ancestor between ${decodeURIComponent(baseRef)} and ${decodeURIComponent(headRef)}.`,
      );
    const ofBase = ancestors(c.repo, base);
    const ofHead = ancestors(c.repo, head);
    const ahead = [...ofHead].filter((s) => !ofBase.has(s)).map((s) => this.commitOf(c.repo, s));
    const behindBy = [...ofBase].filter((s) => !ofHead.has(s)).length;
    const chronological = ahead.sort((a, b) => -byNewest(a, b)).slice(-MAX_COMPARE_COMMITS);
    const files = diffTrees(mb.tree, this.commitOf(c.repo, head).tree).slice(0, MAX_COMPARE_FILES);
    const status =
      base === head ? 'identical' : behindBy === 0 ? 'ahead' : ahead.length === 0 ? 'behind' : 'diverged';
    const html = `${this.htmlBaseUrl}/${c.full}/compare/${basehead}`;
    return {
      url: `${c.api}/repos/${c.full}/compare/${basehead}`,
      html_url: html,
      permalink_url: `${this.htmlBaseUrl}/${c.full}/compare/${c.repo.owner}:${base}...${c.repo.owner}:${head}`,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: this.commitJson(c, this.commitOf(c.repo, base), false),
      merge_base_commit: this.commitJson(c, mb, false),
      status,
      ahead_by: ahead.length,
      behind_by: behindBy,
      total_commits: ahead.length,
      commits: chronological.map((commit) => this.commitJson(c, commit, false)),
      files: files.map((file) => this.diffEntryJson(c, file)),
    };
  }

  private commitJson(c: Ctx, commit: StoredCommit, withFiles: boolean): Record<string, unknown> {
    const url = `${c.api}/repos/${c.full}/commits/${commit.sha}`;
    const html = `${this.htmlBaseUrl}/${c.full}/commit/${commit.sha}`;
    const person = { ...commit.author, date: commit.date };
    const json: Record<string, unknown> = {
      url,
      sha: commit.sha,
      node_id: nodeId('C', commit.sha),
      html_url: html,
      comments_url: `${url}/comments`,
      commit: {
        url: `${c.api}/repos/${c.full}/git/commits/${commit.sha}`,
        author: person,
        committer: person,
        message: commit.message,
        tree: { sha: commit.treeSha, url: `${c.api}/repos/${c.full}/git/trees/${commit.treeSha}` },
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null,
        },
      },
      author: null,
      committer: null,
      parents: commit.parents.map((sha) => ({
        sha,
        url: `${c.api}/repos/${c.full}/commits/${sha}`,
        html_url: `${this.htmlBaseUrl}/${c.full}/commit/${sha}`,
      })),
    };
    if (!withFiles) return json;
    const additions = commit.files.reduce((sum, f) => sum + f.additions, 0);
    const deletions = commit.files.reduce((sum, f) => sum + f.deletions, 0);
    json.stats = { total: additions + deletions, additions, deletions };
    json.files = commit.files.map((file) => this.diffEntryJson(c, file));
    return json;
  }

  private diffEntryJson(c: Ctx, file: DiffEntry): Record<string, unknown> {
    const blobPath = `${c.full}/blob/${file.blobSha}/${file.filename}`;
    return {
      sha: file.blobSha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${this.htmlBaseUrl}/${blobPath}`,
      raw_url: `${this.htmlBaseUrl}/${c.full}/raw/${file.blobSha}/${file.filename}`,
      contents_url: `${c.api}/repos/${c.full}/contents/${file.filename}?ref=${file.blobSha}`,
      ...(file.previousFilename ? { previous_filename: file.previousFilename } : {}),
    };
  }

  // ----- deployments -----

  private listDeployments(c: Ctx, reply: FastifyReply): unknown[] {
    const query = queryOf(c.request);
    const matching = c.repo.deployments
      .filter((d) => !query.environment || d.environment === query.environment)
      .filter((d) => !query.sha || d.sha === query.sha)
      .filter((d) => !query.ref || d.ref === query.ref)
      .filter((d) => !query.task || d.task === query.task)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
    return this.paginate(matching, c, reply).map((d) => this.deploymentJson(c, d));
  }

  private deploymentOf(c: Ctx): StoredDeployment {
    const deployment = c.repo.deployments.find((d) => String(d.id) === c.params.id);
    if (!deployment) throw notFound();
    return deployment;
  }

  private getDeployment(c: Ctx): unknown {
    return this.deploymentJson(c, this.deploymentOf(c));
  }

  private createDeployment(c: Ctx, reply: FastifyReply): unknown {
    const body = bodyOf(c.request);
    if (typeof body.ref !== 'string') throw validationFailed('Deployment', 'ref', 'missing_field');
    if (!this.resolve(c.repo, body.ref)) {
      throw new ApiError(422, {
        message: `No ref found for: ${body.ref}`,
        documentation_url: DOCS,
        status: '422',
      });
    }
    const id = this.deploy(c.full, {
      ref: body.ref,
      environment: typeof body.environment === 'string' ? body.environment : undefined,
      task: typeof body.task === 'string' ? body.task : undefined,
      description: typeof body.description === 'string' ? body.description : undefined,
      productionEnvironment:
        typeof body.production_environment === 'boolean' ? body.production_environment : undefined,
      transientEnvironment:
        typeof body.transient_environment === 'boolean' ? body.transient_environment : undefined,
    });
    const stored = c.repo.deployments.find((d) => d.id === id) as StoredDeployment;
    stored.payload = body.payload ?? {};
    return reply.code(201).send(this.deploymentJson(c, stored));
  }

  private listStatuses(c: Ctx, reply: FastifyReply): unknown[] {
    const deployment = this.deploymentOf(c);
    const newestFirst = [...deployment.statuses].sort(
      (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id,
    );
    return this.paginate(newestFirst, c, reply).map((s) => this.statusJson(c, deployment, s));
  }

  private createStatus(c: Ctx, reply: FastifyReply): unknown {
    const deployment = this.deploymentOf(c);
    const body = bodyOf(c.request);
    const states: DeploymentState[] = [
      'error',
      'failure',
      'inactive',
      'pending',
      'success',
      'queued',
      'in_progress',
    ];
    const state = states.find((s) => s === body.state);
    if (!state) throw validationFailed('DeploymentStatus', 'state', 'invalid');
    const status = this.addDeploymentStatus(c.full, deployment.id, {
      state,
      description: typeof body.description === 'string' ? body.description.slice(0, 140) : undefined,
      autoInactive: body.auto_inactive !== false,
    });
    status.logUrl = typeof body.log_url === 'string' ? body.log_url : '';
    status.environmentUrl = typeof body.environment_url === 'string' ? body.environment_url : '';
    const json = this.statusJson(c, deployment, status);
    return reply.code(201).header('location', String(json.url)).send(json);
  }

  private deploymentJson(c: Ctx, d: StoredDeployment): Record<string, unknown> {
    const url = `${c.api}/repos/${c.full}/deployments/${d.id}`;
    return {
      url,
      id: d.id,
      node_id: nodeId('DE', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.environment,
      environment: d.environment,
      description: d.description,
      creator: this.userJson(c, d.creator),
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      statuses_url: `${url}/statuses`,
      repository_url: `${c.api}/repos/${c.full}`,
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
    };
  }

  private statusJson(c: Ctx, d: StoredDeployment, s: StoredDeploymentStatus): Record<string, unknown> {
    const deploymentUrl = `${c.api}/repos/${c.full}/deployments/${d.id}`;
    return {
      url: `${deploymentUrl}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('DES', s.id),
      state: s.state,
      creator: this.userJson(c, d.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl,
      log_url: s.logUrl,
      environment_url: s.environmentUrl,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: deploymentUrl,
      repository_url: `${c.api}/repos/${c.full}`,
    };
  }

  private userJson(c: Ctx, login: string): Record<string, unknown> {
    return {
      login,
      id: 1,
      node_id: nodeId('U', login),
      type: 'User',
      site_admin: false,
      url: `${c.api}/users/${login}`,
      html_url: `${this.htmlBaseUrl}/${login}`,
    };
  }

  // ----- issues -----

  private listIssues(c: Ctx, reply: FastifyReply): unknown[] {
    const query = queryOf(c.request);
    const state = query.state ?? 'open';
    const wanted = (query.labels ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    const key = query.sort === 'updated' ? 'updatedAt' : 'createdAt';
    const direction = query.direction === 'asc' ? -1 : 1;
    const matching = c.repo.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((label) => i.labels.includes(label)))
      .sort((a, b) => direction * (Date.parse(b[key]) - Date.parse(a[key]) || b.number - a.number));
    return this.paginate(matching, c, reply).map((i) => this.issueJson(c, i));
  }

  private issueOf(c: Ctx): StoredIssue {
    const issue = c.repo.issues.find((i) => String(i.number) === c.params.number);
    if (!issue) throw notFound();
    return issue;
  }

  private getIssue(c: Ctx): unknown {
    return this.issueJson(c, this.issueOf(c));
  }

  private createIssue(c: Ctx, reply: FastifyReply): unknown {
    const body = bodyOf(c.request);
    if (typeof body.title !== 'string' && typeof body.title !== 'number') {
      throw validationFailed('Issue', 'title', 'missing_field');
    }
    const issue = this.addIssue(c.repo, {
      title: String(body.title),
      body: typeof body.body === 'string' ? body.body : null,
      labels: labelNames(body.labels),
      isPullRequest: false,
    });
    const json = this.issueJson(c, issue);
    return reply.code(201).header('location', String(json.url)).send(json);
  }

  private updateIssue(c: Ctx): unknown {
    const issue = this.issueOf(c);
    const body = bodyOf(c.request);
    const at = iso(this.now());
    if (typeof body.title === 'string') issue.title = body.title;
    if (typeof body.body === 'string' || body.body === null) issue.body = body.body;
    if (Array.isArray(body.labels)) issue.labels = labelNames(body.labels);
    for (const label of issue.labels) this.labelId(c.repo, label);
    if (body.state === 'closed' && issue.state === 'open') {
      Object.assign(issue, { state: 'closed', closedAt: at, stateReason: body.state_reason ?? 'completed' });
    } else if (body.state === 'open' && issue.state === 'closed') {
      Object.assign(issue, { state: 'open', closedAt: null, stateReason: 'reopened' });
    } else if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') {
      throw validationFailed('Issue', 'state', 'invalid');
    }
    issue.updatedAt = at;
    return this.issueJson(c, issue);
  }

  /** Oldest first, paginated, like GitHub's list of an issue's comments. */
  private listComments(c: Ctx, reply: FastifyReply): unknown[] {
    const issue = this.issueOf(c);
    return this.paginate(issue.comments, c, reply).map((comment) => this.commentJson(c, issue, comment));
  }

  private createComment(c: Ctx, reply: FastifyReply): unknown {
    const issue = this.issueOf(c);
    const body = bodyOf(c.request);
    if (typeof body.body !== 'string' || body.body === '')
      throw validationFailed('IssueComment', 'body', 'missing_field');
    if (body.body.length > COMMENT_MAX) {
      throw new ApiError(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${COMMENT_MAX} characters)`,
          },
        ],
        documentation_url: DOCS,
        status: '422',
      });
    }
    const comment: StoredComment = {
      id: ++this.ids.comment,
      body: body.body,
      user: this.login,
      createdAt: iso(this.now()),
    };
    issue.comments.push(comment);
    issue.updatedAt = comment.createdAt;
    const json = this.commentJson(c, issue, comment);
    return reply.code(201).header('location', json.url).send(json);
  }

  private commentJson(c: Ctx, issue: StoredIssue, comment: StoredComment) {
    return {
      id: comment.id,
      node_id: nodeId('IC', comment.id),
      url: `${c.api}/repos/${c.full}/issues/comments/${comment.id}`,
      html_url: `${this.htmlBaseUrl}/${c.full}/issues/${issue.number}#issuecomment-${comment.id}`,
      issue_url: `${c.api}/repos/${c.full}/issues/${issue.number}`,
      body: comment.body,
      user: this.userJson(c, comment.user),
      created_at: comment.createdAt,
      updated_at: comment.createdAt,
      author_association: 'MEMBER',
    };
  }

  private issueJson(c: Ctx, issue: StoredIssue): Record<string, unknown> {
    const url = `${c.api}/repos/${c.full}/issues/${issue.number}`;
    const kind = issue.isPullRequest ? 'pull' : 'issues';
    const html = `${this.htmlBaseUrl}/${c.full}/${kind}/${issue.number}`;
    return {
      id: issue.id,
      node_id: nodeId(issue.isPullRequest ? 'PR' : 'I', issue.id),
      url,
      repository_url: `${c.api}/repos/${c.full}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: html,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.userJson(c, issue.user),
      labels: issue.labels.map((name) => ({
        id: this.labelId(c.repo, name),
        node_id: nodeId('LA', name),
        url: `${c.api}/repos/${c.full}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'd73a4a',
        default: false,
        description: null,
      })),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: issue.comments.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: 'MEMBER',
      ...(issue.isPullRequest
        ? {
            pull_request: {
              url: `${c.api}/repos/${c.full}/pulls/${issue.number}`,
              html_url: html,
              diff_url: `${html}.diff`,
              patch_url: `${html}.patch`,
              merged_at: null,
            },
          }
        : {}),
    };
  }
}

interface Ctx {
  request: FastifyRequest;
  repo: Repo;
  /** API base for links, e.g. http://127.0.0.1:1234 or .../api/v3. */
  api: string;
  origin: string;
  full: string;
  params: Record<string, string>;
}

function labelNames(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  const names = labels.map((l: unknown) =>
    typeof l === 'string' ? l : l && typeof l === 'object' ? (l as { name?: unknown }).name : undefined,
  );
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
}

function latestStatus(d: StoredDeployment): StoredDeploymentStatus | undefined {
  return [...d.statuses].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id)[0];
}

function pushStatus(
  d: StoredDeployment,
  id: number,
  state: DeploymentState,
  createdAt: string,
  description: string,
): StoredDeploymentStatus {
  const status = {
    id,
    state,
    description,
    environment: d.environment,
    logUrl: '',
    environmentUrl: '',
    createdAt,
  };
  d.statuses.push(status);
  if (createdAt > d.updatedAt) d.updatedAt = createdAt;
  return status;
}

/** Applies seeded file changes to a copy of the parent tree. `salt` makes unnamed content unique per commit. */
function applyChanges(parent: Tree, files: FileChangeSeed[], salt: string): Tree {
  const tree = new Map(parent);
  files.forEach((file, index) => {
    const status = file.status ?? (tree.has(file.filename) ? 'modified' : 'added');
    if (status === 'removed') {
      if (!tree.delete(file.filename)) throw new Error(`cannot remove missing file ${file.filename}`);
      return;
    }
    const previous = status === 'renamed' ? tree.get(file.previousFilename ?? '') : undefined;
    if (status === 'renamed') {
      if (!previous) throw new Error(`cannot rename missing file ${file.previousFilename ?? '(none)'}`);
      tree.delete(file.previousFilename as string);
    }
    const content = file.content ?? (previous ? undefined : `${file.filename}\n${salt}\n${index}`);
    const blob =
      content === undefined
        ? (previous as Blob)
        : { sha: sha1(`blob ${content}`), lines: Math.max(1, content.split('\n').length * 4) };
    tree.set(file.filename, blob);
  });
  return tree;
}

function migrationName(at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `db/migrate/${stamp}_add_orders_index.rb`;
}

/**
 * Builds, in time order: two early commits, the candidate commit and its deploy, commits in between (the
 * optional migration among them), the current commit and its deploy, an optional failed deploy of a newer
 * commit, then undeployed commits. All times are relative to `end`.
 */
function seedHistory(gh: GitHubStandIn, seed: ServiceHistorySeed, end: number): ServiceHistory {
  const [owner, name] = seed.repo.split('/') as [string, string];
  const branch = seed.branch ?? 'main';
  const environment = seed.environment ?? 'production';
  const candidateAt = end - (seed.candidateDeployedAgoMs ?? 3 * HOUR_MS);
  const currentAt = end - (seed.currentDeployedAgoMs ?? 40 * MINUTE_MS);
  if (currentAt - candidateAt < 30 * MINUTE_MS || end - currentAt < 5 * MINUTE_MS) {
    throw new Error(
      'seedServiceHistory: the current deploy must finish 30+ min after the candidate and 5+ min before now',
    );
  }
  if (!gh.hasRepo(seed.repo)) gh.createRepo(owner, name, { defaultBranch: branch });
  const commit = (message: string, at: number, files?: FileChangeSeed[]): string =>
    gh.commit(seed.repo, branch, { message, at, files });
  const deploy = (
    sha: string,
    createdAt: number,
    finishedAt: number,
    state: DeploymentState,
  ): SeededDeploy => {
    const statuses = [
      { state: 'in_progress' as const, at: createdAt + 1000 },
      { state, at: finishedAt },
    ];
    const deploymentId = gh.deploy(seed.repo, { sha, ref: branch, environment, createdAt, statuses });
    return { sha, deploymentId, finishedAt: iso(finishedAt) };
  };

  const start = candidateAt - 2 * HOUR_MS;
  commit('Initial checkout service', start, [
    { filename: 'README.md' },
    { filename: 'app/checkout.rb' },
    { filename: 'db/schema.rb' },
  ]);
  commit('Add order history page', start + 30 * MINUTE_MS, [{ filename: 'app/orders.rb' }]);
  const candidateSha = commit('Tune checkout timeouts', candidateAt - 20 * MINUTE_MS, [
    { filename: 'config/timeouts.yml' },
  ]);
  const candidate = deploy(candidateSha, candidateAt - 10 * MINUTE_MS, candidateAt, 'success');

  const step = (currentAt - 20 * MINUTE_MS - candidateAt) / 3;
  const migrationFile =
    seed.migration === undefined || seed.migration === false
      ? undefined
      : typeof seed.migration === 'string'
        ? seed.migration
        : migrationName(candidateAt + step);
  const changes: string[] = [];
  if (migrationFile) {
    changes.push(
      commit('Add index on orders.created_at', candidateAt + step, [
        { filename: migrationFile, status: 'added' },
        { filename: 'db/schema.rb', status: 'modified' },
      ]),
    );
  }
  changes.push(commit('Refactor payment flow', candidateAt + 2 * step, [{ filename: 'app/checkout.rb' }]));
  const currentSha = commit('Speed up cart totals', currentAt - 20 * MINUTE_MS, [
    { filename: 'app/cart.rb' },
  ]);
  changes.push(currentSha);
  const current = deploy(currentSha, currentAt - 10 * MINUTE_MS, currentAt, 'success');
  if (seed.inactivateSuperseded) {
    gh.addDeploymentStatus(seed.repo, candidate.deploymentId, { state: 'inactive', at: currentAt });
  }

  const gap = end - currentAt;
  let failed: SeededDeploy | undefined;
  if (seed.failedDeploy) {
    const failedSha = commit('Switch payment gateway client', currentAt + gap * 0.2, [
      { filename: 'app/payments/gateway.rb' },
    ]);
    failed = deploy(failedSha, currentAt + gap * 0.3, currentAt + gap * 0.5, 'failure');
  }
  const after = seed.commitsAfterLastDeploy ?? 1;
  for (let i = 0; i < after; i += 1) {
    commit(`Update copy on checkout page (${i + 1})`, currentAt + gap * (0.6 + (0.3 * i) / after), [
      { filename: 'app/views/checkout.html.erb' },
    ]);
  }
  const latestSha = gh.branchHead(seed.repo, branch) as string;
  return {
    repo: seed.repo,
    branch,
    environment,
    candidate,
    current,
    failed,
    migrationFile,
    latestSha,
    changes,
  };
}
