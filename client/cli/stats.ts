// `firebreak stats [--since 30d] [--service s] [--severity s] [--json]`: incident counts and mean and
// percentile durations per service and severity, from the archived reports (through the API).
import { Option, type Command } from 'commander';
import type { MeasureStats, Stats, StatsGroup } from '../../domain/stats';
import { formatDuration } from '../../domain/timings';
import { ApiClient, resolveConnection } from './api-client';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('MTTD, MTTA, MTTM, MTTR and percentiles per service and severity, over a period')
    .addOption(new Option('--url <url>', 'Firebreak API base URL').env('FIREBREAK_URL'))
    .addOption(new Option('--token <token>', 'API token').env('FIREBREAK_TOKEN'))
    .option('--since <period>', "how far back: '30d', '12h', '2w' or an ISO 8601 date", '30d')
    .option('--until <date>', 'up to (default: now)')
    .option('--service <service>', 'only this service')
    .option('--severity <severity>', 'only this severity')
    .option('--json', 'raw JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const client = new ApiClient(resolveConnection(options as { url?: string; token?: string }));
      const query = new URLSearchParams();
      for (const key of ['since', 'until', 'service', 'severity']) {
        const value = options[key];
        if (typeof value === 'string') query.set(key, value);
      }
      const stats = await client.get<Stats>(`/v1/stats?${query.toString()}`);
      if (options.json) console.log(JSON.stringify(stats, null, 2));
      else printStats(stats);
    });
}

const COLUMNS = [
  'SERVICE',
  'SEVERITY',
  'COUNT',
  'MTTD',
  'MTTA',
  'MTTM',
  'MTTR',
  'TTR p50/p90/p99',
  'FDRT (deploys)',
];

export function printStats(stats: Stats): void {
  console.log(`incidents detected ${stats.since} → ${stats.until}: ${stats.count}`);
  if (stats.count === 0) return;
  const rows = [...stats.groups.map(row), row({ ...stats.overall, service: 'all', severity: '' })];
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  console.log(line(COLUMNS));
  for (const r of rows) console.log(line(r));
}

function row(group: StatsGroup): string[] {
  const mean = (m: MeasureStats) => formatDuration(m.mean);
  const r = group.mttr;
  return [
    group.service,
    group.severity,
    String(group.count),
    mean(group.mttd),
    mean(group.mtta),
    mean(group.mttm),
    mean(group.mttr),
    `${formatDuration(r.p50)} / ${formatDuration(r.p90)} / ${formatDuration(r.p99)}`,
    `${mean(group.failedDeploymentRecovery)} (${group.linkedToDeploy})`,
  ];
}
