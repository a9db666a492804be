// `npm run bench`: Firebreak's benchmarks, each printing its numbers and whether it met its target.
// The alert storm by default; `-- --stats` and `-- --report` for the reporting ones (`--quick`: small).
import { runReportBench, runStatsBench } from './reporting';
import { runStorm } from './storm';

async function main(): Promise<void> {
  const small = process.argv.includes('--quick');
  const stats = process.argv.includes('--stats');
  const report = process.argv.includes('--report');
  if (stats || report) {
    const checks: Array<readonly [string, boolean]> = [];
    if (stats) checks.push(...(await statsBench(small ? 1000 : 10_000)));
    if (report) checks.push(...(await reportBench()));
    for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
    process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
    return;
  }
  await storm(small);
}

async function statsBench(incidents: number): Promise<Array<readonly [string, boolean]>> {
  console.log(`stats over ${incidents} archived incidents (writing the archive first)…`);
  const result = await runStatsBench(incidents);
  console.log(JSON.stringify(result, null, 2));
  return [
    ['every archived incident counted', result.counted === incidents],
    [`GET /v1/stats over ${incidents} incidents < 1 s (cold)`, result.apiColdMs < 1000],
    [`firebreak stats over ${incidents} incidents < 1 s (new process, through the API)`, result.cliMs < 1000],
  ];
}

async function reportBench(): Promise<Array<readonly [string, boolean]>> {
  console.log('report for an incident with 1,000 timeline entries…');
  const result = await runReportBench(1000);
  console.log(JSON.stringify(result, null, 2));
  return [
    ['report (JSON + Markdown + HTML) < 50 ms, median', result.medianMs < 50],
    ['archived HTML report through the API < 50 ms, median', result.apiMedianMs < 50],
  ];
}

async function storm(small: boolean): Promise<void> {
  const budget = numberArg('enrichment-budget') ?? 2000;
  const size = small
    ? { notifications: 1000, groups: 20, senders: 16 }
    : { notifications: 10_000, groups: 100, senders: 16 };
  // `--notifications=N --groups=G --senders=S` split fixed per-incident cost from per-alert cost.
  const options = {
    notifications: numberArg('notifications') ?? size.notifications,
    groups: numberArg('groups') ?? size.groups,
    senders: numberArg('senders') ?? size.senders,
    enrichmentBudgetMs: budget,
    // `--cold`: no warm-up incident first, so the storm meets a worker that has never run one.
    warmUp: !process.argv.includes('--cold'),
  };
  console.log(
    `alert storm: ${options.notifications} notifications, ${options.groups} groups, ${options.senders} senders, enrichment budget ${options.enrichmentBudgetMs} ms${options.warmUp ? '' : ', cold'}…`,
  );
  const result = await runStorm(options);
  console.log(JSON.stringify(result, null, 2));
  const checks = [
    ['exactly one incident per group', result.incidents === options.groups],
    // As many pages as groups, and every group's incident among them: none paged twice, none missed.
    [
      'exactly one page per group',
      result.pages === options.groups && result.incidentsPaged === options.groups,
    ],
    ['every alert accounted for', result.alertsAccounted === options.notifications],
    ['no 5xx', Object.keys(result.statuses).every((s) => Number(s) < 500)],
    ['≥ 2,000 alerts/s sustained', result.alertsPerSecond >= 2000],
    ['first page within 1 s of the first alert', result.firstPageMs <= 1000],
  ] as const;
  for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
}

function numberArg(name: string): number | undefined {
  const match = new RegExp(`--${name}=(\\d+)`).exec(process.argv.join(' '));
  return match ? Number(match[1]) : undefined;
}

void main();
