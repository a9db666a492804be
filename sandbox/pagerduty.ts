// A local PagerDuty: Events API v2 (alert and change events, with PagerDuty's de-duplication model
// and per-key rate limit), the REST v2 endpoints Firebreak uses (on-calls, incidents, escalation,
// notes, users), and signed v3 webhooks for what happens to its incidents — including what a
// simulated responder does "in the PagerDuty UI" (`as(user).acknowledge(...)`, notes, workflows).
// It speaks HTTPS because pdjs only ever builds https:// URLs (contracts/pagerduty.md §5.3).
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { Server as TlsServer } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebhookSender, type WebhookDelivery, type WebhookSubscription } from './pagerduty-webhooks';
import { StandIn, VendorStandIn } from './stand-in';
import { createSandboxTls, type SandboxTls } from './tls';

export const SANDBOX_PAGERDUTY_TOKEN = 'sandbox-pagerduty-token';
/** The escalation policy seeded with on-call users when nothing else is configured. */
export const SANDBOX_ESCALATION_POLICY_ID = 'PSANDBOX';

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';
type EventAction = 'trigger' | 'acknowledge' | 'resolve';
/** What the stand-in did with an accepted (202) alert event. */
export type EventOutcome = 'opened' | 'deduplicated' | 'acknowledged' | 'resolved' | 'dropped';

export interface OnCallUser {
  id: string;
  name: string;
  email?: string;
  /** Default 1. */
  escalationLevel?: number;
  scheduleId?: string;
  /** ISO 8601; null (the default) for a permanent on-call. */
  start?: string | null;
  end?: string | null;
}

export interface PagerDutyStandInOptions {
  /** Certificate to serve; by default a fresh self-signed one is made in listen(). */
  tls?: SandboxTls;
  /** The REST API token clients must send (default SANDBOX_PAGERDUTY_TOKEN). */
  apiToken?: string;
  /** Events accepted per routing key in any 60 s window (PagerDuty: about 120). */
  eventsPerMinute?: number;
  /** Injected clock, so the rate-limit window can be tested without waiting. */
  now?: () => Date;
  /** Webhook attempts per delivery, and the pause between them (defaults 3 and 1 s). */
  webhookAttempts?: number;
  webhookRetryDelayMs?: number;
}

export interface RecordedEvent {
  at: string;
  routingKey: string;
  action: EventAction;
  dedupKey: string;
  outcome: EventOutcome;
  incidentId?: string;
  body: Record<string, unknown>;
}

export interface RecordedChangeEvent {
  at: string;
  routingKey: string;
  summary: string;
  body: Record<string, unknown>;
}

export interface IncidentNote {
  id: string;
  incidentId: string;
  content: string;
  /** The `From` header of the request that added it. */
  from: string;
  createdAt: string;
}

/** One PagerDuty incident; the stand-in opens one incident per alert (no alert grouping). */
export interface StandInIncident {
  id: string;
  number: number;
  routingKey: string;
  dedupKey: string;
  status: AlertStatus;
  summary: string;
  severity: string;
  source: string;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  /** How many trigger events landed on this incident (1 + de-duplicated repeats). */
  triggerCount: number;
  escalationPolicyId: string;
  escalationLevel: number;
  /** User ids the incident is assigned to. */
  assignees: string[];
  customDetails: unknown;
  links: unknown[];
  notes: IncidentNote[];
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS: EventAction[] = ['trigger', 'acknowledge', 'resolve'];
const MAX_EVENT_BYTES = 512 * 1024;
const MAX_NOTES = 2000;
const WINDOW_MS = 60_000;

const DEFAULT_ON_CALL: OnCallUser[] = [
  {
    id: 'PUSER01',
    name: 'Ada Lovelace',
    email: 'ada@example.test',
    escalationLevel: 1,
    scheduleId: 'PSCHED1',
  },
  { id: 'PUSER02', name: 'Grace Hopper', email: 'grace@example.test', escalationLevel: 2 },
];

/** A body that was not JSON; kept raw so it still shows up in the request log. */
class UnparsableBody {
  constructor(readonly raw: string) {}
}

type Query = Record<string, string | string[] | undefined>;

export class PagerDutyStandIn extends VendorStandIn {
  readonly events: RecordedEvent[] = [];
  readonly changeEvents: RecordedChangeEvent[] = [];
  private readonly apiToken: string;
  private readonly eventsPerMinute: number;
  private readonly now: () => Date;
  private readonly allIncidents: StandInIncident[] = [];
  /** Open (not resolved) incidents by routing key + dedup key: where later events for the key land. */
  private readonly open = new Map<string, StandInIncident>();
  private readonly recentEvents = new Map<string, number[]>();
  private readonly onCall = new Map<string, OnCallUser[]>([[SANDBOX_ESCALATION_POLICY_ID, DEFAULT_ON_CALL]]);
  /** Which escalation policy a routing key's service uses (default PSANDBOX). */
  private readonly policies = new Map<string, string>();
  private readonly webhooks: WebhookSender;
  private nextIncidentNumber = 1;
  private tls?: SandboxTls;

