// Jenkins remote-access client behind the DeployTool role: trigger a parameterized build without following
// redirects (201 new, 303 folded), follow its queue item and build, read its log, stop it. Failures become
// IntegrationError; retries belong to Temporal, so a trigger is made findable by a REQUEST_ID-like parameter.
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { IntegrationError, isRetryableStatus } from './errors';
import type { BuildResult, BuildState, DeployTool, JobPath, QueueItemState, QueueRef } from './roles';

export interface JenkinsClientOptions {
  /** Jenkins root, e.g. https://ci.example.com or https://example.com/jenkins. */
  baseUrl: string;
  user: string;
  apiToken: string;
  timeoutMs?: number;
  /** Quiet period sent with every trigger (default `0sec`; always with units, see contract §1.3). */
  triggerDelay?: string;
}

// ---------- Vendor shapes (only the fields we read) ----------

interface JenkinsAction {
  _class?: string;
  parameters?: Array<{ name?: string; value?: unknown }>;
}

interface JenkinsQueueItem {
  id: number;
  why?: string | null;
  cancelled?: boolean;
  executable?: { number: number; url: string } | null;
  task?: { url?: string };
  actions?: Array<JenkinsAction | null>;
}

interface JenkinsBuild {
  number: number;
  url: string;
  building?: boolean;
  result?: BuildResult | null;
  timestamp?: number;
  duration?: number;
  queueId?: number;
  actions?: Array<JenkinsAction | null>;
}

/** What a call is for: names the job (and build) in error messages. */
interface Operation {
  what: string;
  job?: JobPath;
  /** Message for a 404, when "job not found" would be wrong (e.g. a missing build). */
  notFound?: string;
}

interface Crumb {
  field: string;
  value: string;
  /** Password sessions tie the crumb to a session cookie (contract §1.2). */
  cookie?: string;
}

const BUILD_TREE =
  'builds[number,url,queueId,building,result,timestamp,duration,actions[parameters[name,value]]]';
const QUEUE_TREE = 'items[id,why,task[name,url],actions[parameters[name,value]]]';

// ---------- The client ----------

export class JenkinsClient implements DeployTool {
  private readonly http: AxiosInstance;
  private readonly user: string;
  private readonly triggerDelay: string;
  private crumb?: Crumb;

