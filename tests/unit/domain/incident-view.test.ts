// What readers of an incident get: its state with the alerts cut to a bounded, most useful selection
// and exact counts beside them, so a storm's incident stays readable under Temporal's 2 MB.
import type { Alert } from '../../../domain/alert';
import {
  newIncidentState,
  type AlertOccurrence,
  type Flap,
  type IncidentState,
  type TimelineEntry,
} from '../../../domain/incident';
import { incidentView, utf8Bytes, VIEW_LIMITS } from '../../../domain/incident-view';
import { buildReport, renderMarkdown } from '../../../domain/report';
import { renderHtml } from '../../../domain/report-html';
import { pageAlerts } from '../../../workflows/page-alerts';

const TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024;
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

function occurrence(n: number, status: Alert['status'], extra: Partial<Alert> = {}): AlertOccurrence {
  const at = new Date(T0 + n * 1000).toISOString();
  return {
    key: `fp${n.toString(16).padStart(14, '0')}@2026-11-20T10:00:00Z`,
    alert: {
      source: 'alertmanager',
      service: 'shop',
      severity: 'critical',
      summary: `host-${n} down`,
      labels: { alertname: 'HostDown', service: 'shop', instance: `host-${n}` },
      annotations: {},
      links: {},
      startsAt: '2026-11-20T10:00:00Z',
      endsAt: status === 'resolved' ? at : null,
      status,
      occurrenceKey: `fp${n}`,
      ...extra,
    },
    firstSeenAt: at,
    changedAt: at,
  };
}

function incident(alerts: AlertOccurrence[], overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    ...newIncidentState({ id: 'shop-1234abcd', workflowId: 'incident-shop', service: 'shop' }),
    severity: 'critical',
    title: 'host-0 down',
    status: 'paged',
    alerts,
    times: {
      impactStart: '2026-11-20T10:00:00Z',
      detected: '2026-11-20T10:00:05.000Z',
      paged: '2026-11-20T10:00:07.000Z',
      acknowledged: null,
      mitigated: null,
      resolved: null,
      closed: null,
    },
    ...overrides,
  };
}

const storm = (n: number, status: (i: number) => Alert['status'] = () => 'firing') =>
  Array.from({ length: n }, (_, i) => occurrence(i, status(i)));

