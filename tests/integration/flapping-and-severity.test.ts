// Flapping and the severity policy on the time-skipping server: a re-fire within the flap window reopens
// the same incident without a new page; warnings are recorded, not paged; a severity rise raises the page.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Alert, AlertBatch } from '../../domain/alert';
import { incidentIdFor } from '../../domain/ids';
import type { IncidentReport } from '../../domain/report';
import type { Sandbox } from '../../sandbox';
import { startTimeSkippingWorld, untilState, type TimeSkippingWorld } from '../support/time-skipping';
import { alertsSignal } from '../../workflows/messages';

const MINUTE = 60_000;

describe('flapping and severity on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: Sandbox;
  let world: TimeSkippingWorld;

  beforeAll(async () => {
    world = await startTimeSkippingWorld({ name: 'flaps', sandbox: { service: 'flappy' } });
    ({ env, sandbox } = world);
  });
  afterAll(async () => world?.stop());

  const alert = (key: string, status: 'firing' | 'resolved', severity = 'critical'): Alert => ({
    source: 'generic',
    service: 'flappy',
    severity,
    summary: `${key} ${severity}`,
    labels: {},
    annotations: {},
    links: {},
    startsAt: '2026-11-20T10:00:00.000Z',
    endsAt: status === 'resolved' ? '2026-11-20T10:05:00.000Z' : null,
    status,
    occurrenceKey: key,
  });
  const batch = (...alerts: Alert[]): AlertBatch => ({
    deliveryId: `d-${Math.random()}`,
    receivedAt: new Date().toISOString(),
    truncated: 0,
    alerts,
  });

  async function open(group: string, first: Alert) {
    const handle = await env.client.workflow.signalWithStart('incidentWorkflow', {
      workflowId: `incident-${group}`,
      taskQueue: 'flaps',
      args: [{ group, service: 'flappy', indexed: false }],
      signal: alertsSignal,
      signalArgs: [batch(first)],
    });
    return { handle, id: incidentIdFor(`incident-${group}`, handle.signaledRunId) };
  }

  const triggers = (id: string) =>
    sandbox.pagerduty.events.filter((e) => e.action === 'trigger' && e.dedupKey === id);

  test('an alert that fires again within the flap window reopens the incident without a new page', async () => {
    const { handle, id } = await open('flap-a', alert('k1', 'firing'));
    await untilState(handle, (s) => s.times.paged !== null, 'the page');
    await handle.signal(alertsSignal, batch(alert('k1', 'resolved')));
    await untilState(handle, (s) => s.status === 'resolved', 'resolution');
    await env.sleep(2 * MINUTE);
    await handle.signal(alertsSignal, batch(alert('k2', 'firing')));
    const reopened = await untilState(handle, (s) => s.status !== 'resolved', 'the reopening');
    expect(reopened.flaps).toHaveLength(1);
    expect(triggers(id)).toHaveLength(1);
    await handle.signal(alertsSignal, batch(alert('k2', 'resolved')));
    await untilState(handle, (s) => s.status === 'resolved', 'resolution');
    await env.sleep(6 * MINUTE);
    const report = (await handle.result()) as IncidentReport;
    expect(report.status).toBe('closed');
    expect(report.flaps.map((f) => f.summary)).toEqual(['k2 critical']);
    expect(triggers(id)).toHaveLength(1);
  });

  test('an alert that fires after the flap window opens a new incident', async () => {
    const { handle } = await open('flap-b', alert('k1', 'firing'));
    await untilState(handle, (s) => s.times.paged !== null, 'the page');
    await handle.signal(alertsSignal, batch(alert('k1', 'resolved')));
    await untilState(handle, (s) => s.status === 'resolved', 'resolution');
    await env.sleep(6 * MINUTE);
    await handle.result();
    const next = await open('flap-b', alert('k3', 'firing'));
    expect(next.handle.signaledRunId).not.toBe(handle.signaledRunId);
    expect((await untilState(next.handle, (s) => s.alerts.total === 1, 'the next incident')).flaps).toEqual(
      [],
    );
  });

  test('a warning is recorded and notified but does not page; a rise to critical pages', async () => {
    const { handle, id } = await open('sev-a', alert('w1', 'firing', 'warning'));
    const quiet = await untilState(
      handle,
      (s) => s.timeline.some((t) => t.kind === 'not-paged'),
      'not-paged',
    );
    expect(quiet.times.paged).toBeNull();
    expect(triggers(id)).toHaveLength(0);
    await handle.signal(alertsSignal, batch(alert('c1', 'firing', 'critical')));
    const paged = await untilState(handle, (s) => s.times.paged !== null, 'the page');
    expect(paged.severity).toBe('critical');
    expect(triggers(id)).toHaveLength(1);
  });

  test('a severity rise on a paged incident raises the existing page', async () => {
    const { handle, id } = await open('sev-b', alert('e1', 'firing', 'error'));
    await untilState(handle, (s) => s.times.paged !== null, 'the page');
    await handle.signal(alertsSignal, batch(alert('c2', 'firing', 'critical')));
    await untilState(handle, (s) => s.timeline.some((t) => t.kind === 'page-escalated'), 'page-escalated');
    const sent = triggers(id).map((e) => (e.body as { payload: { severity: string } }).payload.severity);
    expect(sent).toEqual(['error', 'critical']);
  });
});
