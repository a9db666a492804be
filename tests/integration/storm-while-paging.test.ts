// A storm on one alert group while its incident's first workflow task is still paging (the page runs as a
// local activity, so the task stays open). Temporal buffers the signals that arrive meanwhile, and past
// 2 MB of them it force-fails the open task (WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND). The TypeScript
// SDK 1.24 mishandles the replacement task ("Trying to send a new WFT for a run which already has one!"),
// and the cached incident then went on without some of the alerts. Intake must never let that happen.
import {
  alertmanagerPayload,
  openIncidentOf,
  postConcurrently,
  startHarness,
  stormNotification,
  type Harness,
} from '../support/harness';
import { failedWorkflowTasks } from '../support/history';

const ALERTS = 8000;
const PER_NOTIFICATION = 100;
const SENDERS = 8;
/** PagerDuty answers the first page this late, so the storm arrives while the first task is open. */
const PAGE_DELAY_MS = 3000;

describe('a storm while the incident is paging', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('every alert reaches the incident and no workflow task is force-failed for it', async () => {
    h.sandbox.pagerduty.addFault({ pathPrefix: '/v2/enqueue', status: 0, delayMs: PAGE_DELAY_MS, times: 1 });
    const opened = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    expect(opened.status).toBe(202);
    // About 4.5 MB of alerts for the same group, sent while the page is held.
    const storm = Array.from({ length: ALERTS / PER_NOTIFICATION }, (_, i) =>
      stormNotification(h.service, i * PER_NOTIFICATION, PER_NOTIFICATION, { prefix: 'b0f' }),
    );
    const statuses = await postConcurrently(h, '/v1/alerts/alertmanager', storm, SENDERS);
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    const state = await h.waitForState(
      await openIncidentOf(h),
      (s) => s.alerts.total === ALERTS + 1,
      'every alert in the incident',
      45_000,
      1000,
    );
    expect(state.timeline.filter((e) => e.kind === 'paged')).toHaveLength(1);
    expect(await failedWorkflowTasks(h.service)).toEqual([]);
  }, 90_000);
});
