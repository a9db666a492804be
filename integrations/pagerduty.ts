// The Pager role on PagerDuty, through @pagerduty/pdjs: Events API v2 for paging and change events,
// REST v2 for on-call lookups, incidents and notes. pdjs resolves on HTTP errors, retries 429s with
// 20 s sleeps and never times out by itself (contracts/pagerduty.md §5.4); this wrapper turns every
// call into one bounded attempt that either succeeds or throws an IntegrationError.
import https from 'node:https';
import tls from 'node:tls';
import { api, event } from '@pagerduty/pdjs';
import { IntegrationError, isRetryableStatus } from './errors';
import { SlidingWindowLimiter } from './rate-limit';
import type {
  ChangeRecord,
  OnCall,
  PageReceipt,
  PageRequest,
  Pager,
  PagerIncident,
  PagerNote,
} from './roles';

export interface PagerDutyClientOptions {
  /** Default https://events.pagerduty.com (EU: https://events.eu.pagerduty.com). */
  eventsUrl?: string;
  /** Default https://api.pagerduty.com (EU: https://api.eu.pagerduty.com). */
  apiUrl?: string;
  /** REST API token; needed for on-call lookups, incidents and notes only. */
  apiToken?: string;
  /** Email of a PagerDuty user: the `From` header REST writes require. */
  fromEmail?: string;
  /** Bound on each call, including pdjs's own 429 retries. */
  timeoutMs: number;
  /** Extra CA to trust (PEM), e.g. the sandbox stand-in's self-signed certificate. */
  caCert?: string;
  /** Events sent per routing key in any 60 s, at most (default 120, PagerDuty's limit, §1.5). */
  eventsPerMinute?: number;
  /** Clock for the rate limit (tests). */
  now?: () => number;
}

export type PagerDutyIncident = PagerIncident;

/** What pdjs hands to node-fetch: its own options, fetch's, and node-fetch's `agent`. */
type PdjsRequestInit = Omit<Parameters<typeof event>[0], 'data'> & { agent?: https.Agent };
type PdjsResponse = Awaited<ReturnType<typeof event>>;

const SUMMARY_MAX = 1024;
/** PagerDuty's advice for Events API 429s: retry about 30 s apart (§1.5); it sends no Retry-After. */
const EVENTS_RETRY_AFTER_MS = 30_000;
const EVENTS_WINDOW_MS = 60_000;
const ONCALL_PAGE_LIMIT = 100;
const ONCALL_MAX_PAGES = 20;
/** Node's TLS verification failures (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID...). */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

export class PagerDutyClient implements Pager {
  private readonly eventsServer: string;
  private readonly apiServer: string;
  private readonly apiToken?: string;
  private readonly fromEmail?: string;
  private readonly timeoutMs: number;
  private readonly agent: https.Agent;
  private readonly eventsLimit: SlidingWindowLimiter;

  constructor(options: PagerDutyClientOptions) {
    this.eventsServer = pdjsServer(options.eventsUrl ?? 'https://events.pagerduty.com', 'eventsUrl');
    this.apiServer = restServer(options.apiUrl ?? 'https://api.pagerduty.com');
    this.apiToken = options.apiToken;
    this.fromEmail = options.fromEmail;
    this.timeoutMs = options.timeoutMs;
    // node-fetch (under pdjs's cross-fetch) takes an `agent`; pdjs spreads our options into fetch.
    // One keep-alive agent with one TLS context: a fresh handshake (and, with a custom CA, a fresh
    // secure context) per event costs milliseconds of CPU each, which a storm of pages cannot afford.
    this.agent = new https.Agent({
      keepAlive: true,
      ...(options.caCert ? { secureContext: tls.createSecureContext({ ca: options.caCert }) } : {}),
    });
    this.eventsLimit = new SlidingWindowLimiter(
      options.eventsPerMinute ?? 120,
      EVENTS_WINDOW_MS,
      options.now ?? Date.now,
    );
  }

