// The page is absolutely required: when PagerDuty's Events API fails (5xx) or throttles (429), the
// workflow retries as Temporal's policy says, waits as long as PagerDuty asked, and pages once.
import { workflowIdForGroup } from '../../domain/ids';
import type { ReceivedRequest } from '../../sandbox/stand-in';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

describe('paging through Events API failures', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const pd = () => h.sandbox.pagerduty;
  const triggersFor = (id: string) => pd().events.filter((e) => e.action === 'trigger' && e.dedupKey === id);
  const faults = (status: number) =>
    pd()
      .requests('POST', '/v2/enqueue')
      .filter((r) => r.body === `(fault ${status})`);

  async function pageAndClose(fingerprint: string): Promise<{ id: string; pagedAt: number }> {
    const response = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service, { fingerprint }));
    const id = response.body.incidents[0].id as string;
    const state = await h.waitForState(id, (s) => s.times.paged !== null, 'the page', 20_000);
    expect(state.followUps).toEqual([]);
    const pagedAt = Date.parse(
      (
        pd()
          .requests('POST', '/v2/enqueue')
          .find((r) => isTriggerOf(r, id)) as ReceivedRequest
      ).at,
    );
    // Resolve and wait until the incident has closed, so nothing of it meets the next test's faults.
    await h.post(`/v1/incidents/${id}/actions`, { action: 'resolve', by: 'ada@example.test' });
    await h.waitForState(id, (s) => s.timeline.some((t) => t.kind === 'page-resolved'), 'the page resolved');
    // Closed for good: an alert arriving while the run closes would still be handed to this incident.
    await h.client.workflow.getHandle(workflowIdForGroup(h.service)).result();
    return { id, pagedAt };
  }

  test('PagerDuty answering 500 twice: the page is retried and reaches it once', async () => {
    pd().addFault({ pathPrefix: '/v2/enqueue', status: 500, body: { status: 'error' }, times: 2 });
    const { id } = await pageAndClose('a1');
    expect(faults(500)).toHaveLength(2);
    expect(triggersFor(id)).toHaveLength(1);
  });

  test('PagerDuty throttling the page (429, retry after 2 s): Firebreak waits that long, then pages once', async () => {
    // Four answers, because pdjs re-sends a 429 three times by itself before giving up.
    pd().addFault({
      pathPrefix: '/v2/enqueue',
      status: 429,
      body: { status: 'throttle event', message: 'Request Limit Exceeded' },
      headers: { 'retry-after': '2' },
      times: 4,
    });
    const { id, pagedAt } = await pageAndClose('b2');
    expect(faults(429)).toHaveLength(4);
    expect(triggersFor(id)).toHaveLength(1);
    const lastThrottled = Date.parse(faults(429).at(-1)?.at ?? '');
    expect(pagedAt - lastThrottled).toBeGreaterThanOrEqual(1900);
  });
});

function isTriggerOf(request: ReceivedRequest, id: string): boolean {
  const body = request.body as { event_action?: string; dedup_key?: string } | string;
  return typeof body === 'object' && body.event_action === 'trigger' && body.dedup_key === id;
}
