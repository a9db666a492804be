// A local Jira, Cloud or Data Center, that checks what the real one checks (contracts/services.md §3):
// Basic email:token (Cloud) or a Bearer personal access token (Data Center); required fields, known
// projects and issue types; ADF documents on v3 and plain strings on v2; transitions per status, looked
// up by the caller; a JQL search (the subset Firebreak writes); Jira's error bodies. Faults (429 with
// Retry-After, 5xx) come from the shared StandIn; `holdNextCreate` answers a create late, after storing
// it, as a Jira whose answer never reached a crashed worker. Attachments are multipart uploads in parts
// named `file`, refused without `X-Atlassian-Token: no-check` (Jira's XSRF check) or over the size limit.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StandIn, VendorStandIn } from './stand-in';

export type JiraFlavor = 'cloud' | 'datacenter';

export interface JiraStandInOptions {
  flavor: JiraFlavor;
  /** Cloud: the account email and API token accepted in Basic auth. */
  email?: string;
  apiToken?: string;
  /** Data Center: the personal access token accepted as Bearer. */
  personalAccessToken?: string;
  projects?: Array<{ key: string; issueTypes?: string[] }>;
  priorities?: string[];
  /** The name of the transition into Done (workflows name it differently: "Done", "Resolve Issue"...). */
  doneTransitionName?: string;
  /** The site's attachment size limit per file, in bytes (Data Center's default: 10 MB). */
  maxAttachmentBytes?: number;
}

type StatusCategory = 'new' | 'indeterminate' | 'done';

export interface JiraStoredComment {
  id: string;
  /** ADF on v3, a string on v2, as sent. */
  body: unknown;
  created: string;
}

export interface JiraStoredAttachment {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
  content: Buffer;
  created: string;
}

export interface JiraStoredIssue {
  id: string;
  key: string;
  project: string;
  summary: string;
  issueType: string;
  description: unknown;
  labels: string[];
  priority: string | null;
  status: string;
  comments: JiraStoredComment[];
  attachments: JiraStoredAttachment[];
  /** Transition names applied, in order. */
  transitions: string[];
  created: string;
}

interface TransitionDef {
  id: string;
  name: string;
  to: string;
}

const STATUSES: Record<string, { id: string; category: StatusCategory }> = {
  'To Do': { id: '10000', category: 'new' },
  'In Progress': { id: '3', category: 'indeterminate' },
  Done: { id: '10001', category: 'done' },
};
const CATEGORY_NAMES: Record<StatusCategory, string> = {
  new: 'To Do',
  indeterminate: 'In Progress',
  done: 'Done',
};
const SUMMARY_MAX = 255;
const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;
const NOT_AUTHENTICATED = 'You are not authenticated. Authentication required to perform this operation.';

class JiraError extends Error {
  constructor(
    readonly status: number,
    readonly errorMessages: string[],
    readonly errors: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `Jira ${status}`);
  }
}

export class JiraStandIn extends VendorStandIn {
  readonly flavor: JiraFlavor;
  private readonly issueList: JiraStoredIssue[] = [];
  private readonly projects: Map<string, string[]>;
  private readonly priorities: string[];
  private readonly doneTransitionName: string;
  private readonly expectedAuthorization: string;
  private readonly maxAttachmentBytes: number;
  private holdCreateMs = 0;
  private ids = 10000;

  constructor(options: JiraStandInOptions) {
    super(new StandIn({ name: options.flavor === 'cloud' ? 'jira-cloud' : 'jira-datacenter' }));
    this.flavor = options.flavor;
    this.expectedAuthorization =
      options.flavor === 'cloud'
        ? `Basic ${Buffer.from(`${options.email ?? 'firebreak@sandbox.test'}:${options.apiToken ?? 'sandbox-jira-token'}`).toString('base64')}`
        : `Bearer ${options.personalAccessToken ?? 'sandbox-jira-pat'}`;
    this.projects = new Map(
      (options.projects ?? [{ key: 'OPS' }]).map((p) => [p.key, p.issueTypes ?? ['Task', 'Bug', 'Incident']]),
    );
    this.priorities = options.priorities ?? ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
    this.doneTransitionName = options.doneTransitionName ?? 'Done';
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_ATTACHMENT_LIMIT;
    this.standIn.onResetClear(() => {
      this.issueList.length = 0;
      this.holdCreateMs = 0;
    });
    this.standIn.app.register(async (scope) => this.registerRoutes(scope));
  }

