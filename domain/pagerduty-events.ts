// What a PagerDuty v3 webhook means for a Firebreak incident (contracts/pagerduty.md §3): which
// incident it concerns, and whether it is a responder action (acknowledge, resolve, a configured
// incident workflow, a note command) or something to record in the timeline. Pure: the API
// translates, the incident workflow validates and authorizes like any other action.
import { ActionRejection, parseAction, type ActionName, type Actor, type ResponderAction } from './actions';

/** A v3 webhook event, reduced to what Firebreak reads. */
export interface PagerDutyWebhookEvent {
  id: string;
  type: string;
  occurredAt: string | null;
  agent: { id: string; type: string; name: string } | null;
  /** PagerDuty's incident id (`data.id` on incident data, `data.incident.id` otherwise). */
  pagerDutyIncidentId: string | null;
  /** The incident's de-duplication key: Firebreak's incident id for incidents it paged. */
  incidentKey: string | null;
  data: Record<string, unknown>;
}

/** How responders choose an action from PagerDuty. */
export interface PagerDutyCommands {
  /** Incident workflow id or name (e.g. 'Roll back') → action. */
  incidentWorkflows: Record<string, ActionName>;
  /** First word of a note (e.g. '/rollback') → action. */
  noteCommands: Record<string, ActionName>;
}

export const DEFAULT_NOTE_COMMANDS: Record<string, ActionName> = {
  '/ack': 'acknowledge',
  '/acknowledge': 'acknowledge',
  '/rollback': 'rollback',
  '/hotfix': 'hotfix',
  '/lift-freeze': 'lift-freeze',
  '/escalate': 'escalate',
  '/resolve': 'resolve',
};

/** The event types Firebreak reads: subscribe the webhook to these. */
export const PAGERDUTY_WEBHOOK_EVENTS = [
  'incident.acknowledged',
  'incident.resolved',
  'incident.escalated',
  'incident.reassigned',
  'incident.delegated',
  'incident.annotated',
  'incident.workflow.started',
];

/** Notes Firebreak writes start with this, so their own webhooks are not read as responder input. */
export const FIREBREAK_NOTE_PREFIX = '[Firebreak]';

/** What the API hands the incident workflow (the `pagerduty` signal). */
export interface PagerDutyDelivery {
  /** `event.id` and `X-Webhook-Id`: the workflow ignores a delivery when it has seen either. */
  eventId: string;
  webhookId: string | null;
  eventType: string;
  occurredAt: string | null;
  pagerDutyIncidentId: string | null;
  actor: Actor;
  /** The action the responder asked for; null when the event is only recorded. */
  action: ResponderAction | null;
  /** True when PagerDuty reports a change already made there (acknowledged, resolved). */
  statusChange: boolean;
  /** One line for the timeline. */
  summary: string;
  /** Why a command could not be read (e.g. a malformed note command); the workflow refuses it. */
  unreadable?: string;
}

export class WebhookFormatError extends Error {}

/** Reads the `{ event: {...} }` envelope; throws WebhookFormatError when it is not one. */
export function parseWebhookEvent(body: unknown): PagerDutyWebhookEvent {
  const event = isRecord(body) && isRecord(body.event) ? body.event : null;
  if (!event) throw new WebhookFormatError('the body must be a v3 webhook: { event: { ... } }');
  if (typeof event.id !== 'string' || typeof event.event_type !== 'string') {
    throw new WebhookFormatError('event.id and event.event_type must be strings');
  }
  const data = isRecord(event.data) ? event.data : {};
  const incidentData = data.type === 'incident';
  const reference = isRecord(data.incident) ? data.incident : {};
  const agent = isRecord(event.agent) ? event.agent : null;
  return {
    id: event.id,
    type: event.event_type,
    occurredAt: typeof event.occurred_at === 'string' ? event.occurred_at : null,
    agent: agent
      ? {
          id: String(agent.id ?? ''),
          type: String(agent.type ?? ''),
          name: String(agent.summary ?? agent.name ?? agent.id ?? 'someone'),
        }
      : null,
    pagerDutyIncidentId: stringOrNull(incidentData ? data.id : reference.id),
    incidentKey: incidentData ? stringOrNull(data.incident_key) : null,
    data,
  };
}

