// A worker killed in the middle of a notification and of the ticket's create: the next worker finds the
// ticket Jira already made (one ticket, never two) and delivers the milestone the dead worker never got
// an answer for (none lost).
import type { ChildProcess } from 'node:child_process';
import { adfPlainText } from '../../integrations/adf';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';
import { killWorker, startWorkerProcess, until } from '../support/worker-processes';

describe('a worker killed mid-notification', () => {
  let h: Harness;
  let worker: ChildProcess | null = null;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    if (worker) await killWorker(worker);
    await h?.stop();
  });

  test('leaves one ticket and every milestone delivered once the next worker takes over', async () => {
    // Jira stores the ticket but answers only after the worker is gone; Slack holds the opening and then fails it.
    h.sandbox.jira.holdNextCreate(12_000);
    h.sandbox.slack.addFault({
      pathPrefix: '/services/',
      status: 503,
      body: 'rollup_error',
      delayMs: 12_000,
      times: 1,
    });
    worker = await startWorkerProcess(h);
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = intake.body.incidents[0].id;
    await until(() => h.sandbox.jira.issues().length === 1, 'Jira to store the ticket');
    await killWorker(worker);

    worker = await startWorkerProcess(h);
    const state = await h.waitForState(
      id,
      (s) =>
        Boolean(s.ticket) && s.timeline.some((t) => t.kind === 'notified' && t.message === 'Slack: opened'),
      'the ticket and the opening after the crash',
      60_000,
    );
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    expect(state.ticket?.key).toBe('OPS-1');
    expect(state.timeline.find((t) => t.kind === 'ticket-opened')?.message).toContain(
      'found (opened by an earlier attempt)',
    );
    const openings = h.sandbox.slack.messages.filter((m) =>
      JSON.stringify(m.body).includes('incident opened'),
    );
    expect(openings).toHaveLength(1);

    await h.post(`/v1/incidents/${id}/actions`, { action: 'acknowledge', by: 'ada@example.test' });
    await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada@example.test',
      resolution: 'fixed',
    });
    await h.waitForClosed(id);
    const issue = h.sandbox.jira.issues()[0];
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    expect(issue?.status).toBe('Done');
    const comments = (issue?.comments ?? []).map((c) => adfPlainText(c.body));
    expect(comments.filter((c) => c.includes('acknowledged by ada@example.test'))).toHaveLength(1);
    expect(comments.filter((c) => c.includes('Incident closed'))).toHaveLength(1);
  }, 120_000);
});
