// GitHub REST client behind the SourceHistory role (latest commit, deployments, compare), plus the few issue
// calls the deploy-freeze flag needs. Every failure becomes an IntegrationError; retries belong to Temporal.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { IntegrationError, isRetryableStatus } from './errors';
import type {
  ChangedFile,
  CommitSummary,
  Comparison,
  DeploymentRecord,
  DeploymentState,
  RepoRef,
  SourceHistory,
} from './roles';

export interface GitHubClientOptions {
  /** https://api.github.com, or GitHub Enterprise Server's https://HOST/api/v3, or a stand-in. */
  baseUrl?: string;
  token?: string;
  timeoutMs?: number;
  /** GitHub rejects requests without a User-Agent. */
  userAgent?: string;
  /** Clock used to turn x-ratelimit-reset into a wait (default Date.now). */
  now?: () => number;
}

export interface IssueSummary {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  url: string;
  createdAt: string;
}

export interface NewIssue {
  title: string;
  body?: string;
  labels?: string[];
}

// ---------- Vendor shapes (only the fields we read) ----------

interface GitHubCommit {
  sha: string;
  html_url: string;
  commit: { message: string; author: { name?: string } | null; committer: { date?: string } | null };
}

interface GitHubDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
  url: string;
}

interface GitHubDeploymentStatus {
  id: number;
  state: DeploymentState;
  created_at: string;
}

interface GitHubComparison {
  status: Comparison['status'];
  ahead_by: number;
  behind_by: number;
  html_url: string;
  commits: Array<{ sha: string; commit: { message: string } }>;
  files?: Array<{ filename: string; status: string; previous_filename?: string }>;
}

interface GitHubIssue {
  number: number;
  title: string;
  body?: string | null;
  state: 'open' | 'closed';
  labels: Array<string | { name?: string }>;
  html_url: string;
  created_at: string;
  pull_request?: unknown;
}

/** GitHub lists at most this many files in a comparison. */
const COMPARE_FILE_CAP = 300;
/** Wait after a secondary rate limit that names no time (GitHub: "at least one minute"). */
const SECONDARY_LIMIT_WAIT_MS = 60_000;
const MAX_PAGES = 10;

// ---------- The client ----------

const STATUS_READS_AT_ONCE = 4;

export class GitHubClient implements SourceHistory {
  private readonly http: AxiosInstance;
  private readonly now: () => number;