/** The delivery for the incident workflow, or null when the event is of no use to Firebreak. */
export function toDelivery(
  event: PagerDutyWebhookEvent,
  webhookId: string | null,
  commands: PagerDutyCommands,
): PagerDutyDelivery | null {
  const actor = actorOf(event);
  const base = {
    eventId: event.id,
    webhookId,
    eventType: event.type,
    occurredAt: event.occurredAt,
    pagerDutyIncidentId: event.pagerDutyIncidentId,
    actor,
    statusChange: false,
  };
  const record = (summary: string): PagerDutyDelivery => ({ ...base, action: null, summary });
  switch (event.type) {
    case 'incident.acknowledged':
      return {
        ...base,
        action: { action: 'acknowledge' },
        statusChange: true,
        summary: `acknowledged in PagerDuty by ${actor.by}`,
      };
    case 'incident.resolved':
      return {
        ...base,
        action: { action: 'resolve', resolution: resolution(event, actor) },
        statusChange: true,
        summary: `resolved in PagerDuty by ${actor.by}`,
      };
    case 'incident.escalated':
      return record(`escalated in PagerDuty${assigneesOf(event.data)}`);
    case 'incident.reassigned':
      return record(`reassigned in PagerDuty by ${actor.by}${assigneesOf(event.data)}`);
    case 'incident.delegated':
      return record(
        `delegated in PagerDuty by ${actor.by} to ${summaryOf(event.data.escalation_policy) ?? 'another escalation policy'}`,
      );
    case 'incident.annotated':
      return fromNote(event, base, commands);
    case 'incident.workflow.started':
      return fromIncidentWorkflow(event, base, commands);
    default:
      return null;
  }
}

type DeliveryBase = Omit<PagerDutyDelivery, 'action' | 'summary'>;

function fromNote(
  event: PagerDutyWebhookEvent,
  base: DeliveryBase,
  commands: PagerDutyCommands,
): PagerDutyDelivery | null {
  const content = typeof event.data.content === 'string' ? event.data.content.trim() : '';
  // Firebreak's own notes (answers to commands) come back as webhooks too.
  if (content === '' || content.startsWith(FIREBREAK_NOTE_PREFIX)) return null;
  const [word = '', ...rest] = content.split(/\s+/);
  const action = commands.noteCommands[word.toLowerCase()];
  if (!action) return { ...base, action: null, summary: `note in PagerDuty by ${base.actor.by}: ${content}` };
  return commandDelivery(base, action, rest.join(' '), `note command '${content}' from ${base.actor.by}`);
}

function fromIncidentWorkflow(
  event: PagerDutyWebhookEvent,
  base: DeliveryBase,
  commands: PagerDutyCommands,
): PagerDutyDelivery {
  const workflow = isRecord(event.data.incident_workflow) ? event.data.incident_workflow : {};
  const id = stringOrNull(workflow.id);
  const name = summaryOf(workflow) ?? stringOrNull(event.data.summary) ?? id ?? 'unnamed';
  const action = (id ? commands.incidentWorkflows[id] : undefined) ?? commands.incidentWorkflows[name];
  if (!action) {
    return {
      ...base,
      action: null,
      summary: `PagerDuty incident workflow '${name}' started by ${base.actor.by}`,
    };
  }
  return commandDelivery(base, action, '', `PagerDuty incident workflow '${name}' run by ${base.actor.by}`);
}

/** Positional arguments of note commands: `/rollback <sha> [force]`, `/resolve <resolution…>`. */
function commandDelivery(
  base: DeliveryBase,
  action: ActionName,
  args: string,
  summary: string,
): PagerDutyDelivery {
  try {
    return { ...base, action: parseAction(commandBody(action, args)), summary };
  } catch (error) {
    if (!(error instanceof ActionRejection)) throw error;
    return { ...base, action: null, summary, unreadable: error.message };
  }
}

/** The same body the API would receive, so parseAction applies its checks unchanged. */
function commandBody(action: string, args: string): Record<string, unknown> {
  const words = args.split(/\s+/).filter(Boolean);
  switch (action) {
    case 'rollback': {
      const force = words.some((w) => w === 'force' || w === '--force');
      const to = words.find((w) => w !== 'force' && w !== '--force');
      return { action, ...(to ? { to } : {}), ...(force ? { force: true } : {}) };
    }
    case 'hotfix':
      return { action, ...(words[0] ? { sha: words[0] } : {}) };
    case 'resolve':
      return { action, ...(args.trim() ? { resolution: args.trim() } : {}) };
    case 'note':
      return { action, text: args.trim() };
    default:
      return { action };
  }
}

function actorOf(event: PagerDutyWebhookEvent): Actor {
  const agent = event.agent;
  if (!agent) return { by: 'PagerDuty', channel: 'pagerduty' };
  return {
    by: agent.name,
    channel: 'pagerduty',
    ...(agent.type.startsWith('user') && agent.id ? { userId: agent.id } : {}),
  };
}

function resolution(event: PagerDutyWebhookEvent, actor: Actor): string {
  const reason = event.data.resolve_reason;
  const detail = isRecord(reason) ? summaryOf(reason) : stringOrNull(reason);
  return `resolved in PagerDuty by ${actor.by}${detail ? `: ${detail}` : ''}`;
}

function assigneesOf(data: Record<string, unknown>): string {
  const names = (Array.isArray(data.assignees) ? data.assignees : [])
    .map((a) => summaryOf(a) ?? (isRecord(a) ? stringOrNull(a.id) : null))
    .filter((n): n is string => Boolean(n));
  return names.length ? `; now assigned to ${names.join(', ')}` : '';
}

function summaryOf(value: unknown): string | null {
  return isRecord(value) ? stringOrNull(value.summary ?? value.name) : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