  issues(): JiraStoredIssue[] {
    return this.issueList;
  }

  issue(key: string): JiraStoredIssue | undefined {
    return this.issueList.find((i) => i.key === key);
  }

  /** The next create is stored at once and answered only after `ms` (a worker may die meanwhile). */
  holdNextCreate(ms: number): void {
    this.holdCreateMs = ms;
  }

  private async registerRoutes(scope: FastifyInstance): Promise<void> {
    // Sizes are checked per file below, so the upload is read whole and refused with Jira's answer.
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: this.maxAttachmentBytes },
    });
    scope.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/rest/') && !request.url.startsWith('/secure/')) return;
      if (request.headers.authorization !== this.expectedAuthorization)
        throw new JiraError(401, [NOT_AUTHENTICATED]);
    });
    scope.setErrorHandler(async (error, _request, reply) => {
      if (error instanceof JiraError) {
        return reply.code(error.status).send({ errorMessages: error.errorMessages, errors: error.errors });
      }
      // Fastify's own (a body that is not JSON): Jira says so in its shape.
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      return reply.code(status).send({ errorMessages: [(error as Error).message], errors: {} });
    });
    // An attachment's `content` URL: its bytes, as uploaded.
    scope.get('/secure/attachment/:id/:filename', async (request, reply) => {
      const { id } = request.params as { id: string };
      const attachment = this.issueList.flatMap((i) => i.attachments).find((a) => a.id === id);
      if (!attachment) throw new JiraError(404, ['The attachment does not exist.']);
      return reply.type(attachment.mimeType).send(attachment.content);
    });
    const versions = this.flavor === 'cloud' ? [3, 2] : [2];
    for (const version of versions) this.registerVersion(scope, version);
  }

  private registerVersion(scope: FastifyInstance, version: number): void {
    const base = `/rest/api/${version}`;
    scope.post(`${base}/issue`, async (request, reply) => this.create(request, reply, version));
    scope.get(`${base}/issue/:key`, async (request) => this.issueJson(request, this.issueOf(request)));
    scope.get(`${base}/issue/:key/comment`, async (request) => this.listComments(request));
    scope.post(`${base}/issue/:key/comment`, async (request, reply) =>
      this.addComment(request, reply, version),
    );
    scope.get(`${base}/issue/:key/transitions`, async (request) => ({
      transitions: this.transitionsFor(this.issueOf(request)).map(transitionJson),
    }));
    scope.post(`${base}/issue/:key/transitions`, async (request, reply) => this.transition(request, reply));
    scope.post(`${base}/issue/:key/attachments`, async (request) => this.attach(request));
    if (version === 3) {
      scope.get(`${base}/search/jql`, async (request) => this.search(request, 'cloud'));
      // Removed from Cloud in 2025; a client still calling it gets what Atlassian answers.
      scope.get(`${base}/search`, async () => {
        throw new JiraError(410, [
          'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.',
        ]);
      });
    } else {
      scope.get(`${base}/search`, async (request) => this.search(request, 'v2'));
    }
  }

  // ----- issues -----

  private async create(request: FastifyRequest, reply: FastifyReply, version: number): Promise<FastifyReply> {
    const body = request.body as { fields?: Record<string, unknown> } | null;
    if (!body || typeof body.fields !== 'object' || body.fields === null) {
      throw new JiraError(400, ["Issue body must contain 'fields'."]);
    }
    const fields = body.fields;
    const errors: Record<string, string> = {};
    const project = this.projectOf(fields.project, errors);
    const summary = typeof fields.summary === 'string' ? fields.summary.trim() : '';
    if (!summary) errors.summary = 'You must specify a summary of the issue.';
    else if (summary.length > SUMMARY_MAX) errors.summary = 'Summary must be less than 255 characters.';
    const issueType = this.issueTypeOf(project, fields.issuetype, errors);
    if (fields.description !== undefined) {
      const why = textProblem(fields.description, version);
      if (why) errors.description = why;
    }
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string' && l !== '' && !/\s/.test(l))) {
      errors.labels = 'Labels must be strings without spaces.';
    }
    const priority = this.priorityOf(fields.priority, errors);
    for (const field of Object.keys(fields)) {
      if (!['project', 'summary', 'issuetype', 'description', 'labels', 'priority'].includes(field)) {
        errors[field] = `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
      }
    }
    if (Object.keys(errors).length > 0 || !project || !issueType) throw new JiraError(400, [], errors);
    const id = String(++this.ids);
    const number = this.issueList.filter((i) => i.project === project).length + 1;
    const issue: JiraStoredIssue = {
      id,
      key: `${project}-${number}`,
      project,
      summary,
      issueType,
      description: fields.description ?? null,
      labels: labels as string[],
      priority,
      status: 'To Do',
      comments: [],
      attachments: [],
      transitions: [],
      created: new Date().toISOString(),
    };
    this.issueList.push(issue);
    const hold = this.holdCreateMs;
    this.holdCreateMs = 0;
    if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
    return reply
      .code(201)
      .send({ id, key: issue.key, self: `${this.origin(request)}/rest/api/${version}/issue/${id}` });
  }

  private projectOf(value: unknown, errors: Record<string, string>): string | null {
    const key = isRecord(value) ? (value.key ?? value.id) : undefined;
    if (typeof key !== 'string' || !this.projects.has(key)) {
      errors.project = 'Specify a valid project ID or key';
      return null;
    }
    return key;
  }

  private issueTypeOf(project: string | null, value: unknown, errors: Record<string, string>): string | null {
    const name = isRecord(value) ? value.name : undefined;
    if (typeof name !== 'string' || name === '') {
      errors.issuetype = 'Specify an issue type';
      return null;
    }
    const known = project ? (this.projects.get(project) ?? []) : [];
    if (project && !known.includes(name)) {
      errors.issuetype = 'Specify a valid issue type';
      return null;
    }
    return name;
  }

  private priorityOf(value: unknown, errors: Record<string, string>): string | null {
    if (value === undefined) return null;
    const name = isRecord(value) ? value.name : undefined;
    if (typeof name !== 'string' || !this.priorities.includes(name)) {
      errors.priority = `Priority name '${String(name)}' is not valid`;
      return null;
    }
    return name;
  }

  private issueOf(request: FastifyRequest): JiraStoredIssue {
    const { key } = request.params as { key: string };
    const issue = this.issueList.find((i) => i.key === key || i.id === key);
    if (!issue) throw new JiraError(404, ['Issue does not exist or you do not have permission to see it.']);
    return issue;
  }

  private issueJson(request: FastifyRequest, issue: JiraStoredIssue): Record<string, unknown> {
    return {
      id: issue.id,
      key: issue.key,
      self: `${this.origin(request)}/rest/api/${this.flavor === 'cloud' ? 3 : 2}/issue/${issue.id}`,
      fields: {
        summary: issue.summary,
        status: statusJson(issue.status),
        labels: issue.labels,
        issuetype: { name: issue.issueType },
        priority: issue.priority ? { name: issue.priority } : null,
        created: issue.created,
        attachment: issue.attachments.map((a) => this.attachmentJson(request, a)),
      },
    };
  }

  // ----- attachments -----

  /** All of the request's files are stored, or none (one over the limit refuses the upload). */
  private async attach(request: FastifyRequest): Promise<Record<string, unknown>[]> {
    // Jira's XSRF filter answers before the issue is even looked up.
    if (request.headers['x-atlassian-token'] !== 'no-check') throw new JiraError(403, ['XSRF check failed']);
    const issue = this.issueOf(request);
    if (!request.isMultipart()) throw new JiraError(415, ['The request must be multipart/form-data.']);
    const received: JiraStoredAttachment[] = [];
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const content = await part.toBuffer();
      if (part.fieldname !== 'file') continue;
      if (part.file.truncated) {
        throw new JiraError(413, [
          `The file '${part.filename}' is larger than the attachment size limit (${this.maxAttachmentBytes} bytes).`,
        ]);
      }
      received.push({
        id: String(++this.ids),
        filename: part.filename,
        mimeType: part.mimetype,
        size: content.length,
        content,
        created: new Date().toISOString(),
      });
    }
    if (received.length === 0) {
      throw new JiraError(400, ["No file was attached: files go in multipart parts named 'file'."]);
    }
    issue.attachments.push(...received);
    return received.map((a) => this.attachmentJson(request, a));
  }

  private attachmentJson(request: FastifyRequest, a: JiraStoredAttachment): Record<string, unknown> {
    const api = `${this.origin(request)}/rest/api/${this.flavor === 'cloud' ? 3 : 2}`;
    return {
      id: a.id,
      self: `${api}/attachment/${a.id}`,
      filename: a.filename,
      size: a.size,
      mimeType: a.mimeType,
      created: a.created,
      content: `${this.origin(request)}/secure/attachment/${a.id}/${encodeURIComponent(a.filename)}`,
    };
  }

  // ----- comments -----

  private listComments(request: FastifyRequest): Record<string, unknown> {
    const issue = this.issueOf(request);
    const query = request.query as { orderBy?: string; maxResults?: string };
    const newestFirst = query.orderBy === '-created';
    const max = Math.min(Number(query.maxResults ?? 50) || 50, 5000);
    const ordered = newestFirst ? [...issue.comments].reverse() : issue.comments;
    return {
      startAt: 0,
      maxResults: max,
      total: issue.comments.length,
      comments: ordered
        .slice(0, max)
        .map((c) => ({ id: c.id, body: c.body, created: c.created, updated: c.created })),
    };
  }

  private addComment(request: FastifyRequest, reply: FastifyReply, version: number): FastifyReply {
    const issue = this.issueOf(request);
    const body = (request.body as { body?: unknown } | null)?.body;
    if (body === undefined || body === '')
      throw new JiraError(400, [], { comment: 'Comment body can not be empty!' });
    const why = textProblem(body, version);
    if (why) throw new JiraError(400, [], { comment: why });
    const comment: JiraStoredComment = { id: String(++this.ids), body, created: new Date().toISOString() };
    issue.comments.push(comment);
    return reply.code(201).send({ id: comment.id, body, created: comment.created, updated: comment.created });
  }

  // ----- transitions -----

  private transitionsFor(issue: JiraStoredIssue): TransitionDef[] {
    const done = { id: '31', name: this.doneTransitionName, to: 'Done' };
    switch (issue.status) {
      case 'To Do':
        return [{ id: '11', name: 'Start Progress', to: 'In Progress' }, done];
      case 'In Progress':
        return [{ id: '21', name: 'Stop Progress', to: 'To Do' }, done];
      default:
        return [{ id: '41', name: 'Reopen', to: 'To Do' }];
    }
  }

  private transition(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const issue = this.issueOf(request);
    const wanted = (request.body as { transition?: { id?: unknown } } | null)?.transition?.id;
    const transition = this.transitionsFor(issue).find((t) => t.id === String(wanted));
    if (!transition) {
      throw new JiraError(400, [`Transition id '${String(wanted)}' is not valid for this issue.`]);
    }
    issue.status = transition.to;
    issue.transitions.push(transition.name);
    return reply.code(204).send();
  }

  // ----- search -----

  private search(request: FastifyRequest, shape: 'cloud' | 'v2'): Record<string, unknown> {
    const query = request.query as { jql?: string; maxResults?: string; fields?: string };
    if (!query.jql) throw new JiraError(400, ['The JQL query is required and must be bounded.']);
    const clauses = parseJql(query.jql);
    const matching = this.issueList.filter((issue) => clauses.every((c) => matches(issue, c)));
    const max = Math.min(Number(query.maxResults ?? 50) || 50, 100);
    // Cloud's enhanced search answers ids only unless fields are asked for.
    const idsOnly = shape === 'cloud' && !query.fields;
    const issues = matching.slice(0, max).map((i) => (idsOnly ? { id: i.id } : this.issueJson(request, i)));
    return shape === 'cloud'
      ? { issues, isLast: matching.length <= max }
      : { startAt: 0, maxResults: max, total: matching.length, issues };
  }

  private origin(request: FastifyRequest): string {
    return `${request.protocol}://${request.host}`;
  }
}

