// A small alert storm through the real API and Temporal server: every group gets exactly one incident
// and one page, every alert is accounted for, and no sender sees a 5xx. (Full size: `npm run bench`.)
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const GROUPS = 8;
const PER_GROUP = 50;
const SENDERS = 16;

describe('an alert storm', () => {
  let h: Harness;
  let services: string[];

  beforeAll(async () => {
    const base = `storm-${Math.random().toString(16).slice(2, 8)}`;
    services = Array.from({ length: GROUPS }, (_, i) => `${base}-${i}`);
    h = await startHarness({ service: services[0], extraServices: services.slice(1) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test(`${GROUPS * PER_GROUP} notifications from ${SENDERS} senders make ${GROUPS} incidents and ${GROUPS} pages`, async () => {
    const queue = services.flatMap((service) =>
      Array.from({ length: PER_GROUP }, (_, n) =>
        alertmanagerPayload(service, {
          fingerprint: n.toString(16).padStart(16, '0'),
          summary: `host-${n} down`,
        }),
      ),
    );
    queue.sort(() => Math.random() - 0.5);
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let body = queue.pop(); body; body = queue.pop()) {
          statuses.push((await h.post('/v1/alerts/alertmanager', body)).status);
        }
      }),
    );
    expect(statuses.filter((s) => s !== 202)).toEqual([]);

    const deadline = Date.now() + 60_000;
    const triggers = () => h.sandbox.pagerduty.events.filter((e) => e.action === 'trigger');
    while (triggers().length < GROUPS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // A page goes out from a local activity, before the workflow task that records the incident's search
    // attributes completes: the list (Temporal's visibility) can trail the pages by a moment.
    const openIncidents = async () =>
      (await h.incidents.list({ status: 'open' })).filter((i) => services.includes(i.service));
    let incidents = await openIncidents();
    while (incidents.length < GROUPS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      incidents = await openIncidents();
    }
    expect(incidents).toHaveLength(GROUPS);
    const counts = await Promise.all(
      incidents.map(
        async (i) =>
          (await h.waitForState(i.id, (s) => s.alerts.total === PER_GROUP, 'all alerts')).alerts.total,
      ),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(GROUPS * PER_GROUP);
    expect(triggers()).toHaveLength(GROUPS);
  });
});