  constructor(options: JenkinsClientOptions) {
    this.user = options.user;
    this.triggerDelay = options.triggerDelay ?? '0sec';
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 10_000,
      auth: { username: options.user, password: options.apiToken },
      // A 303 must be read, not followed: following it is how clients end up seeing 200 (Spinnaker #7997).
      maxRedirects: 0,
      validateStatus: (status) => status >= 200 && status < 400,
    });
  }

  async triggerBuild(job: JobPath, parameters: Record<string, string>): Promise<QueueRef> {
    const op: Operation = { what: `trigger a build of ${job}`, job };
    const url = `${jobUrl(job)}/buildWithParameters?delay=${encodeURIComponent(this.triggerDelay)}`;
    const response = await this.post(op, url, new URLSearchParams(parameters).toString());
    const location = headerOf(response, 'location');
    if (response.status !== 201 && response.status !== 303) {
      const where = location ? ` redirecting to ${location}` : '';
      throw new IntegrationError(
        `Jenkins did not queue a build of ${job}: it answered ${response.status}${where}`,
        {
          vendor: 'jenkins',
          status: response.status,
          retryable: false,
        },
      );
    }
    // Only the id is taken from Location: its host may be an internal one behind a proxy (contract §1.4).
    const queueId = queueIdFrom(location);
    if (queueId === null) {
      throw new IntegrationError(
        `Jenkins queued ${job} but sent no queue item in Location (${location ?? 'none'})`,
        {
          vendor: 'jenkins',
          status: response.status,
          retryable: false,
        },
      );
    }
    return { queueId, folded: response.status === 303 };
  }

  async queueItem(queueId: number): Promise<QueueItemState | null> {
    const op: Operation = { what: `read queue item ${queueId}` };
    const item = await this.getOrNull<JenkinsQueueItem>(op, `/queue/item/${queueId}/api/json`);
    if (!item) return null;
    return {
      queueId: item.id,
      cancelled: item.cancelled === true,
      why: item.why ?? null,
      ...(item.executable ? { build: { number: item.executable.number, url: item.executable.url } } : {}),
    };
  }

  /** A live queue item of the job with the parameter; `folded` is false because nothing was folded. */
  async findQueuedByParameter(job: JobPath, name: string, value: string): Promise<QueueRef | null> {
    const op: Operation = { what: `search the queue for ${job} with ${name}=${value}`, job };
    const queue = await this.get<{ items?: JenkinsQueueItem[] }>(op, '/queue/api/json', { tree: QUEUE_TREE });
    const wanted = normalizeJobPath(job);
    const item = (queue.items ?? [])
      .filter((i) => jobPathOf(i.task?.url) === wanted && parametersOf(i.actions)[name] === value)
      .sort((a, b) => a.id - b.id)[0];
    return item ? { queueId: item.id, folded: false } : null;
  }

  async findBuildByParameter(job: JobPath, name: string, value: string): Promise<BuildState | null> {
    const builds = await this.recentBuilds(job);
    return builds.find((b) => b.parameters[name] === value) ?? null;
  }

  async findBuildByQueueId(job: JobPath, queueId: number): Promise<BuildState | null> {
    const builds = await this.recentBuilds(job);
    return builds.find((b) => b.queueId === queueId) ?? null;
  }

  async build(job: JobPath, buildNumber: number): Promise<BuildState> {
    const op = buildOperation(`read build ${job} #${buildNumber}`, job, buildNumber);
    return toBuildState(await this.get<JenkinsBuild>(op, `${jobUrl(job)}/${buildNumber}/api/json`));
  }

  async consoleTail(job: JobPath, buildNumber: number, maxBytes: number): Promise<string> {
    const op = buildOperation(`read the console of ${job} #${buildNumber}`, job, buildNumber);
    const response = await this.request<ArrayBuffer>(op, {
      method: 'get',
      url: `${jobUrl(job)}/${buildNumber}/consoleText`,
      responseType: 'arraybuffer',
    });
    return utf8Tail(Buffer.from(response.data), maxBytes);
  }

  /** Asks Jenkins to abort; the build turns ABORTED asynchronously, so follow it to see the result. */
  async stopBuild(job: JobPath, buildNumber: number): Promise<void> {
    const op = buildOperation(`stop ${job} #${buildNumber}`, job, buildNumber);
    await this.post(op, `${jobUrl(job)}/${buildNumber}/stop`);
  }

  /** `POST /queue/cancelItem?id=N`; a 404 means the item is no longer waiting, which is fine here. */
  async cancelQueueItem(queueId: number): Promise<void> {
    const op: Operation = { what: `cancel queue item ${queueId}` };
    try {
      await this.post(op, `/queue/cancelItem?id=${queueId}`);
    } catch (error) {
      if (!(error instanceof IntegrationError && error.status === 404)) throw error;
    }
  }

  /** Newest first, as the job's `builds` list (Jenkins keeps the last 100 there). */
  async recentBuilds(job: JobPath): Promise<BuildState[]> {
    const op: Operation = { what: `list recent builds of ${job}`, job };
    const data = await this.get<{ builds?: JenkinsBuild[] }>(op, `${jobUrl(job)}/api/json`, {
      tree: BUILD_TREE,
    });
    return (data.builds ?? []).map(toBuildState).sort((a, b) => b.number - a.number);
  }

  // ----- HTTP -----

  private async get<T>(op: Operation, url: string, params?: Record<string, string>): Promise<T> {
    return (await this.request<T>(op, { method: 'get', url, params })).data;
  }

  private async getOrNull<T>(op: Operation, url: string): Promise<T | null> {
    try {
      return await this.get<T>(op, url);
    } catch (error) {
      if (error instanceof IntegrationError && error.status === 404) return null;
      throw error;
    }
  }

  /** POSTs form data; sends a crumb only once Jenkins has demanded one (API tokens normally need none). */
  private async post(op: Operation, url: string, form?: string): Promise<AxiosResponse> {
    const send = (): Promise<AxiosResponse> =>
      this.http.post(url, form ?? '', {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...this.crumbHeaders() },
      });
    try {
      return await send();
    } catch (error) {
      if (!isCrumbRejection(error)) throw this.toIntegrationError(error, op);
    }
    await this.fetchCrumb(op);
    try {
      return await send();
    } catch (error) {
      throw this.toIntegrationError(error, op);
    }
  }

  private crumbHeaders(): Record<string, string> {
    if (!this.crumb) return {};
    return {
      [this.crumb.field]: this.crumb.value,
      ...(this.crumb.cookie ? { Cookie: this.crumb.cookie } : {}),
    };
  }

  private async fetchCrumb(op: Operation): Promise<void> {
    const crumbOp: Operation = {
      ...op,
      notFound: `Jenkins demanded a CSRF crumb but /crumbIssuer answered 404`,
    };
    const response = await this.request<{ crumb?: string; crumbRequestField?: string }>(crumbOp, {
      method: 'get',
      url: '/crumbIssuer/api/json',
    });
    const setCookie = response.headers['set-cookie'];
    const cookie = Array.isArray(setCookie) ? setCookie.map((c) => c.split(';')[0]).join('; ') : undefined;
    this.crumb = {
      field: response.data.crumbRequestField ?? 'Jenkins-Crumb',
      value: response.data.crumb ?? '',
      ...(cookie ? { cookie } : {}),
    };
  }

  private async request<T>(op: Operation, config: AxiosRequestConfig): Promise<AxiosResponse<T>> {
    try {
      return await this.http.request<T>(config);
    } catch (error) {
      throw this.toIntegrationError(error, op);
    }
  }

  private toIntegrationError(error: unknown, op: Operation): IntegrationError {
    if (!axios.isAxiosError(error)) {
      return new IntegrationError(`Jenkins: could not ${op.what}: ${String(error)}`, {
        vendor: 'jenkins',
        retryable: true,
      });
    }
    const response = error.response;
    if (!response) {
      const timedOut = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
      const why = timedOut ? 'no answer before the timeout' : (error.code ?? error.message);
      return new IntegrationError(`Jenkins: could not ${op.what}: ${why}`, {
        vendor: 'jenkins',
        code: timedOut ? 'timeout' : error.code,
        retryable: true,
      });
    }
    const status = response.status;
    const body = bodyText(response.data);
    const permanent = status === 500 && /not parameterized/i.test(body);
    return new IntegrationError(`${this.problem(status, op, body)}, while trying to ${op.what}`, {
      vendor: 'jenkins',
      status,
      retryable: !permanent && isRetryableStatus(status),
    });
  }

  private problem(status: number, op: Operation, body: string): string {
    const job = op.job ?? '(none)';
    switch (status) {
      case 401:
        return `Jenkins rejected user '${this.user}' and its API token (401)`;
      case 403:
        return `Jenkins user '${this.user}' lacks permission on ${job} (403)`;
      case 404:
        return op.notFound ?? (op.job ? `Jenkins job ${job} not found (404)` : 'Jenkins answered 404');
      case 409:
        return `Jenkins job ${job} is disabled or not buildable (409)`;
      default:
        if (/not parameterized/i.test(body)) return `Jenkins job ${job} has no parameters (500)`;
        return `Jenkins answered ${status}${op.job ? ` for ${job}` : ''}`;
    }
  }
}