  constructor(options: PagerDutyStandInOptions = {}) {
    super(new StandIn({ name: 'pagerduty', https: options.tls ?? { key: '', cert: '' } }));
    this.tls = options.tls;
    this.apiToken = options.apiToken ?? SANDBOX_PAGERDUTY_TOKEN;
    this.eventsPerMinute = options.eventsPerMinute ?? 120;
    this.now = options.now ?? (() => new Date());
    this.webhooks = new WebhookSender({
      maxAttempts: options.webhookAttempts ?? 3,
      retryDelayMs: options.webhookRetryDelayMs ?? 1000,
      now: this.now,
    });
    // Certificates are generated asynchronously (selfsigned 5), so without one yet the HTTPS server
    // starts with an empty context and gets its certificate in listen(), keeping construction sync.
    this.standIn.onResetClear(() => this.clear());
    this.standIn.app.register(async (scope) => this.registerEventRoutes(scope));
    // pdjs derives `resource` from a regex wanting "….com/", so clients may put /pdcom in front (§5.3).
    for (const prefix of ['', '/pdcom']) {
      this.standIn.app.register(async (scope) => this.registerRestRoutes(scope), { prefix });
    }
    this.registerSandboxRoutes();
  }

  /** The PEM certificate clients must trust (available once listening, or when passed in). */
  get caCert(): string {
    if (!this.tls) throw new Error('pagerduty stand-in has no certificate yet: call listen() first');
    return this.tls.cert;
  }

  override async listen(port = 0): Promise<string> {
    if (!this.tls) {
      this.tls = await createSandboxTls();
      // StandIn types its app as plain HTTP; underneath it is the https.Server created above.
      const server: unknown = this.standIn.app.server;
      if (!(server instanceof TlsServer)) throw new Error('pagerduty stand-in is not serving HTTPS');
      server.setSecureContext(this.tls);
    }
    return this.standIn.listen(port);
  }

  /** Replaces who is on call for an escalation policy. */
  setOnCall(escalationPolicyId: string, users: OnCallUser[]): void {
    this.onCall.set(
      escalationPolicyId,
      users.map((user) => ({ ...user })),
    );
  }

  /** Which escalation policy the service behind a routing key uses. */
  setEscalationPolicy(routingKey: string, escalationPolicyId: string): void {
    this.policies.set(routingKey, escalationPolicyId);
  }

  incidents(): StandInIncident[] {
    return this.allIncidents.map((incident) => ({
      ...incident,
      notes: [...incident.notes],
      assignees: [...incident.assignees],
    }));
  }

  // ---------- webhooks v3 ----------

  /** Subscribes `url` to webhooks signed with `secrets`; `events` empty = every event type. */
  subscribe(url: string, secrets: string[], events: string[] = []): WebhookSubscription {
    return this.webhooks.subscribe(url, secrets, events);
  }

  unsubscribe(subscriptionId: string): void {
    this.webhooks.unsubscribe(subscriptionId);
  }

  /** Secret rotation: list old and new together, then the new one alone. */
  setWebhookSecrets(subscriptionId: string, secrets: string[]): void {
    this.webhooks.setSecrets(subscriptionId, secrets);
  }

  get webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Sends a delivered webhook again, same X-Webhook-Id and body: a duplicate, or a retry 47 h late. */
  redeliverWebhook(webhookId: string): Promise<WebhookDelivery> {
    return this.webhooks.redeliver(webhookId);
  }

  /** A delivered webhook's body signed with a wrong secret (or with `signature`, null = no header). */
  forgeWebhook(webhookId: string, forgery: { secret?: string; signature?: string | null } = {}) {
    return this.webhooks.forge(webhookId, forgery);
  }

  /** Waits until every webhook queued so far has been answered. */
  webhooksSettled(): Promise<void> {
    return this.webhooks.settled();
  }

  /** A responder working in the PagerDuty UI; each method resolves with the webhooks it caused. */
  as(userId: string): SimulatedResponder {
    const user = (): AgentReference => this.userReference(userId);
    const change = (ref: string, apply: (incident: StandInIncident) => Promise<WebhookDelivery[]>) =>
      apply(this.incidentByRef(ref));
    return {
      acknowledge: (ref) => change(ref, (i) => this.changeStatus(i, 'acknowledged', user())),
      resolve: (ref) => change(ref, (i) => this.changeStatus(i, 'resolved', user())),
      escalate: (ref, level) => change(ref, (i) => this.escalateIncident(i, level, user())),
      reassign: (ref, toUserId) =>
        change(ref, (i) => {
          i.assignees = [toUserId];
          return this.emit('incident.reassigned', i, user());
        }),
      delegate: (ref, escalationPolicyId) =>
        change(ref, (i) => {
          i.escalationPolicyId = escalationPolicyId;
          i.escalationLevel = 1;
          i.assignees = this.onCallAt(escalationPolicyId, 1);
          return this.emit('incident.delegated', i, user());
        }),
      addNote: (ref, content) =>
        change(ref, (i) => {
          const note = this.noteOn(i, content, this.userOf(userId)?.email ?? userId);
          return this.emit('incident.annotated', i, user(), noteData(i, note));
        }),
      runWorkflow: (ref, workflow) =>
        change(ref, (i) => this.emit('incident.workflow.started', i, user(), workflowData(i, workflow))),
    };
  }

