// Jira behind the TicketTracker role, in its two dialects (contracts/services.md §3): Cloud (REST v3,
// Basic email:API-token, descriptions and comments in ADF) and Data Center (REST v2, Bearer personal
// access token, plain text). A ticket carries the label `firebreak-<incident id>`, so a JQL search finds
// it before any create: a retry after a crash or a timeout never opens a second ticket.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { adfPlainText, toAdf } from './adf';
import { IntegrationError, isRetryableStatus } from './errors';
import type {
  AttachedReport,
  TicketContent,
  TicketRef,
  TicketReport,
  TicketTarget,
  TicketTracker,
} from './roles';

export type JiraAuth =
  | { flavor: 'cloud'; email: string; apiToken: string }
  | { flavor: 'datacenter'; personalAccessToken: string };

export interface JiraClientOptions {
  /** https://<site>.atlassian.net, a Data Center base URL (with its context path), or a stand-in. */
  baseUrl: string;
  auth: JiraAuth;
  timeoutMs?: number;
}

interface JiraIssue {
  id: string;
  /** Cloud's /search/jql returns ids only unless fields are asked for; then it includes the key. */
  key?: string;
  fields?: { status?: JiraStatus };
}

interface JiraStatus {
  name: string;
  statusCategory?: { key: string };
}

interface JiraTransition {
  id: string;
  name: string;
  to?: JiraStatus;
}

interface JiraComment {
  body: unknown;
}

interface JiraAttachment {
  filename: string;
}

/** Jira's summary field holds at most 255 characters. */
const SUMMARY_MAX = 255;
const DEFAULT_ISSUE_TYPE = 'Task';
const DEFAULT_DONE_TRANSITIONS = ['Done', 'Resolve', 'Resolved', 'Close', 'Closed'];
/** Comments looked at for a marker: a retry comes right after its first try, so the newest suffice. */
const RECENT_COMMENTS = 100;

/** The label that ties a ticket to its incident (labels may not contain spaces). */
export function incidentLabel(incidentId: string): string {
  return `firebreak-${incidentId.replace(/\s+/g, '-')}`;
}

export class JiraClient implements TicketTracker {
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly cloud: boolean;
  private readonly api: string;

