// A whole incident (alert, page, acknowledgement, recovery, report, close) replays from its history on
// the code that ran it. Set FIREBREAK_RECORD_HISTORY=<file> to keep that history as a fixture for
// tests/unit/workflows/replay.test.ts: record one on each release whose workflow code changed, and later
// versions are checked against it.
import { writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

describe('an incident history', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ flapWindowSeconds: 1 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a closed incident replays on the code that ran it, acknowledgement and all', async () => {
    const startsAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const opened = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service, { startsAt }));
    const id: string = opened.body.incidents[0].id;
    await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
    const ack = await h.post(`/v1/incidents/${id}/actions`, { action: 'acknowledge', by: 'alice' });
    expect(ack.status).toBe(200);
    const endsAt = new Date().toISOString();
    await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { status: 'resolved', startsAt, endsAt }),
    );
    await h.waitForClosed(id);

    const history = await h.client.workflow.getHandle(`incident-${h.service}`).fetchHistory();
    const kinds = (history.events ?? []).map((e) => e.eventType);
    expect(kinds).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED);
    expect(kinds).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    const bundle = { codePath: process.env.FIREBREAK_TEST_WORKFLOW_BUNDLE as string };
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history)).resolves.toBeUndefined();

    const file = process.env.FIREBREAK_RECORD_HISTORY;
    if (file) writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
  });
});
