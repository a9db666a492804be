// Stats over generated archives: counts and mean/percentile durations per service and severity,
// only within the period, and the failed-deployment recovery time only for incidents with a deploy.
import type { ReportSummary } from '../../../domain/report-summary';
import { computeStats, describe as describeValues, parseSince } from '../../../domain/stats';

const MINUTE = 60_000;

function summary(n: number, overrides: Partial<ReportSummary> = {}): ReportSummary {
  return {
    id: `shop-${String(n).padStart(8, '0')}`,
    service: 'shop',
    severity: 'critical',
    detected: `2026-11-${String(1 + (n % 20)).padStart(2, '0')}T10:00:00.000Z`,
    resolved: null,
    ttdMs: MINUTE,
    ttdFromDeployMs: null,
    ttaMs: 2 * MINUTE,
    ttmMs: null,
    ttrMs: n * MINUTE,
    failedDeploymentRecoveryMs: null,
    suspectDeploy: null,
    pages: 1,
    actions: {},
    rollbacks: [],
    automaticRollback: false,
    followUps: 0,
    ...overrides,
  };
}

const PERIOD = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };

describe('incident stats', () => {
  test('TTR of 1..100 minutes has a mean of 50.5 minutes and nearest-rank percentiles', () => {
    const stats = computeStats(
      Array.from({ length: 100 }, (_, i) => summary(i + 1)),
      PERIOD,
    );
    expect(stats.count).toBe(100);
    expect(stats.groups).toHaveLength(1);
    expect(stats.groups[0]?.mttr).toEqual({
      count: 100,
      mean: 50.5 * MINUTE,
      p50: 50 * MINUTE,
      p90: 90 * MINUTE,
      p95: 95 * MINUTE,
      p99: 99 * MINUTE,
      max: 100 * MINUTE,
    });
    expect(stats.groups[0]?.mtta.mean).toBe(2 * MINUTE);
  });

  test('groups by service and severity, and filters by service', () => {
    const archive = [
      summary(1),
      summary(2, { severity: 'error' }),
      summary(3, { service: 'cart', id: 'cart-1' }),
    ];
    const stats = computeStats(archive, PERIOD);
    expect(stats.groups.map((g) => [g.service, g.severity, g.count])).toEqual([
      ['cart', 'critical', 1],
      ['shop', 'critical', 1],
      ['shop', 'error', 1],
    ]);
    expect(computeStats(archive, { ...PERIOD, service: 'cart' }).count).toBe(1);
  });

  test('leaves out incidents detected outside the period', () => {
    const stats = computeStats(
      [summary(1), summary(2, { detected: '2026-10-31T23:59:59.000Z' }), summary(3, { detected: null })],
      PERIOD,
    );
    expect(stats.count).toBe(1);
  });

  test('the failed-deployment recovery time is measured over incidents linked to a deploy only', () => {
    const stats = computeStats(
      [
        summary(1, { suspectDeploy: 'abc', failedDeploymentRecoveryMs: 40 * MINUTE }),
        summary(2, { suspectDeploy: 'def', failedDeploymentRecoveryMs: 20 * MINUTE }),
        summary(3),
      ],
      PERIOD,
    );
    expect(stats.overall.linkedToDeploy).toBe(2);
    expect(stats.overall.failedDeploymentRecovery).toMatchObject({ count: 2, mean: 30 * MINUTE });
  });

  test('charts mean TTR per day and service', () => {
    const stats = computeStats(
      [summary(20, { ttrMs: 10 * MINUTE }), summary(40, { ttrMs: 30 * MINUTE })],
      PERIOD,
    );
    expect(stats.ttrOverTime).toEqual([
      { service: 'shop', points: [{ day: '2026-11-01', count: 2, meanTtrMs: 20 * MINUTE }] },
    ]);
  });

  test('a measure nobody has is null, not zero', () => {
    expect(describeValues([])).toMatchObject({ count: 0, mean: null, p99: null });
  });

  test('periods count back from now; ISO dates are taken as they are; anything else is refused', () => {
    const now = Date.parse('2026-12-01T00:00:00.000Z');
    expect(parseSince('30d', now)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('12h', now)).toBe('2026-11-30T12:00:00.000Z');
    expect(parseSince('2026-11-15', now)).toBe('2026-11-15T00:00:00.000Z');
    expect(parseSince('last week', now)).toBeNull();
  });
});
