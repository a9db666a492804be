// The report of an incident with known events and times: who did what, safety warnings, the freeze,
// follow-ups and links come out of the timeline; the HTML rendering escapes what alerts and people wrote.
import type { IncidentState, TimelineEntry } from '../../../domain/incident';
import { DEFAULT_POLICY } from '../../../domain/policy';
import { buildReport, renderMarkdown } from '../../../domain/report';
import { renderHtml } from '../../../domain/report-html';
import { summarizeReport } from '../../../domain/report-summary';

const ENGINE = { by: 'firebreak', channel: 'workflow' } as const;
const ADA = { by: 'ada@example.test', channel: 'dashboard' } as const;

function entry(
  at: string,
  kind: string,
  message: string,
  actor: TimelineEntry['actor'] = ENGINE,
  data?: Record<string, unknown>,
): TimelineEntry {
  return { at, timeSource: 'workflow', kind, message, actor, ...(data ? { data } : {}) };
}

function incident(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    id: 'shop-1234abcd',
    workflowId: 'incident-shop',
    service: 'shop',
    severity: 'critical',
    title: 'checkout 5xx above 10%',
    status: 'closed',
    alerts: [],
    profile: null,
    enrichment: null,
    policy: { ...DEFAULT_POLICY },
    pagerDuty: {
      incidentId: 'PINC1',
      incidentNumber: 7,
      url: 'https://pd.test/incidents/PINC1',
      escalationLevel: 1,
    },
    times: {
      impactStart: '2026-11-20T10:00:00.000Z',
      detected: '2026-11-20T10:01:00.000Z',
      paged: '2026-11-20T10:01:02.000Z',
      acknowledged: '2026-11-20T10:04:02.000Z',
      mitigated: '2026-11-20T10:11:00.000Z',
      resolved: '2026-11-20T10:31:00.000Z',
      closed: '2026-11-20T10:31:01.000Z',
    },
    rollbacks: [
      {
        requestId: 'shop-1234abcd-rollback-1',
        targetSha: 'ca11ed'.padEnd(40, '0'),
        requestedBy: ADA,
        requestedAt: '2026-11-20T10:05:00.000Z',
        forced: true,
        buildNumber: 12,
        buildUrl: 'https://jenkins.test/job/rollback/12/',
        result: 'SUCCESS',
        finishedAt: '2026-11-20T10:11:00.000Z',
      },
    ],
    resolution: 'rolled back',
    resolvedBy: ADA,
    followUps: [
      'Slack opened failed: 500',
      { text: 'run the skipped integration tests' },
    ] as unknown as string[],
    flaps: [],
    // Deliberately out of order: the report sorts by time.
    timeline: [
      entry('2026-11-20T10:05:00.000Z', 'action', 'rollback to ca11ed000000 requested', ADA, {
        requestId: 'r1',
      }),
      entry('2026-11-20T10:01:02.000Z', 'paged', 'paged through PagerDuty'),
      entry('2026-11-20T10:04:02.000Z', 'acknowledged', 'acknowledged by ada@example.test', ADA),
      entry('2026-11-20T10:05:01.000Z', 'safety-warning', 'rollback target is 3h 00m 00s old'),
      entry('2026-11-20T10:05:02.000Z', 'freeze-on', 'deploys frozen: issue #42'),
      entry('2026-11-20T10:11:00.000Z', 'mitigated', 'rollback succeeded', ENGINE, {
        buildUrl: 'https://jenkins.test/job/rollback/12/',
      }),
      entry('2026-11-20T10:20:00.000Z', 'freeze-off', 'freeze lifted'),
      entry('2026-11-20T10:31:00.000Z', 'resolved', 'rolled back', ADA),
    ],
    ...overrides,
  };
}