  constructor(options: GitHubClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.http = axios.create({
      baseURL: (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 10_000,
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': options.userAgent ?? 'firebreak',
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
    });
  }

  async latestCommit(repo: RepoRef, branch: string): Promise<CommitSummary> {
    const commit = await this.get<GitHubCommit>(
      repo,
      `read the latest commit on ${branch}`,
      `/commits/${enc(branch)}`,
    );
    return {
      sha: commit.sha,
      message: commit.commit.message,
      author: commit.commit.author?.name ?? 'unknown',
      committedAt: commit.commit.committer?.date ?? '',
      url: commit.html_url,
    };
  }

  /** Newest first; the list order is not documented, so sort here, then read each one's newest status. */
  async deployments(
    repo: RepoRef,
    environment: string,
    limit: number,
    enough?: (read: DeploymentRecord[]) => boolean,
  ): Promise<DeploymentRecord[]> {
    if (limit <= 0) return [];
    const perPage = Math.min(limit, 100);
    const listed: GitHubDeployment[] = [];
    for (let page = 1; listed.length < limit; page += 1) {
      const query = `?environment=${enc(environment)}&per_page=${perPage}&page=${page}`;
      const batch = await this.get<GitHubDeployment[]>(
        repo,
        `list ${environment} deployments`,
        `/deployments${query}`,
      );
      listed.push(...batch);
      if (batch.length < perPage) break;
    }
    const newest = listed.sort(byNewest).slice(0, limit);
    // Statuses cost one request each: read them a few at a time, newest first, until the caller has
    // what it needs (a storm of incidents must not become a storm of GitHub requests).
    const read: DeploymentRecord[] = [];
    for (let i = 0; i < newest.length && !enough?.(read); i += STATUS_READS_AT_ONCE) {
      const chunk = newest.slice(i, i + STATUS_READS_AT_ONCE);
      read.push(...(await Promise.all(chunk.map((d) => this.withNewestStatus(repo, d)))));
    }
    return read;
  }

  async compare(repo: RepoRef, base: string, head: string): Promise<Comparison> {
    const path = `/compare/${enc(base)}...${enc(head)}`;
    const operation = `compare ${base}...${head} (a 404 also means one of these refs does not exist)`;
    const result = await this.get<GitHubComparison>(repo, operation, path);
    const files: ChangedFile[] = (result.files ?? []).map((f) => ({
      filename: f.filename,
      status: f.status,
      ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
    }));
    return {
      status: result.status,
      aheadBy: result.ahead_by,
      behindBy: result.behind_by,
      commits: result.commits.map((c) => ({ sha: c.sha, message: c.commit.message })),
      files,
      filesPossiblyTruncated: files.length >= COMPARE_FILE_CAP,
      url: result.html_url,
    };
  }

  // ----- issues (deploy freeze, tickets) -----

  async createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueSummary> {
    const body = { title: issue.title, body: issue.body, labels: issue.labels ?? [] };
    const created = await this.send<GitHubIssue>(repo, 'create an issue', 'post', '/issues', body);
    return toIssue(created);
  }

  /** Open issues carrying every label in `labels` (pull requests excluded). */
  async findOpenIssues(repo: RepoRef, filter: { labels: string[] }): Promise<IssueSummary[]> {
    const found: IssueSummary[] = [];
    const labels = filter.labels.map(enc).join(',');
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const query = `?state=open&labels=${labels}&per_page=100&page=${page}`;
      const batch = await this.get<GitHubIssue[]>(repo, 'list open issues', `/issues${query}`);
      found.push(...batch.filter((i) => i.pull_request === undefined).map(toIssue));
      if (batch.length < 100) break;
    }
    return found;
  }

  async closeIssue(repo: RepoRef, issueNumber: number): Promise<void> {
    const body = { state: 'closed', state_reason: 'completed' };
    await this.send(repo, `close issue #${issueNumber}`, 'patch', `/issues/${issueNumber}`, body);
  }

  async commentOnIssue(repo: RepoRef, issueNumber: number, body: string): Promise<void> {
    await this.send(repo, `comment on issue #${issueNumber}`, 'post', `/issues/${issueNumber}/comments`, {
      body,
    });
  }

