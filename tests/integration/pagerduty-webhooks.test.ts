// Hearing PagerDuty: the stand-in sends signed v3 webhooks for what a responder does in its UI, and
// the incident follows — acknowledge, resolve, notes, note commands, incident workflows — with the
// same validation and authorization as the API, refusals answered in PagerDuty, and forgeries,
// duplicates, late retries and unknown incidents handled as PagerDuty expects.
import https from 'node:https';
import axios from 'axios';
import { workflowIdForGroup } from '../../domain/ids';
import * as attributes from '../../domain/search-attributes';
import { SANDBOX_INCIDENT_WORKFLOWS, SANDBOX_WEBHOOK_SECRET } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const WEBHOOK = '/v1/pagerduty/webhook';
const MALLORY = { id: 'PUSER66', name: 'Mallory', email: 'mallory@example.test' };

describe('PagerDuty webhooks drive the incident', () => {
  let h: Harness;
  let id: string;
  let pagerDutyId: string;
  /** Webhooks delivered again later, as duplicates and as a late retry. */
  let ackWebhookId = '';
  let noteWebhookId = '';

  beforeAll(async () => {
    // Only the lead and whoever is on call (Ada at level 1, Grace at level 2) may act.
    h = await startHarness({ policy: { responders: { users: ['lead@example.test'], onCall: true } } });
    // Mallory has a PagerDuty account but is on call for something else.
    h.sandbox.pagerduty.setOnCall('POTHER', [MALLORY]);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const pd = () => h.sandbox.pagerduty;
  const timeline = async () => (await h.incidents.get(id))?.timeline ?? [];
  const notesInPagerDuty = () =>
    pd()
      .incidents()
      .find((i) => i.id === pagerDutyId)
      ?.notes.map((n) => n.content) ?? [];
  const postRaw = (body: string, headers: Record<string, string>) =>
    fetch(`${h.apiUrl}${WEBHOOK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  test('once paged, the incident knows its PagerDuty incident and can be found by it', async () => {
    const response = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    id = response.body.incidents[0].id;
    const state = await h.waitForState(id, (s) => s.pagerDuty.incidentId !== null, 'the PagerDuty incident');
    pagerDutyId = pd()
      .incidents()
      .find((i) => i.dedupKey === id)?.id as string;
    expect(state.pagerDuty).toMatchObject({ incidentId: pagerDutyId, incidentNumber: 1, escalationLevel: 1 });
    const query = `${attributes.PAGERDUTY_INCIDENT.name} = '${pagerDutyId}'`;
    const deadline = Date.now() + 10_000;
    let found = 0;
    while (Date.now() < deadline && found === 0)
      found = await h.client.workflow.count(query).then((c) => c.count);
    expect(found).toBe(1);
  });

  test('a webhook without a usable signature is refused with 400, a forged one with 403, and nothing changes', async () => {
    const body = JSON.stringify({
      event: {
        id: '01FORGED',
        event_type: 'incident.resolved',
        data: { id: pagerDutyId, type: 'incident', incident_key: id },
      },
    });
    const missing = await postRaw(body, {});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.code).toBe('bad_signature');
    expect((await postRaw(body, { 'x-pagerduty-signature': 'sha256=abc' })).status).toBe(400);

    const [note] = await pd().as('PUSER01').addNote(pagerDutyId, 'checking the pods');
    expect(note?.status).toBe(202);
    noteWebhookId = note?.webhookId as string;
    expect(await pd().forgeWebhook(note?.webhookId as string, { secret: 'a-guessed-secret' })).toBe(403);
    expect(await pd().forgeWebhook(note?.webhookId as string, { signature: null })).toBe(400);
    const state = await h.incidents.get(id);
    expect(state?.status).toBe('paged');
  });

  test('a note in PagerDuty lands in the timeline, found through PagerDuty’s incident id', async () => {
    const state = await h.waitForState(id, (s) => s.timeline.some((t) => t.kind === 'pagerduty'), 'the note');
    expect(state.timeline.find((t) => t.kind === 'pagerduty')).toMatchObject({
      message: 'note in PagerDuty by Ada Lovelace: checking the pods',
      actor: { by: 'Ada Lovelace', channel: 'pagerduty', userId: 'PUSER01' },
      timeSource: 'vendor',
    });
  });

  test('while the signing secret is rotated, webhooks signed with old and new are accepted', async () => {
    pd().setWebhookSecrets(h.webhookSubscriptionId, ['the-old-secret', SANDBOX_WEBHOOK_SECRET]);
    try {
      const [reassigned] = await pd().as('PUSER01').reassign(id, 'PUSER02');
      expect(reassigned?.status).toBe(202);
    } finally {
      pd().setWebhookSecrets(h.webhookSubscriptionId, [SANDBOX_WEBHOOK_SECRET]);
    }
  });

  test('escalated, reassigned and delegated in PagerDuty are recorded in the timeline', async () => {
    await pd().as('PUSER01').escalate(id, 2);
    pd().setOnCall('PPAYMENTS', [{ id: 'PUSER09', name: 'Katherine Johnson', email: 'kj@example.test' }]);
    await pd().as('PUSER01').delegate(id, 'PPAYMENTS');
    const messages = (
      await h.waitForState(
        id,
        (s) => s.timeline.filter((t) => t.kind === 'pagerduty').length >= 4,
        'the timeline',
      )
    ).timeline
      .filter((t) => t.kind === 'pagerduty')
      .map((t) => t.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'reassigned in PagerDuty by Ada Lovelace; now assigned to Grace Hopper',
        'escalated in PagerDuty; now assigned to Grace Hopper',
        'delegated in PagerDuty by Ada Lovelace to Escalation policy PPAYMENTS',
      ]),
    );
  });

  test('someone neither listed nor on call is refused with 403 through the API, and the refusal is recorded', async () => {
    const response = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'acknowledge',
      by: 'mallory@example.test',
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toEqual({
      code: 'forbidden',
      message: `mallory@example.test is neither on call for ${h.service} nor listed among its responders`,
    });
    expect((await timeline()).find((t) => t.kind === 'action-refused')).toMatchObject({
      message: expect.stringContaining('acknowledge by mallory@example.test refused'),
      actor: { by: 'mallory@example.test', channel: 'api' },
    });
    expect((await h.incidents.get(id))?.status).toBe('paged');
  });

  test('a note command from someone not allowed is refused, recorded, and answered in PagerDuty', async () => {
    const [delivery] = await pd().as(MALLORY.id).addNote(id, '/resolve all good');
    expect(delivery?.status).toBe(202);
    const state = await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.kind === 'action-refused' && t.actor.channel === 'pagerduty'),
      'the refusal',
    );
    expect(state.status).toBe('paged');
    await waitFor(
      () => notesInPagerDuty().some((n) => n.startsWith('[Firebreak] resolve refused')),
      'the note',
    );
    expect(notesInPagerDuty()).toContain(
      `[Firebreak] resolve refused: Mallory is neither on call for ${h.service} nor listed among its responders`,
    );
  });

  test('acknowledged in PagerDuty acknowledges the incident, with the TTA of the moment it happened there', async () => {
    const [delivery] = await pd().as('PUSER01').acknowledge(id);
    expect(delivery?.status).toBe(202);
    const state = await h.waitForState(id, (s) => s.status === 'acknowledged', 'the acknowledgement');
    const occurredAt = JSON.parse(delivery?.body ?? '{}').event.occurred_at;
    expect(state.times.acknowledged).toBe(occurredAt);
    expect(state.timeline.find((t) => t.kind === 'acknowledged')?.actor).toEqual({
      by: 'Ada Lovelace',
      channel: 'pagerduty',
      userId: 'PUSER01',
    });
    // PagerDuty already knows: Firebreak sends no acknowledge event of its own.
    expect(pd().events.filter((e) => e.action === 'acknowledge' && e.dedupKey === id)).toHaveLength(0);
    ackWebhookId = delivery?.webhookId as string;
  });

  test('the same webhook delivered twice acts once and is answered 2xx both times', async () => {
    expect((await pd().redeliverWebhook(noteWebhookId)).status).toBe(202);
    expect((await pd().redeliverWebhook(ackWebhookId)).status).toBe(202);
    // A marker after the duplicates: once it is in the timeline, the duplicates have been handled.
    await pd().as('PUSER01').addNote(id, 'duplicates sent');
    const state = await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.message.endsWith('duplicates sent')),
      'the marker',
    );
    expect(state.timeline.filter((t) => t.message.endsWith('checking the pods'))).toHaveLength(1);
    expect(state.timeline.filter((t) => t.kind === 'acknowledged')).toHaveLength(1);
    // The repeated acknowledgement was not taken for a second one and refused as "already acknowledged".
    expect(state.timeline.filter((t) => t.kind === 'action-refused')).toHaveLength(2);
  });

  test('a note command goes through the same validation as the API, and the reason is answered in PagerDuty', async () => {
    await pd().as('PUSER01').addNote(id, `/rollback ${h.sandbox.history.currentSha}`);
    await waitFor(
      () => notesInPagerDuty().some((n) => n.startsWith('[Firebreak] rollback refused')),
      'the note',
    );
    expect(notesInPagerDuty().find((n) => n.startsWith('[Firebreak] rollback refused'))).toContain(
      'target equals the current deploy',
    );
    expect(
      (await timeline()).some((t) => t.kind === 'action-refused' && t.message.includes('/rollback')),
    ).toBe(true);
  });

  test('running the "Roll back" incident workflow in PagerDuty rolls back, and says so there', async () => {
    const [delivery] = await pd().as('PUSER02').runWorkflow(id, SANDBOX_INCIDENT_WORKFLOWS.rollback);
    expect(delivery?.status).toBe(202);
    const state = await h.waitForState(id, (s) => s.status === 'mitigated', 'the rollback', 30_000);
    expect(state.rollbacks[0]).toMatchObject({
      targetSha: h.sandbox.history.candidateSha,
      requestedBy: { by: 'Grace Hopper', channel: 'pagerduty', userId: 'PUSER02' },
      result: 'SUCCESS',
    });
    await waitFor(
      () => notesInPagerDuty().some((n) => n.startsWith('[Firebreak] rollback: rollback to')),
      'the note',
    );
    const how = "PagerDuty incident workflow 'Roll back' run by Grace Hopper: rollback to";
    expect(state.timeline.some((t) => t.kind === 'pagerduty' && t.message.startsWith(how))).toBe(true);
    // PagerDuty's service page shows the rollback as a change event, linked to its build.
    await waitFor(() => pd().changeEvents.some((c) => c.summary.includes(id)), 'the change event');
    expect(pd().changeEvents.find((c) => c.summary.includes(id))?.body).toMatchObject({
      links: [{ href: state.rollbacks[0]?.buildUrl, text: 'Rollback build' }],
    });
  });

  test('resolved in PagerDuty resolves and closes the incident, without resolving the page again', async () => {
    await pd().as('PUSER01').resolve(id);
    await waitFor(async () => (await h.get(`/v1/incidents/${id}/report`)).body.draft === false, 'the report');
    const report = (await h.get(`/v1/incidents/${id}/report`)).body;
    expect(report).toMatchObject({ status: 'closed', resolvedBy: 'Ada Lovelace (pagerduty)' });
    expect(report.resolution).toBe('resolved in PagerDuty by Ada Lovelace');
    expect(pd().events.filter((e) => e.action === 'resolve' && e.dedupKey === id)).toHaveLength(0);
  });

  test('a retry arriving after the incident closed is answered 2xx and ignored, with a log line', async () => {
    await h.client.workflow.getHandle(workflowIdForGroup(h.service)).result();
    const late = await pd().redeliverWebhook(ackWebhookId);
    expect(late.status).toBe(200);
    expect(h.logLines.some((l) => l.includes('incident.acknowledged') && l.includes('incident closed'))).toBe(
      true,
    );
  });

  test('a webhook for an incident Firebreak did not open is answered 2xx and ignored, with a log line', async () => {
    const agent = new https.Agent({ ca: pd().caCert });
    await axios.post(
      `${pd().url}/v2/enqueue`,
      {
        routing_key: 'someoneelsesroutingkey0000000000',
        event_action: 'trigger',
        dedup_key: 'not-firebreak',
        payload: { summary: 'disk full', source: 'db1', severity: 'error' },
      },
      { httpsAgent: agent },
    );
    agent.destroy();
    const [delivery] = await pd().as('PUSER01').acknowledge('not-firebreak');
    expect(delivery?.status).toBe(200);
    expect(h.logLines.some((l) => l.includes('unknown incident'))).toBe(true);
  });
});

async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