  async trigger(page: PageRequest): Promise<PageReceipt> {
    const data = await this.sendEvent('enqueue', {
      routing_key: page.routingKey,
      event_action: 'trigger',
      dedup_key: page.dedupKey,
      payload: {
        summary: truncate(page.summary, SUMMARY_MAX),
        source: page.source,
        severity: page.severity,
        timestamp: page.timestamp,
        component: page.component,
        group: page.group,
        class: page.class,
        custom_details: page.customDetails,
      },
      links: page.links,
      client: 'Firebreak',
    });
    const dedupKey = isRecord(data) && typeof data.dedup_key === 'string' ? data.dedup_key : page.dedupKey;
    return { dedupKey };
  }

  async acknowledge(routingKey: string, dedupKey: string): Promise<void> {
    await this.sendEvent('enqueue', {
      routing_key: routingKey,
      event_action: 'acknowledge',
      dedup_key: dedupKey,
    });
  }

  async resolve(routingKey: string, dedupKey: string): Promise<void> {
    await this.sendEvent('enqueue', {
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: dedupKey,
    });
  }

  async recordChange(change: ChangeRecord): Promise<void> {
    await this.sendEvent('change', {
      routing_key: change.routingKey,
      payload: {
        summary: truncate(change.summary, SUMMARY_MAX),
        source: change.source,
        timestamp: change.timestamp ?? new Date().toISOString(),
        custom_details: change.customDetails,
      },
      links: change.links,
    });
  }

  async whoIsOnCall(escalationPolicyId: string): Promise<OnCall[]> {
    const onCalls: OnCall[] = [];
    let offset = 0;
    // Offset pages read from `data` by hand: pdjs's all() depends on its `resource` regex (§5.3)
    // and would not let us check each page's status.
    for (let page = 0; page < ONCALL_MAX_PAGES; page += 1) {
      const data = await this.rest('GET', '/oncalls', {
        query: {
          'escalation_policy_ids[]': [escalationPolicyId],
          // Expands each user with its email, which authorization matches against API callers.
          'include[]': ['users'],
          limit: String(ONCALL_PAGE_LIMIT),
          offset: String(offset),
        },
      });
      const body = isRecord(data) ? data : {};
      const entries = Array.isArray(body.oncalls) ? body.oncalls : [];
      onCalls.push(...entries.map(toOnCall));
      if (body.more !== true || entries.length === 0) break;
      offset = (typeof body.offset === 'number' ? body.offset : offset) + entries.length;
    }
    return onCalls;
  }

  /** The incident PagerDuty opened for a dedup key (newest first if it was re-triggered after a resolve). */
  async incidentByDedupKey(dedupKey: string): Promise<PagerDutyIncident | null> {
    const data = await this.rest('GET', '/incidents', { query: { incident_key: dedupKey, limit: '100' } });
    const incidents = isRecord(data) && Array.isArray(data.incidents) ? data.incidents.map(toIncident) : [];
    return incidents.sort((a, b) => b.number - a.number)[0] ?? null;
  }

  /** The incident's notes, oldest first (PagerDuty returns them all; an incident holds at most 2,000). */
  async notes(incidentId: string): Promise<PagerNote[]> {
    const data = await this.rest('GET', `/incidents/${encodeURIComponent(incidentId)}/notes`, {});
    const notes = isRecord(data) && Array.isArray(data.notes) ? data.notes : [];
    return notes.filter(isRecord).map((n) => ({ id: String(n.id ?? ''), content: String(n.content ?? '') }));
  }

  async escalate(incidentId: string, level: number): Promise<void> {
    await this.rest('PUT', `/incidents/${encodeURIComponent(incidentId)}`, {
      body: { incident: { type: 'incident_reference', escalation_level: level } },
      write: true,
    });
  }

  async userEmail(userId: string): Promise<string | null> {
    try {
      const data = await this.rest('GET', `/users/${encodeURIComponent(userId)}`, {});
      const user = isRecord(data) && isRecord(data.user) ? data.user : {};
      return typeof user.email === 'string' ? user.email : null;
    } catch (error) {
      if (error instanceof IntegrationError && error.status === 404) return null;
      throw error;
    }
  }

  /** Adds a note to an incident's timeline; returns the note id. */
  async addNote(incidentId: string, content: string): Promise<{ id: string }> {
    const data = await this.rest('POST', `/incidents/${encodeURIComponent(incidentId)}/notes`, {
      body: { note: { content } },
      write: true,
    });
    const note = isRecord(data) && isRecord(data.note) ? data.note : {};
    return { id: String(note.id ?? '') };
  }