  /** The bodies of the issue's comments, oldest first, for finding one a retried call already added. */
  async issueComments(repo: RepoRef, issueNumber: number): Promise<string[]> {
    const bodies: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const batch = await this.get<Array<{ body?: string | null }>>(
        repo,
        `read comments of issue #${issueNumber}`,
        `/issues/${issueNumber}/comments?per_page=100&page=${page}`,
      );
      bodies.push(...batch.map((c) => c.body ?? ''));
      if (batch.length < 100) break;
    }
    return bodies;
  }

  // ----- HTTP -----

  private async withNewestStatus(repo: RepoRef, d: GitHubDeployment): Promise<DeploymentRecord> {
    const path = `/deployments/${d.id}/statuses?per_page=100`;
    const statuses = await this.get<GitHubDeploymentStatus[]>(
      repo,
      `read statuses of deployment ${d.id}`,
      path,
    );
    const newestFirst = [...statuses].sort(byNewest);
    const newest = newestFirst[0];
    const firstSuccess = newestFirst.filter((s) => s.state === 'success').at(-1);
    return {
      id: d.id,
      sha: d.sha,
      ref: d.ref,
      environment: d.environment,
      createdAt: d.created_at,
      state: newest?.state ?? null,
      stateAt: newest?.created_at ?? null,
      succeededAt: firstSuccess?.created_at ?? null,
      url: d.url,
    };
  }

  private async get<T>(repo: RepoRef, operation: string, path: string): Promise<T> {
    return this.send<T>(repo, operation, 'get', path);
  }

  private async send<T>(
    repo: RepoRef,
    operation: string,
    method: 'get' | 'post' | 'patch',
    path: string,
    data?: unknown,
  ): Promise<T> {
    const url = `/repos/${enc(repo.owner)}/${enc(repo.name)}${path}`;
    let response: AxiosResponse<T>;
    try {
      response = await this.http.request<T>({ method, url, data });
    } catch (error) {
      throw this.toIntegrationError(error, repo, operation);
    }
    return response.data;
  }

  private toIntegrationError(error: unknown, repo: RepoRef, operation: string): IntegrationError {
    const name = `${repo.owner}/${repo.name}`;
    if (!axios.isAxiosError(error)) {
      return new IntegrationError(`GitHub: could not ${operation} for ${name}: ${String(error)}`, {
        vendor: 'github',
        retryable: true,
      });
    }
    const response = error.response;
    if (!response) {
      const timedOut = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
      const why = timedOut ? 'no answer before the timeout' : (error.code ?? error.message);
      return new IntegrationError(`GitHub: could not ${operation} for ${name}: ${why}`, {
        vendor: 'github',
        code: timedOut ? 'timeout' : error.code,
        retryable: true,
      });
    }
    const status = response.status;
    const message = vendorMessage(response.data);
    const wait = rateLimitWait(status, response.headers as Record<string, unknown>, message, this.now());
    if (wait !== undefined) {
      const seconds = Math.ceil(wait.ms / 1000);
      return new IntegrationError(
        `GitHub ${wait.kind} rate limit hit while trying to ${operation} for ${name} (${status}); retry in ${seconds} s`,
        { vendor: 'github', status, code: `${wait.kind}_rate_limit`, retryable: true, retryAfterMs: wait.ms },
      );
    }
    return new IntegrationError(`${problem(status, name, message)}, while trying to ${operation}`, {
      vendor: 'github',
      status,
      retryable: isRetryableStatus(status),
    });
  }
}

// ---------- Helpers ----------

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function byNewest(a: { created_at: string; id: number }, b: { created_at: string; id: number }): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id;
}

function toIssue(issue: GitHubIssue): IssueSummary {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state,
    labels: issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    url: issue.html_url,
    createdAt: issue.created_at,
  };
}

function vendorMessage(data: unknown): string {
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return typeof data === 'string' ? data.slice(0, 200) : '';
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * Per GitHub's rate-limit guide: only 403/429 can be rate limits. retry-after wins; else remaining 0 means
 * wait until x-ratelimit-reset; else a message about a secondary limit means wait a minute. Any other 403 is
 * a permission problem and must not be retried.
 */
function rateLimitWait(
  status: number,
  headers: Record<string, unknown>,
  message: string,
  now: number,
): { kind: 'primary' | 'secondary'; ms: number } | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const secondary = /secondary rate limit/i.test(message);
  const kind = secondary ? 'secondary' : 'primary';
  const retryAfter = Number(header(headers, 'retry-after'));
  if (header(headers, 'retry-after') !== undefined && Number.isFinite(retryAfter)) {
    return { kind, ms: Math.max(0, retryAfter * 1000) };
  }
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (header(headers, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset)) {
    return { kind, ms: Math.max(0, reset * 1000 - now) };
  }
  if (secondary || /rate limit/i.test(message)) return { kind, ms: SECONDARY_LIMIT_WAIT_MS };
  return status === 429 ? { kind, ms: SECONDARY_LIMIT_WAIT_MS } : undefined;
}

function problem(status: number, repo: string, message: string): string {
  const said = message ? `: ${message}` : '';
  switch (status) {
    case 401:
      return `GitHub rejected the token (401${said}); check the configured token`;
    case 403:
      return `token lacks permission on GitHub repo ${repo} (403${said})`;
    case 404:
      // GitHub answers 404, not 403, when the token cannot see a private repo.
      return `GitHub repo ${repo} not found or token lacks access (404)`;
    case 409:
      return `GitHub repo ${repo} is empty or in conflict (409${said})`;
    case 410:
      return `issues are disabled on GitHub repo ${repo} (410)`;
    case 422:
      return `GitHub rejected the request on ${repo} (422${said})`;
    default:
      return `GitHub answered ${status} for ${repo}${said}`;
  }
}