  get notes(): IncidentNote[] {
    return this.allIncidents.flatMap((incident) => incident.notes);
  }

  private clear(): void {
    this.webhooks.clear();
    this.events.length = 0;
    this.changeEvents.length = 0;
    this.allIncidents.length = 0;
    this.open.clear();
    this.recentEvents.clear();
    this.nextIncidentNumber = 1;
  }

  // ---------- Events API v2 ----------

  private registerEventRoutes(scope: FastifyInstance): void {
    acceptAnyBody(scope);
    scope.post('/v2/enqueue', async (request, reply) => this.enqueue(request, reply));
    scope.post('/v2/change/enqueue', async (request, reply) => this.enqueueChange(request, reply));
  }

  private async enqueue(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = request.body;
    if (!isRecord(body)) return unrecognized(reply);
    const errors = validateAlertEvent(body, bodyBytes(request));
    if (errors.length > 0) return invalidEvent(reply, errors);
    const routingKey = String(body.routing_key);
    if (!this.admit(routingKey)) return throttled(reply);
    const action = body.event_action as EventAction;
    const dedupKey = typeof body.dedup_key === 'string' ? body.dedup_key : randomUUID();
    const { outcome, incident } = this.apply(action, routingKey, dedupKey, body);
    this.events.push({
      at: this.now().toISOString(),
      routingKey,
      action,
      dedupKey,
      outcome,
      incidentId: incident?.id,
      body,
    });
    return reply.code(202).send({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
  }

  private async enqueueChange(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = request.body;
    if (!isRecord(body)) return unrecognized(reply);
    const errors = validateChangeEvent(body, bodyBytes(request));
    if (errors.length > 0) return invalidEvent(reply, errors);
    const routingKey = String(body.routing_key);
    if (!this.admit(routingKey)) return throttled(reply);
    const summary = String((body.payload as Record<string, unknown>).summary);
    this.changeEvents.push({ at: this.now().toISOString(), routingKey, summary, body });
    return reply.code(202).send({ status: 'success', message: 'Change event processed' });
  }

  /** Sliding 60 s window per routing key; an over-limit event is not ingested (§1.5). */
  private admit(routingKey: string): boolean {
    const now = this.now().getTime();
    const recent = (this.recentEvents.get(routingKey) ?? []).filter((t) => t > now - WINDOW_MS);
    const admitted = recent.length < this.eventsPerMinute;
    if (admitted) recent.push(now);
    this.recentEvents.set(routingKey, recent);
    return admitted;
  }

  /** PagerDuty's alert model (§1.3): events apply to the open alert with the same routing key + dedup key. */
  private apply(
    action: EventAction,
    routingKey: string,
    dedupKey: string,
    body: Record<string, unknown>,
  ): { outcome: EventOutcome; incident?: StandInIncident } {
    const key = `${routingKey}\u0000${dedupKey}`;
    const incident = this.open.get(key);
    const at = this.now().toISOString();
    if (action === 'trigger') {
      if (incident) {
        incident.triggerCount += 1;
        return { outcome: 'deduplicated', incident };
      }
      const opened = this.openIncident(routingKey, dedupKey, body, at);
      this.open.set(key, opened);
      return { outcome: 'opened', incident: opened };
    }
    if (!incident) return { outcome: 'dropped' };
    const agent = eventsAgent(routingKey);
    if (action === 'acknowledge') {
      void this.changeStatus(incident, 'acknowledged', agent);
      return { outcome: 'acknowledged', incident };
    }
    void this.changeStatus(incident, 'resolved', agent);
    return { outcome: 'resolved', incident };
  }

  private openIncident(
    routingKey: string,
    dedupKey: string,
    body: Record<string, unknown>,
    at: string,
  ): StandInIncident {
    const payload = body.payload as Record<string, unknown>;
    const escalationPolicyId = this.policies.get(routingKey) ?? SANDBOX_ESCALATION_POLICY_ID;
    const incident: StandInIncident = {
      id: pagerDutyId('Q', 13),
      number: this.nextIncidentNumber++,
      routingKey,
      dedupKey,
      status: 'triggered',
      summary: String(payload.summary),
      severity: String(payload.severity),
      source: String(payload.source),
      createdAt: at,
      updatedAt: at,
      acknowledgedAt: null,
      resolvedAt: null,
      resolution: null,
      triggerCount: 1,
      escalationPolicyId,
      escalationLevel: 1,
      assignees: this.onCallAt(escalationPolicyId, 1),
      customDetails: payload.custom_details ?? null,
      links: Array.isArray(body.links) ? body.links : [],
      notes: [],
    };
    this.allIncidents.push(incident);
    return incident;
  }

  /** A status change and its webhook; nothing (and no webhook) when the status does not change. */
  private async changeStatus(
    incident: StandInIncident,
    status: 'acknowledged' | 'resolved',
    agent: AgentReference,
    resolution?: string,
  ): Promise<WebhookDelivery[]> {
    if (incident.status === status) return [];
    this.setStatus(incident, status, this.now().toISOString(), resolution);
    return this.emit(
      status === 'acknowledged' ? 'incident.acknowledged' : 'incident.resolved',
      incident,
      agent,
    );
  }

  private async escalateIncident(
    incident: StandInIncident,
    level: number,
    agent: AgentReference,
  ): Promise<WebhookDelivery[]> {
    incident.escalationLevel = level;
    incident.assignees = this.onCallAt(incident.escalationPolicyId, level);
    // Escalating hands the incident to the next level: it is theirs to acknowledge again.
    if (incident.status === 'acknowledged') incident.status = 'triggered';
    incident.updatedAt = this.now().toISOString();
    return this.emit('incident.escalated', incident, agent);
  }

  private setStatus(incident: StandInIncident, status: AlertStatus, at: string, resolution?: string): void {
    if (incident.status === status) return;
    incident.status = status;
    incident.updatedAt = at;
    if (status === 'acknowledged') incident.acknowledgedAt = at;
    if (status === 'resolved') {
      incident.resolvedAt = at;
      incident.resolution = resolution ?? null;
      // Resolved incidents are never re-opened by events: the next trigger opens a new one.
      this.open.delete(`${incident.routingKey}\u0000${incident.dedupKey}`);
    }
  }

  // ---------- REST API v2 ----------

  private registerRestRoutes(scope: FastifyInstance): void {
    acceptAnyBody(scope);
    scope.addHook('preHandler', async (request, reply) => this.authorize(request, reply));
    scope.get('/oncalls', async (request, reply) => this.listOnCalls(request, reply));
    scope.get('/incidents', async (request, reply) => this.listIncidents(request, reply));
    scope.get('/incidents/:id', async (request, reply) => this.getIncident(request, reply));
    scope.put('/incidents/:id', async (request, reply) => this.updateIncident(request, reply));
    scope.get('/incidents/:id/notes', async (request, reply) => this.listNotes(request, reply));
    scope.post('/incidents/:id/notes', async (request, reply) => this.addNote(request, reply));
    scope.get('/users/:id', async (request, reply) => this.getUser(request, reply));
  }

  /** `Authorization: Token token=<key>` (or OAuth's `Bearer <token>`) must carry the configured token. */
  private async authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Token token=')
      ? header.slice('Token token='.length)
      : header.startsWith('Bearer ')
        ? header.slice('Bearer '.length)
        : undefined;
    if (token === this.apiToken) return;
    // 2006 is the code commonly seen for a bad token; the contract lists no code for 401.
    await reply.code(401).send(restError('Invalid Authentication Token', 2006));
  }

  private async listOnCalls(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const query = request.query as Query;
    const page = pageOf(query);
    if (typeof page === 'string')
      return reply.code(400).send(restError('Invalid Input Provided', 2001, [page]));
    const policyIds = listParam(query, 'escalation_policy_ids[]');
    const userIds = listParam(query, 'user_ids[]');
    const entries = [...this.onCall.entries()]
      .filter(([policyId]) => policyIds.length === 0 || policyIds.includes(policyId))
      .flatMap(([policyId, users]) => users.map((user) => renderOnCall(policyId, user)))
      .filter((entry) => userIds.length === 0 || userIds.includes(entry.user.id));
    return paginate('oncalls', entries, page, query);
  }

  private async listIncidents(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const query = request.query as Query;
    const page = pageOf(query);
    if (typeof page === 'string')
      return reply.code(400).send(restError('Invalid Input Provided', 2001, [page]));
    const incidentKey = typeof query.incident_key === 'string' ? query.incident_key : undefined;
    const statuses = listParam(query, 'statuses[]');
    const found = this.allIncidents
      .filter((incident) => incidentKey === undefined || incident.dedupKey === incidentKey)
      .filter((incident) => statuses.length === 0 || statuses.includes(incident.status))
      .map((incident) => this.renderIncident(incident));
    return paginate('incidents', found, page, query);
  }

  private async getIncident(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const incident = this.findIncident(request);
    if (!incident) return reply.code(404).send(restError('Not Found', 2100));
    return { incident: this.renderIncident(incident) };
  }

  private async updateIncident(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const from = requireFrom(request, reply);
    if (!from) return reply;
    const incident = this.findIncident(request);
    if (!incident) return reply.code(404).send(restError('Not Found', 2100));
    const update =
      isRecord(request.body) && isRecord(request.body.incident) ? request.body.incident : undefined;
    const problem = checkIncidentUpdate(update, incident, this.maxLevel(incident.escalationPolicyId));
    if (problem) return reply.code(400).send(problem);
    const agent = this.agentForEmail(from);
    if (typeof update?.escalation_level === 'number') {
      void this.escalateIncident(incident, update.escalation_level, agent);
    }
    if (update?.status === 'acknowledged' || update?.status === 'resolved') {
      const resolution = typeof update.resolution === 'string' ? update.resolution : undefined;
      void this.changeStatus(incident, update.status, agent, resolution);
    }
    return { incident: this.renderIncident(incident) };
  }

  /** GET /incidents/{id}/notes: every note, oldest first, unpaginated (as PagerDuty lists them). */
  private async listNotes(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const incident = this.findIncident(request);
    if (!incident) return reply.code(404).send(restError('Not Found', 2100));
    return { notes: incident.notes.map(renderNote) };
  }

  private async getUser(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const { id } = request.params as { id: string };
    const user = this.userOf(id);
    if (!user) return reply.code(404).send(restError('Not Found', 2100));
    return {
      user: { id: user.id, type: 'user', summary: user.name, name: user.name, email: user.email ?? null },
    };
  }

  private async addNote(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const from = requireFrom(request, reply);
    if (!from) return reply;
    const incident = this.findIncident(request);
    if (!incident) return reply.code(404).send(restError('Not Found', 2100));
    const note = isRecord(request.body) && isRecord(request.body.note) ? request.body.note : undefined;
    if (typeof note?.content !== 'string' || note.content.trim() === '') {
      return reply.code(400).send(restError('Invalid Input Provided', 2001, ['Note content is required']));
    }
    if (incident.notes.length >= MAX_NOTES) {
      return reply
        .code(400)
        .send(restError('Invalid Input Provided', 2001, ['Maximum number of notes reached']));
    }
    const created = this.noteOn(incident, note.content, from);
    void this.emit('incident.annotated', incident, this.agentForEmail(from), noteData(incident, created));
    return reply.code(200).send({ note: renderNote(created) });
  }

  private noteOn(incident: StandInIncident, content: string, from: string): IncidentNote {
    const created: IncidentNote = {
      id: pagerDutyId('P', 6),
      incidentId: incident.id,
      content,
      from,
      createdAt: this.now().toISOString(),
    };
    incident.notes.push(created);
    return created;
  }

  // ---------- people and webhook payloads ----------

  private emit(
    eventType: string,
    incident: StandInIncident,
    agent: AgentReference | null,
    data?: Record<string, unknown>,
  ): Promise<WebhookDelivery[]> {
    return this.webhooks.send({
      id: pagerDutyId('01', 24),
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: this.now().toISOString(),
      agent,
      client: null,
      data: data ?? this.webhookIncident(incident),
    });
  }

  /** `data` of incident.* events (§3.3): the incident with its key, assignees and policy. */
  private webhookIncident(incident: StandInIncident): Record<string, unknown> {
    return {
      id: incident.id,
      type: 'incident',
      self: `${this.url}/incidents/${incident.id}`,
      html_url: `${this.url}/_sandbox/incidents/${incident.id}`,
      number: incident.number,
      status: incident.status,
      incident_key: incident.dedupKey,
      created_at: incident.createdAt,
      title: incident.summary,
      service: { id: serviceIdFor(incident.routingKey), type: 'service_reference' },
      assignees: incident.assignees.map((id) => this.userReference(id)),
      escalation_policy: {
        id: incident.escalationPolicyId,
        type: 'escalation_policy_reference',
        summary: `Escalation policy ${incident.escalationPolicyId}`,
      },
      teams: [],
      priority: null,
      urgency: incident.severity === 'critical' || incident.severity === 'error' ? 'high' : 'low',
      conference_bridge: null,
      resolve_reason: null,
    };
  }

  private users(): OnCallUser[] {
    return [...this.onCall.values()].flat();
  }

  private userOf(id: string): OnCallUser | undefined {
    return this.users().find((user) => user.id === id);
  }

  private userReference(id: string): AgentReference {
    const user = this.userOf(id);
    return { id, type: 'user_reference', summary: user?.name ?? id, self: `${this.url}/users/${id}` };
  }

  /** The user behind a `From` header; Firebreak's bot user when it is nobody on call. */
  private agentForEmail(email: string): AgentReference {
    const user = this.users().find((u) => u.email?.toLowerCase() === email.toLowerCase());
    return user
      ? this.userReference(user.id)
      : { id: 'PFIREBRK', type: 'user_reference', summary: email, self: `${this.url}/users/PFIREBRK` };
  }

  private onCallAt(escalationPolicyId: string, level: number): string[] {
    return (this.onCall.get(escalationPolicyId) ?? [])
      .filter((user) => (user.escalationLevel ?? 1) === level)
      .map((user) => user.id);
  }

  private maxLevel(escalationPolicyId: string): number {
    return Math.max(1, ...(this.onCall.get(escalationPolicyId) ?? []).map((u) => u.escalationLevel ?? 1));
  }

  /** By id, number or dedup key: tests know Firebreak's incident id, which is the dedup key. */
  private incidentByRef(ref: string): StandInIncident {
    const incident =
      this.allIncidents.find((i) => i.id === ref || String(i.number) === ref) ??
      [...this.allIncidents].reverse().find((i) => i.dedupKey === ref);
    if (!incident) throw new Error(`pagerduty stand-in has no incident ${ref}`);
    return incident;
  }

  /** By id or by incident number, as PagerDuty accepts both. */
  private findIncident(request: FastifyRequest): StandInIncident | undefined {
    const { id } = request.params as { id: string };
    return this.allIncidents.find((incident) => incident.id === id || String(incident.number) === id);
  }

  private renderIncident(incident: StandInIncident): Record<string, unknown> {
    const self = `${this.url}/incidents/${incident.id}`;
    const service = serviceIdFor(incident.routingKey);
    return {
      id: incident.id,
      type: 'incident',
      summary: `[#${incident.number}] ${incident.summary}`,
      self,
      html_url: `${this.url}/_sandbox/incidents/${incident.id}`,
      incident_number: incident.number,
      title: incident.summary,
      created_at: incident.createdAt,
      updated_at: incident.updatedAt,
      status: incident.status,
      incident_key: incident.dedupKey,
      service: { id: service, type: 'service_reference', summary: `Sandbox service ${service}` },
      urgency: incident.severity === 'critical' || incident.severity === 'error' ? 'high' : 'low',
      last_status_change_at: incident.updatedAt,
      resolved_at: incident.resolvedAt,
      alert_counts: {
        all: 1,
        triggered: incident.status === 'resolved' ? 0 : 1,
        resolved: incident.status === 'resolved' ? 1 : 0,
      },
    };
  }

  // ---------- /_sandbox views (no auth: for people and the sandbox banner) ----------

  private registerSandboxRoutes(): void {
    const app = this.standIn.app;
    app.get('/_sandbox/incidents', async () => ({
      incidents: this.incidents(),
      events: this.events,
      changeEvents: this.changeEvents,
    }));
    app.get('/_sandbox/incidents/:id', async (request, reply) => {
      const incident = this.findIncident(request);
      return incident ? { incident } : reply.code(404).send({ error: 'no such incident' });
    });
    app.put('/_sandbox/oncalls/:policyId', async (request, reply) => {
      const { policyId } = request.params as { policyId: string };
      if (!Array.isArray(request.body)) return reply.code(400).send({ error: 'expected an array of users' });
      this.setOnCall(policyId, request.body as OnCallUser[]);
      return reply.code(204).send();
    });
    app.get('/_sandbox/webhooks', async () => ({ deliveries: this.webhookDeliveries }));
    app.post('/_sandbox/webhooks', async (request, reply) => {
      const body = isRecord(request.body) ? request.body : {};
      if (typeof body.url !== 'string' || !Array.isArray(body.secrets)) {
        return reply.code(400).send({ error: 'a subscription needs url (string) and secrets (array)' });
      }
      const events = Array.isArray(body.events) ? body.events.map(String) : [];
      return reply.code(201).send(this.subscribe(body.url, body.secrets.map(String), events));
    });
    // Play the responder by hand: {"user":"PUSER01","do":"acknowledge"} (or resolve, escalate+level,
    // reassign+to, delegate+to, note+content, workflow+name[+id]).
    app.post('/_sandbox/incidents/:id/responder', async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = isRecord(request.body) ? request.body : {};
      try {
        const deliveries = await this.respondByHand(id, body);
        return { deliveries: deliveries.map((d) => ({ webhookId: d.webhookId, status: d.status })) };
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
    });
  }

  private respondByHand(ref: string, body: Record<string, unknown>): Promise<WebhookDelivery[]> {
    const responder = this.as(typeof body.user === 'string' ? body.user : 'PUSER01');
    const text = (key: string): string => {
      if (typeof body[key] !== 'string') throw new Error(`'${key}' must be a string`);
      return body[key];
    };
    switch (body.do) {
      case 'acknowledge':
        return responder.acknowledge(ref);
      case 'resolve':
        return responder.resolve(ref);
      case 'escalate':
        return responder.escalate(ref, typeof body.level === 'number' ? body.level : 2);
      case 'reassign':
        return responder.reassign(ref, text('to'));
      case 'delegate':
        return responder.delegate(ref, text('to'));
      case 'note':
        return responder.addNote(ref, text('content'));
      case 'workflow':
        return responder.runWorkflow(ref, {
          id: typeof body.id === 'string' ? body.id : 'PWFSANDBOX',
          name: text('name'),
        });
      default:
        throw new Error("'do' must be acknowledge, resolve, escalate, reassign, delegate, note or workflow");
    }
  }
}

// ---------- validation (§1.2, §1.8) ----------

function validateAlertEvent(body: Record<string, unknown>, bytes: number): string[] {
  const errors = commonEventErrors(body, bytes);
  const action = body.event_action;
  if (typeof action !== 'string' || !ACTIONS.includes(action as EventAction)) {
    errors.push("'event_action' is missing or invalid (trigger, acknowledge or resolve)");
    return errors;
  }
  const dedupKey = body.dedup_key;
  if (dedupKey !== undefined && (typeof dedupKey !== 'string' || dedupKey.length > 255)) {
    errors.push("'dedup_key' must be a string of at most 255 characters");
  }
  if (action !== 'trigger' && (typeof dedupKey !== 'string' || dedupKey === '')) {
    errors.push(`'dedup_key' is required for ${action} events`);
  }
  if (action === 'trigger') errors.push(...triggerPayloadErrors(body));
  return errors;
}

function triggerPayloadErrors(body: Record<string, unknown>): string[] {
  const payload = body.payload;
  if (!isRecord(payload)) return ["'payload' is missing or not an object"];
  const errors: string[] = [];
  if (!nonEmptyString(payload.summary)) errors.push("'payload.summary' is missing");
  else if (payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
  if (!nonEmptyString(payload.source)) errors.push("'payload.source' is missing");
  if (typeof payload.severity !== 'string' || !SEVERITIES.includes(payload.severity)) {
    errors.push("'payload.severity' is missing or invalid (critical, error, warning or info)");
  }
  return errors;
}

function validateChangeEvent(body: Record<string, unknown>, bytes: number): string[] {
  const errors = commonEventErrors(body, bytes);
  const payload = body.payload;
  if (!isRecord(payload) || !nonEmptyString(payload.summary)) errors.push("'payload.summary' is missing");
  else if (payload.summary.length > 1024) errors.push("'payload.summary' is longer than 1024 characters");
  return errors;
}

function commonEventErrors(body: Record<string, unknown>, bytes: number): string[] {
  const errors: string[] = [];
  if (bytes > MAX_EVENT_BYTES) errors.push('Event payload exceeds the 512 KB limit');
  if (!nonEmptyString(body.routing_key)) errors.push("'routing_key' is missing");
  if (body.links !== undefined && !arrayOf(body.links, (link) => nonEmptyString(link.href))) {
    errors.push("'links' must be an array of objects with 'href'");
  }
  if (body.images !== undefined && !arrayOf(body.images, (image) => httpsUrl(image.src))) {
    errors.push("'images' must be an array of objects with an HTTPS 'src'");
  }
  return errors;
}

function unrecognized(reply: FastifyReply): FastifyReply {
  return reply.code(400).send({
    status: 'Unrecognized object',
    message: 'Event object format is unrecognized',
    errors: ['JSON parse error'],
  });
}

function invalidEvent(reply: FastifyReply, errors: string[]): FastifyReply {
  return reply.code(400).send({ status: 'invalid event', message: 'Event object is invalid', errors });
}

function throttled(reply: FastifyReply): FastifyReply {
  return reply.code(429).send({ status: 'throttle event', message: 'Request Limit Exceeded', errors: [] });
}

// ---------- REST helpers ----------

function restError(message: string, code: number, errors?: string[]): { error: Record<string, unknown> } {
  return { error: { message, code, ...(errors ? { errors } : {}) } };
}

/** Writes need `From: <email of a user>`; answers 400 and returns undefined when it is missing. */
function requireFrom(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const from = request.headers.from;
  if (typeof from === 'string' && from.includes('@')) return from;
  void reply
    .code(400)
    .send(
      restError('Invalid Input Provided', 2001, ['A valid email address is required in the From header']),
    );
  return undefined;
}

function checkIncidentUpdate(
  update: Record<string, unknown> | undefined,
  incident: StandInIncident,
  maxLevel: number,
): { error: Record<string, unknown> } | undefined {
  if (!update || (update.type !== 'incident' && update.type !== 'incident_reference')) {
    return restError('Invalid Input Provided', 2001, [
      "incident.type must be 'incident' or 'incident_reference'",
    ]);
  }
  if (update.escalation_level !== undefined)
    return checkEscalation(update.escalation_level, incident, maxLevel);
  if (update.status !== 'acknowledged' && update.status !== 'resolved') {
    // PagerDuty also re-opens (status triggered) and reassigns; the stand-in does not model those.
    return restError('Invalid Status', 1003, ["incident.status must be 'acknowledged' or 'resolved'"]);
  }
  if (update.resolution !== undefined && update.status !== 'resolved') {
    return restError('Invalid Input Provided', 2001, ['resolution is only allowed when resolving']);
  }
  if (incident.status === 'resolved' && update.status === 'acknowledged') {
    return restError('Incident Already Resolved', 1001);
  }
  return undefined;
}

/** Escalation to a level of the incident's escalation policy (1006 Cannot Escalate otherwise, §2.1). */
function checkEscalation(
  level: unknown,
  incident: StandInIncident,
  maxLevel: number,
): { error: Record<string, unknown> } | undefined {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 1) {
    return restError('Invalid Input Provided', 2001, ['escalation_level must be a positive integer']);
  }
  if (incident.status === 'resolved') return restError('Incident Already Resolved', 1001);
  if (level > maxLevel) {
    return restError('Cannot Escalate', 1006, [`the escalation policy has ${maxLevel} level(s)`]);
  }
  return undefined;
}

// ---------- webhook payloads (§3.3) ----------

export interface AgentReference {
  id: string;
  type: string;
  summary: string;
  self?: string;
}

/** What a responder can do in the PagerDuty UI; each resolves with the webhooks it caused. */
export interface SimulatedResponder {
  acknowledge(incident: string): Promise<WebhookDelivery[]>;
  resolve(incident: string): Promise<WebhookDelivery[]>;
  escalate(incident: string, level: number): Promise<WebhookDelivery[]>;
  reassign(incident: string, toUserId: string): Promise<WebhookDelivery[]>;
  delegate(incident: string, escalationPolicyId: string): Promise<WebhookDelivery[]>;
  addNote(incident: string, content: string): Promise<WebhookDelivery[]>;
  runWorkflow(incident: string, workflow: { id: string; name: string }): Promise<WebhookDelivery[]>;
}

/** Status changes made through the Events API are PagerDuty's doing on the service's behalf. */
function eventsAgent(routingKey: string): AgentReference {
  return { id: serviceIdFor(routingKey), type: 'service_reference', summary: 'Events API v2' };
}

function incidentReference(incident: StandInIncident): Record<string, unknown> {
  return { id: incident.id, type: 'incident_reference', summary: incident.summary };
}

function noteData(incident: StandInIncident, note: IncidentNote): Record<string, unknown> {
  return {
    incident: incidentReference(incident),
    id: note.id,
    content: note.content,
    trimmed: false,
    type: 'incident_note',
  };
}

function workflowData(
  incident: StandInIncident,
  workflow: { id: string; name: string },
): Record<string, unknown> {
  return {
    id: pagerDutyId('P', 6),
    type: 'incident_workflow_instance',
    summary: workflow.name,
    incident_workflow: { id: workflow.id, type: 'incident_workflow_reference', summary: workflow.name },
    workflow_trigger: {
      id: randomUUID(),
      type: 'workflow_trigger_reference',
      summary: `Run: ${workflow.name}`,
    },
    incident: incidentReference(incident),
    service: { id: serviceIdFor(incident.routingKey), type: 'service_reference' },
  };
}

interface Page {
  limit: number;
  offset: number;
}

/** Classic pagination (§2.2): limit default 25, max 100; offset + limit may not exceed 10000. */
function pageOf(query: Query): Page | string {
  const limit = query.limit === undefined ? 25 : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 1) return 'limit must be a positive integer';
  if (!Number.isInteger(offset) || offset < 0) return 'offset must be a non-negative integer';
  const clamped = Math.min(limit, 100);
  if (offset + clamped > 10_000) return 'offset + limit may not exceed 10000';
  return { limit: clamped, offset };
}

function paginate<T>(key: string, items: T[], page: Page, query: Query): Record<string, unknown> {
  return {
    [key]: items.slice(page.offset, page.offset + page.limit),
    limit: page.limit,
    offset: page.offset,
    more: page.offset + page.limit < items.length,
    total: query.total === 'true' ? items.length : null,
  };
}

function listParam(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function renderOnCall(policyId: string, user: OnCallUser) {
  return {
    user: {
      id: user.id,
      type: 'user_reference',
      summary: user.name,
      ...(user.email ? { email: user.email } : {}),
    },
    schedule: user.scheduleId ? { id: user.scheduleId, type: 'schedule_reference' } : null,
    escalation_policy: { id: policyId, type: 'escalation_policy_reference' },
    escalation_level: user.escalationLevel ?? 1,
    start: user.start ?? null,
    end: user.end ?? null,
  };
}

function renderNote(note: IncidentNote): Record<string, unknown> {
  return {
    id: note.id,
    user: { id: 'PSANDBX', type: 'user_reference', summary: note.from },
    channel: { summary: 'The PagerDuty website or APIs' },
    content: note.content,
    created_at: note.createdAt,
    updated_at: note.createdAt,
  };
}

// ---------- small helpers ----------

/** Keeps the raw text of any body, so bad JSON gets PagerDuty's answer rather than Fastify's. */
function acceptAnyBody(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(null, new UnparsableBody(String(body)));
    }
  });
}

function bodyBytes(request: FastifyRequest): number {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(request.body));
}

/** PagerDuty-looking ids: a letter, then uppercase letters and digits. */
function pagerDutyId(first: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = first;
  for (let i = 0; i < length; i += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

function serviceIdFor(routingKey: string): string {
  return `P${createHash('sha256').update(routingKey).digest('hex').slice(0, 6).toUpperCase()}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof UnparsableBody)
  );
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function arrayOf(value: unknown, check: (item: Record<string, unknown>) => boolean): boolean {
  return Array.isArray(value) && value.every((item) => isRecord(item) && check(item));
}

function httpsUrl(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('https://');
}