  // ---------- transport ----------

  private async sendEvent(kind: 'enqueue' | 'change', body: Record<string, unknown>): Promise<unknown> {
    const routingKey = String(body.routing_key);
    const wait = this.eventsLimit.take(routingKey);
    if (wait > 0) throw heldBack(wait);
    const call = () =>
      event({
        ...this.requestInit(),
        server: this.eventsServer,
        type: kind === 'change' ? 'change' : 'event',
        // pdjs 2.2.4 types change events as alert events, and its README forgets the `data` wrapper (§5.4).
        data: body as unknown as Parameters<typeof event>[0]['data'],
      });
    const response = await this.attempt(call);
    if (!response.ok) {
      const error = eventsError(response);
      // Everyone sending on this key would be refused too: hold them all back until the reset.
      if (response.status === 429)
        this.eventsLimit.pause(routingKey, error.retryAfterMs ?? EVENTS_RETRY_AFTER_MS);
      throw error;
    }
    return response.data;
  }

  private async rest(
    method: 'GET' | 'POST' | 'PUT',
    endpoint: string,
    options: { query?: Record<string, string | string[]>; body?: object; write?: boolean },
  ): Promise<unknown> {
    if (!this.apiToken) throw configError('no PagerDuty REST API token is configured');
    if (options.write && !this.fromEmail) {
      throw configError('no PagerDuty From email is configured for writes');
    }
    const call = () =>
      api({
        ...this.requestInit(),
        endpoint,
        method,
        server: this.apiServer,
        token: this.apiToken,
        ...(options.write ? { headers: { From: this.fromEmail ?? '' } } : {}),
        ...(options.query ? { queryParameters: options.query } : {}),
        ...(options.body ? { data: options.body } : {}),
      });
    const response = await this.attempt(call);
    if (!response.ok) throw restError(response);
    return response.data;
  }

  private requestInit(): PdjsRequestInit {
    return {
      // pdjs's requestTimeout only parks an empty timer (which would keep the process alive); the signal
      // is the real bound, and it also cuts pdjs's 429 retries short.
      signal: AbortSignal.timeout(this.timeoutMs),
      requestTimeout: 0,
      // pdjs retries a 429 three times after `retryTimeout` (default 20 s each; the count is
      // hard-coded): make that immediate, and let Temporal's retry policy do the backing off with the
      // delay we report. Those three re-sends are the only requests the rate limiter cannot hold back.
      retryTimeout: 0,
      agent: this.agent,
    };
  }

  /** Runs one pdjs call, turning its rejections (network, timeout, non-JSON bodies) into IntegrationErrors. */
  private async attempt(call: () => Promise<PdjsResponse>): Promise<PdjsResponse> {
    try {
      return await call();
    } catch (error) {
      throw rejectionError(error);
    }
  }
}

// ---------- URLs ----------

/** pdjs builds `https://${server}/…`: the server is host[:port][/path], and the scheme is always https. */
function pdjsServer(url: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`PagerDuty ${name} is not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'https:') {
    throw new Error(`PagerDuty ${name} must be an https:// URL (pdjs only speaks HTTPS), got ${url}`);
  }
  if (parsed.search || parsed.hash || parsed.username) {
    throw new Error(`PagerDuty ${name} must not carry a query, fragment or credentials: ${url}`);
  }
  return `${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * pdjs computes `resource` with /.+.com\/(\w+)/; on a host not ending in .com it is null and all()
 * crashes. A /pdcom prefix satisfies the regex; the stand-in serves REST under it too (§5.3).
 */
function restServer(url: string): string {
  const server = pdjsServer(url, 'apiUrl');
  return new URL(url).hostname.endsWith('.com') ? server : `${server}/pdcom`;
}

// ---------- errors ----------

function heldBack(waitMs: number): IntegrationError {
  return new IntegrationError(
    `Firebreak held this event back: its routing key reached PagerDuty's rate limit; retry in ${Math.ceil(waitMs / 1000)} s`,
    { vendor: 'pagerduty', code: 'rate_limited', retryable: true, retryAfterMs: waitMs },
  );
}