// ---------- Helpers ----------

function normalizeJobPath(job: JobPath): string {
  return job.split('/').filter(Boolean).join('/');
}

/** `payments/checkout-rollback` → `/job/payments/job/checkout-rollback`, each name URL-encoded. */
export function jobUrl(job: JobPath): string {
  const segments = job.split('/').filter(Boolean);
  if (segments.length === 0) throw new Error('empty Jenkins job path');
  return segments.map((s) => `/job/${encodeURIComponent(s)}`).join('');
}

/** The folder path of a job URL (`.../job/a/job/b/` → `a/b`), whatever host or context path it has. */
function jobPathOf(url: string | undefined): string | null {
  if (!url) return null;
  const pathname = /^https?:\/\//i.test(url) ? new URL(url).pathname : url;
  const match = /((?:\/job\/[^/]+)+)\/?$/.exec(pathname);
  if (!match?.[1]) return null;
  return match[1]
    .split('/job/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s))
    .join('/');
}

function queueIdFrom(location: string | undefined): number | null {
  const match = /\/queue\/item\/(\d+)\/?$/.exec(location ?? '');
  return match?.[1] ? Number(match[1]) : null;
}

function headerOf(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parametersOf(actions: Array<JenkinsAction | null> | undefined): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const action of actions ?? []) {
    for (const p of action?.parameters ?? []) {
      if (typeof p.name === 'string')
        parameters[p.name] = p.value === undefined || p.value === null ? '' : String(p.value);
    }
  }
  return parameters;
}

function toBuildState(build: JenkinsBuild): BuildState {
  return {
    number: build.number,
    url: build.url,
    building: build.building === true,
    result: build.result ?? null,
    startedAt: new Date(build.timestamp ?? 0).toISOString(),
    durationMs: build.duration ?? 0,
    queueId: build.queueId ?? null,
    parameters: parametersOf(build.actions),
  };
}

function buildOperation(what: string, job: JobPath, buildNumber: number): Operation {
  return {
    what,
    job,
    notFound: `Jenkins build ${job} #${buildNumber} not found (404: job or build missing)`,
  };
}

function isCrumbRejection(error: unknown): boolean {
  if (!axios.isAxiosError(error) || error.response?.status !== 403) return false;
  return /crumb/i.test(bodyText(error.response.data));
}

function bodyText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer)
    return Buffer.from(data as ArrayBuffer).toString('utf8');
  return data === undefined || data === null ? '' : JSON.stringify(data);
}

/** The last `maxBytes` bytes as text, starting at a character boundary (never half a UTF-8 sequence). */
function utf8Tail(bytes: Buffer, maxBytes: number): string {
  let start = Math.max(0, bytes.length - Math.max(0, maxBytes));
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}
