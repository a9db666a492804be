// Incident statistics over a period, per service and severity: how many, and how long each step took
// (mean and percentiles of TTD, TTA, TTM, TTR, and the failed-deployment recovery time of incidents
// linked to a deploy). Computed from archived summaries (domain/report-summary.ts); pure and linear.
import type { ReportSummary } from './report-summary';

export interface StatsQuery {
  /** ISO 8601; incidents detected at or after it. */
  since: string;
  /** ISO 8601; incidents detected before it. */
  until: string;
  service?: string;
  severity?: string;
}

/** Milliseconds; all null when no incident of the group has the measure. */
export interface MeasureStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface StatsGroup {
  service: string;
  severity: string;
  count: number;
  /** Incidents with a suspect deploy: the ones the failed-deployment recovery time is about. */
  linkedToDeploy: number;
  mttd: MeasureStats;
  /** Suspect deploy → detected. */
  mttdFromDeploy: MeasureStats;
  mtta: MeasureStats;
  mttm: MeasureStats;
  mttr: MeasureStats;
  failedDeploymentRecovery: MeasureStats;
}

export interface TtrPoint {
  /** The day (UTC, YYYY-MM-DD) incidents were detected. */
  day: string;
  count: number;
  meanTtrMs: number | null;
}

export interface Stats {
  since: string;
  until: string;
  count: number;
  /** Every incident of the period together. */
  overall: Omit<StatsGroup, 'service' | 'severity'>;
  groups: StatsGroup[];
  /** Mean TTR per day and service, for the dashboard's chart. */
  ttrOverTime: Array<{ service: string; points: TtrPoint[] }>;
}

type Measure = 'ttdMs' | 'ttdFromDeployMs' | 'ttaMs' | 'ttmMs' | 'ttrMs' | 'failedDeploymentRecoveryMs';

export function computeStats(summaries: readonly ReportSummary[], query: StatsQuery): Stats {
  const from = Date.parse(query.since);
  const to = Date.parse(query.until);
  const selected = summaries.filter((s) => {
    if (query.service && s.service !== query.service) return false;
    if (query.severity && s.severity !== query.severity) return false;
    const detected = s.detected ? Date.parse(s.detected) : NaN;
    return detected >= from && detected < to;
  });
  const groups = new Map<string, ReportSummary[]>();
  for (const summary of selected) {
    const key = `${summary.service}\u0000${summary.severity}`;
    const members = groups.get(key);
    if (members) members.push(summary);
    else groups.set(key, [summary]);
  }
  return {
    since: new Date(from).toISOString(),
    until: new Date(to).toISOString(),
    count: selected.length,
    overall: measureAll(selected),
    groups: [...groups.values()]
      .map((members) => ({
        service: (members[0] as ReportSummary).service,
        severity: (members[0] as ReportSummary).severity,
        ...measureAll(members),
      }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.severity.localeCompare(b.severity)),
    ttrOverTime: ttrOverTime(selected),
  };
}

function measureAll(members: readonly ReportSummary[]): Omit<StatsGroup, 'service' | 'severity'> {
  return {
    count: members.length,
    linkedToDeploy: members.filter((m) => m.suspectDeploy !== null).length,
    mttd: measure(members, 'ttdMs'),
    mttdFromDeploy: measure(members, 'ttdFromDeployMs'),
    mtta: measure(members, 'ttaMs'),
    mttm: measure(members, 'ttmMs'),
    mttr: measure(members, 'ttrMs'),
    failedDeploymentRecovery: measure(members, 'failedDeploymentRecoveryMs'),
  };
}

export function measure(members: readonly ReportSummary[], field: Measure): MeasureStats {
  const values: number[] = [];
  for (const m of members) {
    const v = m[field];
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
  }
  return describe(values);
}

/** Mean and nearest-rank percentiles. */
export function describe(values: number[]): MeasureStats {
  if (values.length === 0)
    return { count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: Math.round(sum / sorted.length),
    p50: rank(50),
    p90: rank(90),
    p95: rank(95),
    p99: rank(99),
    max: sorted[sorted.length - 1] as number,
  };
}

function ttrOverTime(members: readonly ReportSummary[]): Stats['ttrOverTime'] {
  const byService = new Map<string, Map<string, { count: number; sum: number; withTtr: number }>>();
  for (const m of members) {
    if (!m.detected) continue;
    const day = m.detected.slice(0, 10);
    let days = byService.get(m.service);
    if (!days) byService.set(m.service, (days = new Map()));
    let bucket = days.get(day);
    if (!bucket) days.set(day, (bucket = { count: 0, sum: 0, withTtr: 0 }));
    bucket.count += 1;
    if (typeof m.ttrMs === 'number') {
      bucket.sum += m.ttrMs;
      bucket.withTtr += 1;
    }
  }
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, days]) => ({
      service,
      points: [...days.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, b]) => ({
          day,
          count: b.count,
          meanTtrMs: b.withTtr ? Math.round(b.sum / b.withTtr) : null,
        })),
    }));
}

const PERIOD = /^(\d+)([mhdw])$/;
const PERIOD_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--since 30d` (also `12h`, `2w`, `90m`) counts back from now; an ISO 8601 date or time is taken as is.
 * Null when it is neither.
 */
export function parseSince(text: string, now: number): string | null {
  const period = PERIOD.exec(text.trim());
  if (period) {
    const ms = Number(period[1]) * (PERIOD_MS[period[2] as string] as number);
    return new Date(now - ms).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}