function eventsError(response: PdjsResponse): IntegrationError {
  const data: unknown = response.data;
  const detail = isRecord(data)
    ? [data.message, ...(Array.isArray(data.errors) ? data.errors : [])].filter(Boolean).join('; ')
    : '';
  return new IntegrationError(
    `PagerDuty Events API answered ${response.status}${detail ? `: ${detail}` : ''}`,
    {
      vendor: 'pagerduty',
      status: response.status,
      code: isRecord(data) && typeof data.status === 'string' ? data.status : undefined,
      retryable: isRetryableStatus(response.status),
      ...(response.status === 429
        ? { retryAfterMs: rateLimitResetMs(response.headers) ?? EVENTS_RETRY_AFTER_MS }
        : {}),
    },
  );
}

function restError(response: { status: number; headers: Headers; data?: unknown }): IntegrationError {
  const error = isRecord(response.data) && isRecord(response.data.error) ? response.data.error : {};
  const errors = Array.isArray(error.errors) ? error.errors.join('; ') : '';
  const message = [error.message, errors].filter(Boolean).join(': ');
  const retryAfterMs = rateLimitResetMs(response.headers);
  return new IntegrationError(
    `PagerDuty REST API answered ${response.status}${message ? `: ${message}` : ''}`,
    {
      vendor: 'pagerduty',
      status: response.status,
      code: error.code === undefined ? undefined : String(error.code),
      retryable: isRetryableStatus(response.status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}

/**
 * `ratelimit-reset` is the number of seconds until the REST rate-limit window resets (§2.3); the
 * Events API documents no header, so a `Retry-After` in seconds is honoured when one comes.
 */
function rateLimitResetMs(headers: Headers): number | undefined {
  const raw = (headers.get('ratelimit-reset') ?? headers.get('retry-after'))?.trim();
  const seconds = raw ? Number(raw) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * pdjs rejects with: an AbortError (our timeout), a node-fetch FetchError (network failure, or an
 * Events answer that was not JSON), or, for REST answers that were not JSON, the Response itself.
 */
function rejectionError(error: unknown): IntegrationError {
  if (isResponseLike(error)) return restError(error);
  const name = error instanceof Error ? error.name : '';
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
  const type = isRecord(error) && typeof error.type === 'string' ? error.type : undefined;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new IntegrationError('PagerDuty did not answer in time', {
      vendor: 'pagerduty',
      code: 'ETIMEDOUT',
      retryable: true,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  // A certificate we do not trust is configuration (caCert, a proxy), not a passing outage. An
  // unparsable body has no status to judge by; treat it as transient (a proxy page, an outage).
  return new IntegrationError(`PagerDuty call failed: ${message}`, {
    vendor: 'pagerduty',
    code: code ?? (type === 'invalid-json' ? 'invalid_response' : undefined),
    retryable: !(code && CERTIFICATE_ERRORS.test(code)),
  });
}

function configError(message: string): IntegrationError {
  return new IntegrationError(message, { vendor: 'pagerduty', code: 'not_configured', retryable: false });
}

// ---------- mapping ----------

function toOnCall(entry: unknown): OnCall {
  const record = isRecord(entry) ? entry : {};
  const user = isRecord(record.user) ? record.user : {};
  const userId = String(user.id ?? '');
  return {
    userId,
    userName: String(user.summary ?? user.name ?? userId),
    userEmail: typeof user.email === 'string' ? user.email : null,
    escalationLevel: typeof record.escalation_level === 'number' ? record.escalation_level : 1,
    start: typeof record.start === 'string' ? record.start : null,
    end: typeof record.end === 'string' ? record.end : null,
  };
}

function toIncident(entry: unknown): PagerDutyIncident {
  const record = isRecord(entry) ? entry : {};
  const status = record.status;
  return {
    id: String(record.id ?? ''),
    number: typeof record.incident_number === 'number' ? record.incident_number : 0,
    status: status === 'acknowledged' || status === 'resolved' ? status : 'triggered',
    htmlUrl: String(record.html_url ?? ''),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResponseLike(value: unknown): value is { status: number; headers: Headers; data?: unknown } {
  return isRecord(value) && typeof value.status === 'number' && isRecord(value.headers);
}