  constructor(options: JiraClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.cloud = options.auth.flavor === 'cloud';
    this.api = this.cloud ? '/rest/api/3' : '/rest/api/2';
    const authorization =
      options.auth.flavor === 'cloud'
        ? `Basic ${Buffer.from(`${options.auth.email}:${options.auth.apiToken}`).toString('base64')}`
        : `Bearer ${options.auth.personalAccessToken}`;
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs ?? 10_000,
      headers: { Authorization: authorization, Accept: 'application/json' },
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  async findForIncident(target: TicketTarget, incidentId: string): Promise<TicketRef | null> {
    const jql = `project = ${quote(target.project)} AND labels = ${quote(incidentLabel(incidentId))} ORDER BY created ASC`;
    // Cloud removed /rest/api/3/search in favour of /search/jql; Data Center has only /search.
    const path = this.cloud ? '/search/jql' : '/search';
    const found = await this.request<{ issues?: JiraIssue[] }>('search for the incident’s ticket', {
      method: 'get',
      url: `${this.api}${path}`,
      params: { jql, fields: 'summary,status', maxResults: 5 },
    });
    const issue = found.issues?.[0];
    if (!issue) return null;
    return this.ref(issue.key ?? (await this.issue(issue.id)).key ?? issue.id);
  }

  async open(target: TicketTarget, incidentId: string, content: TicketContent): Promise<TicketRef> {
    const fields: Record<string, unknown> = {
      project: { key: target.project },
      summary: oneLine(content.title).slice(0, SUMMARY_MAX),
      issuetype: { name: target.issueType ?? DEFAULT_ISSUE_TYPE },
      description: this.text(content),
      labels: ['firebreak', incidentLabel(incidentId)],
      ...(target.priority ? { priority: { name: target.priority } } : {}),
    };
    const created = await this.request<JiraIssue>(`create an issue in ${target.project}`, {
      method: 'post',
      url: `${this.api}/issue`,
      data: { fields },
    });
    return this.ref(created.key ?? created.id);
  }

  async comment(
    _target: TicketTarget,
    ticket: TicketRef,
    marker: string,
    content: TicketContent,
  ): Promise<boolean> {
    const recent = await this.request<{ comments?: JiraComment[] }>(`read comments of ${ticket.key}`, {
      method: 'get',
      url: `${this.api}/issue/${encodeURIComponent(ticket.key)}/comment`,
      params: { maxResults: RECENT_COMMENTS, orderBy: '-created' },
    });
    const said = (recent.comments ?? []).some((c) => bodyText(c.body).includes(marker));
    if (said) return false;
    const marked: TicketContent = { ...content, lines: [...content.lines, marker] };
    await this.request(`comment on ${ticket.key}`, {
      method: 'post',
      url: `${this.api}/issue/${encodeURIComponent(ticket.key)}/comment`,
      data: { body: this.text(marked) },
    });
    return true;
  }

  async close(target: TicketTarget, ticket: TicketRef): Promise<{ alreadyDone: boolean; status: string }> {
    const key = encodeURIComponent(ticket.key);
    const issue = await this.issue(ticket.key);
    const status = issue.fields?.status;
    if (status?.statusCategory?.key === 'done') return { alreadyDone: true, status: status.name };
    const { transitions = [] } = await this.request<{ transitions?: JiraTransition[] }>(
      `read transitions of ${ticket.key}`,
      { method: 'get', url: `${this.api}/issue/${key}/transitions` },
    );
    const transition = doneTransition(transitions, target.doneTransitions ?? DEFAULT_DONE_TRANSITIONS);
    if (!transition) {
      const names =
        transitions.map((t) => t.name).join(', ') ||
        'none (the user may lack the Transition issues permission)';
      throw new IntegrationError(
        `Jira offers no transition to done for ${ticket.key} from '${status?.name ?? 'unknown'}' (available: ${names}); set tickets.doneTransitions`,
        { vendor: 'jira', code: 'no_done_transition', retryable: false },
      );
    }
    await this.request(`transition ${ticket.key} with '${transition.name}'`, {
      method: 'post',
      url: `${this.api}/issue/${key}/transitions`,
      data: { transition: { id: transition.id } },
    });
    return { alreadyDone: false, status: transition.to?.name ?? transition.name };
  }

  /**
   * One multipart upload of the files the issue lacks, by name (a retry after a lost answer finds them).
   * Jira refuses uploads without `X-Atlassian-Token: no-check` (its XSRF check) and files over the
   * site's attachment limit (413, not retried).
   */
  async attachReport(
    _target: TicketTarget,
    ticket: TicketRef,
    report: TicketReport,
  ): Promise<AttachedReport> {
    const key = encodeURIComponent(ticket.key);
    const issue = await this.request<{ fields?: { attachment?: JiraAttachment[] } }>(
      `read attachments of ${ticket.key}`,
      { method: 'get', url: `${this.api}/issue/${key}`, params: { fields: 'attachment' } },
    );
    const there = new Set((issue.fields?.attachment ?? []).map((a) => a.filename));
    const missing = report.files.filter((f) => !there.has(f.filename));
    const present = report.files.filter((f) => there.has(f.filename)).map((f) => f.filename);
    if (missing.length > 0) {
      const form = new FormData();
      for (const file of missing) {
        form.append('file', new Blob([file.content], { type: file.mimeType }), file.filename);
      }
      await this.request(`attach ${missing.map((f) => f.filename).join(', ')} to ${ticket.key}`, {
        method: 'post',
        url: `${this.api}/issue/${key}/attachments`,
        data: form,
        headers: { 'X-Atlassian-Token': 'no-check' },
      });
    }
    return { attached: missing.map((f) => f.filename), present, as: 'attachment' };
  }

  private issue(idOrKey: string): Promise<JiraIssue> {
    return this.request<JiraIssue>(`read ${idOrKey}`, {
      method: 'get',
      url: `${this.api}/issue/${encodeURIComponent(idOrKey)}`,
      params: { fields: 'status' },
    });
  }

  /** ADF for Cloud, plain text (wiki markup) for Data Center. */
  private text(content: TicketContent): unknown {
    if (this.cloud) return toAdf(content);
    const links = content.links.map((l) => `* [${(l.text ?? l.href).replace(/[[\]|]/g, ' ')}|${l.href}]`);
    return [
      `*${oneLine(content.title)}*`,
      '',
      ...content.lines,
      ...(links.length ? ['', ...links] : []),
    ].join('\n');
  }

  private ref(key: string): TicketRef {
    return { key, url: `${this.baseUrl}/browse/${key}` };
  }

  private async request<T>(
    operation: string,
    config: {
      method: 'get' | 'post';
      url: string;
      params?: Record<string, unknown>;
      data?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<T> {
    let response: AxiosResponse<T>;
    try {
      response = await this.http.request<T>(config);
    } catch (error) {
      throw transportError(error, operation);
    }
    if (response.status >= 200 && response.status < 300) return response.data;
    throw answerError(response, operation);
  }
}

/** The first configured name Jira offers (case-insensitive), else any transition into a done status. */
function doneTransition(transitions: JiraTransition[], names: string[]): JiraTransition | undefined {
  for (const name of names) {
    const match = transitions.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (match) return match;
  }
  return transitions.find((t) => t.to?.statusCategory?.key === 'done');
}

function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : adfPlainText(body);
}

/** A JQL string literal. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

// ---------- errors ----------

function answerError(response: AxiosResponse<unknown>, operation: string): IntegrationError {
  const status = response.status;
  const said = jiraMessages(response.data);
  const retryAfterMs =
    status === 429 || status === 503 ? retryAfter(response.headers['retry-after']) : undefined;
  const hint =
    status === 401
      ? ': check the Jira credentials (Cloud: account email + API token; Data Center: a personal access token)'
      : status === 403
        ? ': the Jira user lacks permission'
        : status === 413
          ? ': larger than the site’s attachment size limit'
          : '';
  return new IntegrationError(
    `Jira answered ${status} while trying to ${operation}${said ? `: ${said}` : ''}${hint}`,
    {
      vendor: 'jira',
      status,
      // 409 is a conflicting concurrent update: it may pass on the next try.
      retryable: isRetryableStatus(status) || status === 409,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}

/** `{"errorMessages":[...],"errors":{"field":"why"}}`, flattened. */
function jiraMessages(data: unknown): string {
  if (typeof data !== 'object' || data === null) return typeof data === 'string' ? data.slice(0, 200) : '';
  const body = data as { errorMessages?: unknown; errors?: unknown };
  const messages = Array.isArray(body.errorMessages) ? body.errorMessages.map(String) : [];
  const fields =
    typeof body.errors === 'object' && body.errors !== null
      ? Object.entries(body.errors as Record<string, unknown>).map(
          ([field, why]) => `${field}: ${String(why)}`,
        )
      : [];
  return [...messages, ...fields].join('; ');
}

function retryAfter(value: unknown): number | undefined {
  const seconds = Number(value);
  return value !== undefined && Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : undefined;
}

function transportError(error: unknown, operation: string): IntegrationError {
  const code = axios.isAxiosError(error) ? error.code : undefined;
  const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  const why = timedOut
    ? 'no answer before the timeout'
    : error instanceof Error
      ? error.message
      : String(error);
  return new IntegrationError(`Jira: could not ${operation}: ${why}`, {
    vendor: 'jira',
    code: timedOut ? 'ETIMEDOUT' : code,
    retryable: true,
  });
}