describe('the incident view', () => {
  test('a small incident is its state unchanged, with the alert counts beside its alerts', () => {
    const alerts = [occurrence(0, 'firing'), occurrence(1, 'resolved'), occurrence(2, 'firing')];
    const state = incident(alerts);
    const { alerts: shownAlerts, flaps, flapCount, ...rest } = incidentView(state);
    const { alerts: _all, flaps: _flaps, ...stateRest } = state;
    expect(rest).toEqual(stateRest);
    expect(shownAlerts).toEqual({ total: 3, firing: 2, resolved: 1, shown: 3, omitted: 0, items: alerts });
    expect({ flaps, flapCount }).toEqual({ flaps: [], flapCount: 0 });
  });

  test('10,000 alerts are counted exactly and at most 500 are shown', () => {
    const view = incidentView(incident(storm(10_000, (i) => (i % 10 === 0 ? 'resolved' : 'firing'))));
    expect(view.alerts).toMatchObject({
      total: 10_000,
      firing: 9_000,
      resolved: 1_000,
      shown: 500,
      omitted: 9_500,
    });
    expect(view.alerts.items).toHaveLength(500);
  });

  test('the firing alerts are shown before the resolved ones', () => {
    // 100 alerts still firing, and 600 that resolved later than any of them fired.
    const alerts = [...storm(100), ...Array.from({ length: 600 }, (_, i) => occurrence(100 + i, 'resolved'))];
    const shown = incidentView(incident(alerts)).alerts.items;
    expect(shown.filter((o) => o.alert.status === 'firing')).toHaveLength(100);
    expect(shown.filter((o) => o.alert.status === 'resolved')).toHaveLength(400);
  });

  test('among alerts of the same status the most recently changed are shown, in the incident’s order', () => {
    const alerts = storm(2_000);
    // The first alert changed last of all: it is shown although it arrived first.
    alerts[0] = { ...(alerts[0] as AlertOccurrence), changedAt: new Date(T0 + 10_000_000).toISOString() };
    const keys = incidentView(incident(alerts)).alerts.items.map((o) => o.key);
    expect(keys).toEqual([alerts[0], ...alerts.slice(1501)].map((o) => o?.key));
  });

  test('fat alerts are shown fewer, within the byte budget, and one oversized alert crowds out nobody', () => {
    const fat = Array.from({ length: 1_000 }, (_, i) =>
      occurrence(i, 'firing', { annotations: { description: 'x'.repeat(4_000) } }),
    );
    const huge = occurrence(5_000, 'firing', { annotations: { description: 'é'.repeat(400_000) } });
    const view = incidentView(incident([...fat, huge]));
    const bytes = utf8Bytes(JSON.stringify(view.alerts.items));
    expect(bytes).toBeLessThanOrEqual(VIEW_LIMITS.alertBytes);
    expect(view.alerts.shown).toBeGreaterThan(50);
    expect(view.alerts.items.map((o) => o.key)).not.toContain(huge.key);
    expect(view.alerts).toMatchObject({ total: 1_001, omitted: 1_001 - view.alerts.shown });
  });

  test('a storm of realistic alerts with a full timeline answers well under 2 MB, where its state does not', () => {
    const labels = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`label_${i}`, `value-${i}-`.padEnd(40, 'v')]),
    );
    const alerts = Array.from({ length: 10_000 }, (_, i) =>
      occurrence(i, 'firing', {
        labels: { ...labels, instance: `host-${i}.eu-west-1.compute.internal:9100` },
        annotations: {
          summary: `host-${i} down`,
          description: 'Node exporter has not answered for 5 minutes. '.repeat(25),
          runbook_url: 'https://runbooks.example.com/host-down',
        },
        links: {
          runbook: 'https://runbooks.example.com/host-down',
          generator: 'https://prom.example.com/graph',
        },
      }),
    );
    const timeline: TimelineEntry[] = Array.from({ length: 2_000 }, (_, i) => ({
      at: new Date(T0 + i * 1000).toISOString(),
      timeSource: 'workflow',
      kind: 'notified',
      message: `Slack: escalated (host-${i}.eu-west-1.compute.internal:9100 has not answered) `.padEnd(
        200,
        '.',
      ),
      actor: { by: 'firebreak', channel: 'workflow' },
      data: { occurrence: `fp${i}`, channel: 'slack', audience: 'stakeholders', update: `escalated-${i}` },
    }));
    const state = incident(alerts, { timeline });
    expect(utf8Bytes(JSON.stringify(state))).toBeGreaterThan(TEMPORAL_PAYLOAD_LIMIT);
    const view = incidentView(state);
    expect(utf8Bytes(JSON.stringify(view))).toBeLessThan(1.25 * 1024 * 1024);
    expect(view.alerts.total).toBe(10_000);
    // The report travels to the archive with its Markdown in one payload, and is the workflow's result.
    const report = buildReport(state, '2026-11-20T12:00:00.000Z');
    const archived = utf8Bytes(JSON.stringify({ report, markdown: renderMarkdown(report) }));
    expect(archived).toBeLessThan(TEMPORAL_PAYLOAD_LIMIT * 0.75);
  });

  test('a long-flapping incident shows its last 100 flaps and says how many there were', () => {
    const flaps: Flap[] = Array.from({ length: 150 }, (_, i) => ({
      at: new Date(T0 + i * 60_000).toISOString(),
      occurrence: 'fp1',
      summary: `flap ${i}`,
    }));
    const view = incidentView(incident(storm(1), { flaps }));
    expect(view.flapCount).toBe(150);
    expect(view.flaps.map((f) => f.summary)).toEqual(flaps.slice(50).map((f) => f.summary));
  });

  test('sizes are counted in UTF-8 bytes, as Temporal counts them', () => {
    for (const text of ['plain', 'café', '日本語の警告', 'emoji 🔥 and 𝄞', 'lone \ud800 surrogate'])
      expect(utf8Bytes(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});

describe('the report of a storm', () => {
  const state = incident(storm(10_000, (i) => (i < 2_500 ? 'resolved' : 'firing')));
  const report = buildReport(state, '2026-11-20T12:00:00.000Z');

  test('counts every alert and lists the bounded selection', () => {
    expect(report.impact.alerts).toBe(10_000);
    expect(report.alerts).toMatchObject({
      total: 10_000,
      firing: 7_500,
      resolved: 2_500,
      shown: 500,
      omitted: 9_500,
    });
    expect(report.alerts.items).toHaveLength(500);
    expect(report.alerts.items.every((a) => a.status === 'firing')).toBe(true);
  });

  test('says in Markdown and HTML how many alerts there were, not how many are listed', () => {
    const line = '10,000 alert(s) (7,500 firing, 2,500 resolved; the JSON report lists 500 of them)';
    expect(renderMarkdown(report)).toContain(line);
    expect(renderHtml(report)).toContain(line);
  });

  test('a small incident’s report lists all its alerts without a "lists" note', () => {
    const small = buildReport(incident([occurrence(0, 'firing')]), '2026-11-20T12:00:00.000Z');
    expect(renderMarkdown(small)).toContain('1 alert(s) (1 firing, 0 resolved), from');
    expect(small.alerts.items.map((a) => a.summary)).toEqual(['host-0 down']);
  });
});

describe('a report archived before the counts existed', () => {
  test('still renders, counting its plain list of alerts from the impact', () => {
    const current = buildReport(
      incident([occurrence(0, 'firing'), occurrence(1, 'resolved')]),
      '2026-11-20T12:00:00.000Z',
    );
    const legacy = { ...current, alerts: current.alerts.items } as unknown as typeof current;
    delete legacy.flapCount;
    expect(renderMarkdown(legacy)).toContain('2 alert(s), from');
    expect(renderHtml(legacy)).toContain('2 alert(s), from');
  });
});

describe('the page of a storm', () => {
  test('carries 20 alerts, the exact count and the runbook of any alert to its activity', () => {
    const alerts = storm(10_000);
    alerts[3] = occurrence(3, 'firing', { links: { runbook: 'https://runbooks.test/host-down' } });
    const page = pageAlerts(alerts);
    expect(page.alerts).toHaveLength(20);
    expect(page.alertCount).toBe(10_000);
    expect(page.alertLinks).toEqual({ runbook: 'https://runbooks.test/host-down', dashboard: null });
  });
});