// ---------- JQL: `field = value [AND ...] [ORDER BY field [ASC|DESC]]` ----------

interface JqlClause {
  field: 'project' | 'labels' | 'status' | 'key';
  value: string;
}

const JQL_FIELDS = ['project', 'labels', 'status', 'key'];

function parseJql(jql: string): JqlClause[] {
  const [where = ''] = jql.split(/\s+ORDER\s+BY\s+/i);
  const clauses: JqlClause[] = [];
  for (const part of where.split(/\s+AND\s+/i)) {
    const match = /^\s*([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/.exec(part);
    if (!match) throw new JiraError(400, [`Error in the JQL Query: unable to parse '${part.trim()}'.`]);
    const field = (match[1] as string).toLowerCase();
    if (!JQL_FIELDS.includes(field)) {
      throw new JiraError(400, [
        `Field '${match[1]}' does not exist or you do not have permission to view it.`,
      ]);
    }
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string);
    clauses.push({ field: field as JqlClause['field'], value });
  }
  return clauses;
}

function matches(issue: JiraStoredIssue, clause: JqlClause): boolean {
  switch (clause.field) {
    case 'project':
      return issue.project === clause.value;
    case 'labels':
      return issue.labels.includes(clause.value);
    case 'status':
      return issue.status.toLowerCase() === clause.value.toLowerCase();
    case 'key':
      return issue.key === clause.value;
  }
}

// ---------- documents ----------

/** Why Jira would refuse this description or comment body, or null. */
function textProblem(value: unknown, version: number): string | null {
  if (version === 2) return typeof value === 'string' ? null : 'Operation value must be a string';
  return validAdf(value) ? null : 'Operation value must be an Atlassian Document';
}

const BLOCK_NODES = new Set([
  'paragraph',
  'heading',
  'bulletList',
  'orderedList',
  'codeBlock',
  'rule',
  'blockquote',
]);
const INLINE_NODES = new Set(['text', 'hardBreak']);
const MARKS = new Set(['strong', 'em', 'code', 'link', 'strike', 'underline']);

function validAdf(doc: unknown): boolean {
  if (!isRecord(doc) || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) return false;
  return doc.content.every((node) => isRecord(node) && BLOCK_NODES.has(String(node.type)) && validNode(node));
}

function validNode(node: Record<string, unknown>): boolean {
  const content = node.content;
  const children = (allowed: (child: Record<string, unknown>) => boolean, required: boolean) =>
    content === undefined
      ? !required
      : Array.isArray(content) &&
        (!required || content.length > 0) &&
        content.every((c) => isRecord(c) && allowed(c) && validNode(c));
  switch (node.type) {
    case 'paragraph':
    case 'codeBlock':
      return children((c) => INLINE_NODES.has(String(c.type)), false);
    case 'heading': {
      const level = isRecord(node.attrs) ? node.attrs.level : undefined;
      return (
        typeof level === 'number' &&
        level >= 1 &&
        level <= 6 &&
        children((c) => INLINE_NODES.has(String(c.type)), false)
      );
    }
    case 'bulletList':
    case 'orderedList':
      return children((c) => c.type === 'listItem', true);
    case 'listItem':
      return children(
        (c) => ['paragraph', 'bulletList', 'orderedList', 'codeBlock'].includes(String(c.type)),
        true,
      );
    case 'blockquote':
      return children((c) => c.type === 'paragraph', true);
    case 'text':
      return typeof node.text === 'string' && node.text !== '' && validMarks(node.marks);
    case 'hardBreak':
    case 'rule':
      return true;
    default:
      return false;
  }
}

function validMarks(marks: unknown): boolean {
  if (marks === undefined) return true;
  return (
    Array.isArray(marks) &&
    marks.every(
      (m) =>
        isRecord(m) &&
        MARKS.has(String(m.type)) &&
        (m.type !== 'link' || (isRecord(m.attrs) && typeof m.attrs.href === 'string' && m.attrs.href !== '')),
    )
  );
}

function statusJson(name: string): Record<string, unknown> {
  const status = STATUSES[name] ?? { id: '1', category: 'new' as StatusCategory };
  return {
    id: status.id,
    name,
    statusCategory: { key: status.category, name: CATEGORY_NAMES[status.category] },
  };
}

function transitionJson(t: TransitionDef): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    to: statusJson(t.to),
    hasScreen: false,
    isGlobal: false,
    isAvailable: true,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
