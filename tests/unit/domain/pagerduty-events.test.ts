// What each PagerDuty v3 webhook asks of Firebreak: an action, a timeline entry, or nothing.
import {
  DEFAULT_NOTE_COMMANDS,
  parseWebhookEvent,
  toDelivery,
  WebhookFormatError,
  type PagerDutyCommands,
} from '../../../domain/pagerduty-events';

const commands: PagerDutyCommands = {
  incidentWorkflows: { 'Roll back': 'rollback', PWFESC: 'escalate' },
  noteCommands: DEFAULT_NOTE_COMMANDS,
};
const ADA = { id: 'PUSER01', type: 'user_reference', summary: 'Ada Lovelace' };

function incidentEvent(type: string, data: Record<string, unknown> = {}, agent: unknown = ADA) {
  return {
    event: {
      id: `01${type}`,
      event_type: type,
      resource_type: 'incident',
      occurred_at: '2026-09-01T10:03:11.123Z',
      agent,
      client: null,
      data: { id: 'Q1ABC', type: 'incident', incident_key: 'checkout-1234abcd', status: 'x', ...data },
    },
  };
}

function childEvent(type: string, data: Record<string, unknown>) {
  return {
    event: {
      id: `01${type}`,
      event_type: type,
      occurred_at: '2026-09-01T10:05:00Z',
      agent: ADA,
      data: { ...data, incident: { id: 'Q1ABC', type: 'incident_reference' } },
    },
  };
}

const deliver = (body: unknown) => toDelivery(parseWebhookEvent(body), 'webhook-1', commands);
const note = (content: string) =>
  deliver(childEvent('incident.annotated', { id: 'PNOTE', type: 'incident_note', content, trimmed: false }));

describe('PagerDuty webhooks mapped to the incident', () => {
  test('incident events name our incident by incident_key and PagerDuty’s by id', () => {
    const event = parseWebhookEvent(incidentEvent('incident.acknowledged'));
    expect(event).toMatchObject({ incidentKey: 'checkout-1234abcd', pagerDutyIncidentId: 'Q1ABC' });
  });

  test('note and workflow events name only PagerDuty’s incident', () => {
    const event = parseWebhookEvent(childEvent('incident.annotated', { content: 'x' }));
    expect(event).toMatchObject({ incidentKey: null, pagerDutyIncidentId: 'Q1ABC' });
  });

  test('acknowledged in PagerDuty is an acknowledge by that user, through PagerDuty, at the event’s time', () => {
    expect(deliver(incidentEvent('incident.acknowledged'))).toMatchObject({
      eventId: '01incident.acknowledged',
      webhookId: 'webhook-1',
      occurredAt: '2026-09-01T10:03:11.123Z',
      action: { action: 'acknowledge' },
      statusChange: true,
      actor: { by: 'Ada Lovelace', channel: 'pagerduty', userId: 'PUSER01' },
    });
  });

  test('resolved in PagerDuty is a resolve that says so', () => {
    expect(deliver(incidentEvent('incident.resolved'))).toMatchObject({
      action: { action: 'resolve', resolution: 'resolved in PagerDuty by Ada Lovelace' },
      statusChange: true,
    });
  });

  test('escalated, reassigned and delegated are timeline entries naming who has it now', () => {
    const assignees = [{ id: 'PUSER02', type: 'user_reference', summary: 'Grace Hopper' }];
    expect(deliver(incidentEvent('incident.escalated', { assignees }))).toMatchObject({
      action: null,
      summary: 'escalated in PagerDuty; now assigned to Grace Hopper',
    });
    expect(deliver(incidentEvent('incident.reassigned', { assignees }))?.summary).toBe(
      'reassigned in PagerDuty by Ada Lovelace; now assigned to Grace Hopper',
    );
    const policy = { id: 'PEP2', type: 'escalation_policy_reference', summary: 'Payments' };
    expect(deliver(incidentEvent('incident.delegated', { escalation_policy: policy }))?.summary).toBe(
      'delegated in PagerDuty by Ada Lovelace to Payments',
    );
  });

  test('an ordinary note is a timeline entry', () => {
    expect(note('looking at the pods')).toMatchObject({
      action: null,
      summary: 'note in PagerDuty by Ada Lovelace: looking at the pods',
    });
  });

  test('a note command asks for its action, with its arguments', () => {
    expect(note('/rollback 4a0b7d1 force')?.action).toEqual({
      action: 'rollback',
      to: '4a0b7d1',
      force: true,
    });
    expect(note('/rollback')?.action).toEqual({ action: 'rollback' });
    expect(note('/ack')?.action).toEqual({ action: 'acknowledge' });
    expect(note('/escalate')?.action).toEqual({ action: 'escalate' });
    expect(note('/resolve bad config reverted')?.action).toEqual({
      action: 'resolve',
      resolution: 'bad config reverted',
    });
    expect(note('/ROLLBACK')?.action).toEqual({ action: 'rollback' });
  });

  test('/hotfix <sha> and /lift-freeze ask for the hotfix path and the end of the freeze', () => {
    expect(note('/hotfix 9f1c2e7')?.action).toEqual({ action: 'hotfix', sha: '9f1c2e7' });
    expect(note('/lift-freeze')?.action).toEqual({ action: 'lift-freeze' });
    // Without a sha the command cannot be read: it is refused in PagerDuty, not guessed.
    expect(note('/hotfix')).toMatchObject({ action: null, unreadable: expect.stringContaining("'sha'") });
  });

  test('a command only counts at the start of a note', () => {
    expect(note('we should /rollback soon')?.action).toBeNull();
  });

  test('Firebreak’s own notes coming back as webhooks are ignored', () => {
    expect(note('[Firebreak] rollback refused: already mitigating')).toBeNull();
  });

  test('a configured incident workflow asks for its action, by name or by id', () => {
    const byName = childEvent('incident.workflow.started', {
      type: 'incident_workflow_instance',
      incident_workflow: { id: 'PWF1', type: 'incident_workflow_reference', summary: 'Roll back' },
    });
    expect(deliver(byName)).toMatchObject({
      action: { action: 'rollback' },
      statusChange: false,
      summary: "PagerDuty incident workflow 'Roll back' run by Ada Lovelace",
    });
    const byId = childEvent('incident.workflow.started', {
      incident_workflow: { id: 'PWFESC', summary: 'Page the leads' },
    });
    expect(deliver(byId)?.action).toEqual({ action: 'escalate' });
  });

  test('an incident workflow Firebreak has no action for is only recorded', () => {
    const other = childEvent('incident.workflow.started', {
      incident_workflow: { id: 'PWF9', summary: 'Open a Zoom bridge' },
    });
    expect(deliver(other)).toMatchObject({ action: null });
  });

  test('an action without a person (automation) is attributed to PagerDuty', () => {
    expect(deliver(incidentEvent('incident.acknowledged', {}, null))?.actor).toEqual({
      by: 'PagerDuty',
      channel: 'pagerduty',
    });
  });

  test('event types Firebreak does not use are ignored', () => {
    expect(deliver(incidentEvent('incident.priority_updated'))).toBeNull();
    expect(deliver({ event: { id: '01P', event_type: 'pagey.ping', data: {} } })).toBeNull();
  });

  test('a body that is not a v3 webhook is refused', () => {
    expect(() => parseWebhookEvent({ messages: [] })).toThrow(WebhookFormatError);
    expect(() => parseWebhookEvent({ event: { id: 1 } })).toThrow(WebhookFormatError);
  });
});