describe('the report of an incident with known events', () => {
  const report = buildReport(incident(), '2026-11-20T10:31:01.000Z');
  const markdown = renderMarkdown(report);

  test('the timeline is in time order whatever order it was recorded in', () => {
    const times = report.timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(report.timeline[0]?.kind).toBe('paged');
  });

  test('each timeline row says when, where that time came from, what, and who through which channel', () => {
    expect(markdown).toContain(
      '| 2026-11-20T10:04:02.000Z | workflow | acknowledged | ada@example.test (dashboard) | acknowledged by ada@example.test |',
    );
  });

  test('has every timing from the known times: TTD, TTA, TTM, TTR and the impact', () => {
    expect(report.timings).toMatchObject({ ttdMs: 60_000, ttaMs: 180_000, ttmMs: 600_000, ttrMs: 1_800_000 });
    expect(report.impact).toEqual({
      startedAt: '2026-11-20T10:00:00.000Z',
      endedAt: '2026-11-20T10:31:00.000Z',
      durationMs: 31 * 60_000,
      alerts: 0,
    });
    expect(markdown).toContain('| TTM | 10m 00s |');
  });

  test('says who did what, leaving out the engine’s own steps', () => {
    expect(report.participants).toEqual([
      {
        by: 'ada@example.test',
        channel: 'dashboard',
        entries: [
          {
            at: '2026-11-20T10:04:02.000Z',
            kind: 'acknowledged',
            message: 'acknowledged by ada@example.test',
          },
          { at: '2026-11-20T10:05:00.000Z', kind: 'action', message: 'rollback to ca11ed000000 requested' },
          { at: '2026-11-20T10:31:00.000Z', kind: 'resolved', message: 'rolled back' },
        ],
      },
    ]);
    expect(markdown).toContain('- **ada@example.test** (dashboard)');
  });

  test('lists the safety warnings, the freeze period and the follow-ups, whatever their shape', () => {
    expect(report.safetyWarnings).toEqual([
      { at: '2026-11-20T10:05:01.000Z', message: 'rollback target is 3h 00m 00s old' },
    ]);
    expect(report.freezes).toEqual([
      {
        on: '2026-11-20T10:05:02.000Z',
        off: '2026-11-20T10:20:00.000Z',
        reason: 'deploys frozen: issue #42',
      },
    ]);
    expect(report.followUps).toEqual(['Slack opened failed: 500', 'run the skipped integration tests']);
    expect(markdown).toContain('## Safety warnings');
    expect(markdown).toContain('- [ ] run the skipped integration tests');
  });

  test('links the PagerDuty incident and the rollback build', () => {
    expect(report.links.pagerDuty).toBe('https://pd.test/incidents/PINC1');
    expect(report.links.more).toEqual([{ label: 'mitigated', url: 'https://jenkins.test/job/rollback/12/' }]);
  });

  test('its summary for the archive index carries the timings, pages, actions and rollback results', () => {
    expect(summarizeReport(report)).toMatchObject({
      id: 'shop-1234abcd',
      service: 'shop',
      severity: 'critical',
      ttaMs: 180_000,
      ttrMs: 1_800_000,
      pages: 1,
      actions: { acknowledge: 1, rollback: 1, resolve: 1 },
      rollbacks: ['SUCCESS'],
      followUps: 2,
    });
  });
});

describe('the HTML report', () => {
  const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  const state = incident({
    title: hostile,
    resolution: `"><b>${hostile}`,
    timeline: [entry('2026-11-20T10:02:00.000Z', 'note', hostile, { by: `<i>mallory</i>`, channel: 'api' })],
    alerts: [
      {
        key: 'k',
        firstSeenAt: '2026-11-20T10:01:00.000Z',
        changedAt: '2026-11-20T10:01:00.000Z',
        alert: {
          source: 'alertmanager',
          service: 'shop',
          severity: 'critical',
          summary: hostile,
          labels: {},
          annotations: {},
          links: { runbook: 'javascript:alert(3)' },
          startsAt: '2026-11-20T10:00:00.000Z',
          endsAt: null,
          status: 'firing',
          occurrenceKey: 'k',
        },
      },
    ],
  });
  const html = renderHtml(buildReport(state, '2026-11-20T10:31:01.000Z'));

  test('escapes everything that came from alerts and people', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>mallory');
    expect(html).not.toContain('"><b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;i&gt;mallory&lt;/i&gt;');
  });

  test('never turns a javascript: URL into a link', () => {
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('javascript:alert(3)');
  });

  test('has the sections of the report: summary, timings, what changed, timeline', () => {
    for (const heading of ['Impact', 'Timings', 'What changed', 'Rollbacks', 'Follow-ups', 'Timeline'])
      expect(html).toContain(`<h2>${heading}</h2>`);
    expect(html).toContain('<td>TTA</td><td>3m 00s</td>');
  });
});
