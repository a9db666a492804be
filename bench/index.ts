// `npm run bench`: Firebreak's benchmarks, each printing its numbers and whether it met its target.
import { runStorm } from './storm';

async function main(): Promise<void> {
  const small = process.argv.includes('--quick');
  const budget = Number(/--enrichment-budget=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 2000);
  const size = small
    ? { notifications: 1000, groups: 20, senders: 16 }
    : { notifications: 10_000, groups: 100, senders: 16 };
  const options = { ...size, enrichmentBudgetMs: budget };
  console.log(
    `alert storm: ${options.notifications} notifications, ${options.groups} groups, ${options.senders} senders, enrichment budget ${options.enrichmentBudgetMs} ms…`,
  );
  const result = await runStorm(options);
  console.log(JSON.stringify(result, null, 2));
  const checks = [
    ['exactly one incident per group', result.incidents === options.groups],
    ['exactly one page per group', result.pages === options.groups],
    ['every alert accounted for', result.alertsAccounted === options.notifications],
    ['no 5xx', Object.keys(result.statuses).every((s) => Number(s) < 500)],
    ['≥ 2,000 alerts/s sustained', result.alertsPerSecond >= 2000],
    ['first page within 1 s of the first alert', result.firstPageMs <= 1000],
  ] as const;
  for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
}

void main();
