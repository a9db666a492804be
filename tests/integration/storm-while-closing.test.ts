// A storm of 10,000 distinct alerts arrives while its group's incident is closing (a slow Jira holds the
// close): they open the group's next incident, which carries what fits in one Temporal payload and
// counts the rest, instead of a continue-as-new past the 2 MB limit that would never complete.
import type { IncidentView } from '../../domain/incident-view';
import {
  alertmanagerPayload,
  openIncidentOf,
  postConcurrently,
  startHarness,
  stormNotification,
  type Harness,
} from '../support/harness';

const ALERTS = 10_000;
const PER_NOTIFICATION = 100;
const SENDERS = 8;
/** Every Jira call on the ticket at close takes this long, so the close lasts about 20 s. */
const JIRA_DELAY_MS = 5_000;

const leftOut = (s: IncidentView): number =>
  s.timeline
    .filter((e) => e.kind === 'alerts-truncated')
    .reduce((n, e) => n + Number(e.data?.leftOutOfCarryOver ?? 0), 0);

describe('a storm while the incident closes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('opens the next incident with every alert carried or counted', async () => {
    const opened = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const first = opened.body.incidents[0].id as string;
    const state = await h.waitForState(
      first,
      (s) => s.ticket !== null && s.ticket !== undefined,
      'the ticket',
    );
    h.sandbox.jira.addFault({
      pathPrefix: `/rest/api/3/issue/${state.ticket?.key as string}`,
      status: 0,
      delayMs: JIRA_DELAY_MS,
      times: 4,
    });
    const resolved = await h.post(`/v1/incidents/${first}/actions`, { action: 'resolve', by: 'ada' });
    expect(resolved.status).toBe(200);

    const storm = Array.from({ length: ALERTS / PER_NOTIFICATION }, (_, i) =>
      stormNotification(h.service, i * PER_NOTIFICATION, PER_NOTIFICATION, { prefix: 'c105' }),
    );
    const statuses = await postConcurrently(h, '/v1/alerts/alertmanager', storm, SENDERS);
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    await h.waitForClosed(first);
    const next = await openIncidentOf(h, first);
    const carried = await h.waitForState(
      next,
      (s) => s.alerts.total + leftOut(s) === ALERTS,
      'every alert carried or counted',
      30_000,
    );
    // The storm was past what one payload carries: some were counted, not carried.
    expect(leftOut(carried)).toBeGreaterThan(0);
    expect(carried.alerts.total).toBeGreaterThan(0);
    expect(carried.timeline.find((e) => e.kind === 'alerts-truncated')?.message).toContain(
      'fired while the previous incident closed',
    );
    // The closing incident's report was archived and served.
    expect((await h.get(`/v1/incidents/${first}/report?format=json`)).body).toMatchObject({
      id: first,
      draft: false,
    });
  }, 60_000);
});
