// The reporting benchmarks (issue 8): `firebreak stats` over 10,000 archived incidents (target < 1 s)
// and a report for an incident with 1,000 timeline entries (target < 50 ms), in all three formats.
// The archive is generated with known incidents and written through the real FileReportArchive.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createApi } from '../client/api/server';
import { IncidentService } from '../client/incidents';
import { intakeSettings } from '../client/intake/intake';
import type { IntakeConfig } from '../config/intake-schema';
import { buildReport, renderMarkdown } from '../domain/report';
import { renderHtml } from '../domain/report-html';
import { FileReportArchive } from '../integrations/report-archive';
import { knownIncident } from '../tests/support/incident-fixtures';

const CLI = path.resolve(__dirname, '../bin/firebreak.js');
const TOKEN = 'bench-token';
const SERVICES = ['checkout', 'cart', 'search', 'payments', 'auth', 'inventory', 'shipping', 'email'];
const SEVERITIES = ['critical', 'error', 'warning'];
/** One alert source, never used: these benchmarks only read. */
const NO_INTAKE: IntakeConfig = {
  alertmanager: { bearerTokens: ['bench-alert-token'], basic: [] },
  generic: {},
  serviceLabel: 'service',
  severityLabel: 'severity',
  groupBy: ['service'],
  flapWindowSeconds: 300,
};

export interface StatsBenchResult {
  incidents: number;
  /** Writing the archive (not part of the target). */
  archiveSeconds: number;
  /** GET /v1/stats answered by the API, first (cold) call and the median of the next ones. */
  apiColdMs: number;
  apiMedianMs: number;
  /** `firebreak stats` as a user runs it: a new process, through the API. */
  cliMs: number;
  counted: number;
}

export async function runStatsBench(incidents: number): Promise<StatsBenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'firebreak-stats-bench-'));
  try {
    const archive = new FileReportArchive(path.join(dir, 'reports'));
    const started = performance.now();
    await writeArchive(archive, incidents);
    const archiveSeconds = (performance.now() - started) / 1000;
    const fresh = new FileReportArchive(path.join(dir, 'reports'));
    // Stats never talk to Temporal: a lazy connection that is never used.
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = createApi({
      incidents: new IncidentService(client, 'bench', fresh),
      intake: intakeSettings(NO_INTAKE, SERVICES),
      intakeConfig: NO_INTAKE,
      journalDir: path.join(dir, 'intake'),
      apiTokens: [TOKEN],
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const call = async () => {
        const t = performance.now();
        const response = await fetch(`${url}/v1/stats?since=3650d`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = (await response.json()) as { count: number };
        return { ms: performance.now() - t, count: body.count };
      };
      const cold = await call();
      const warm: number[] = [];
      for (let i = 0; i < 10; i += 1) warm.push((await call()).ms);
      const t = performance.now();
      await promisify(execFile)(process.execPath, [
        CLI,
        'stats',
        '--since',
        '3650d',
        '--url',
        url,
        '--token',
        TOKEN,
      ]);
      const cliMs = performance.now() - t;
      return {
        incidents,
        archiveSeconds: round(archiveSeconds),
        apiColdMs: round(cold.ms),
        apiMedianMs: round(median(warm)),
        cliMs: round(cliMs),
        counted: cold.count,
      };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeArchive(archive: FileReportArchive, incidents: number): Promise<void> {
  const now = Date.now();
  const batch = 64;
  for (let start = 0; start < incidents; start += batch) {
    const saves: Array<Promise<void>> = [];
    for (let n = start; n < Math.min(incidents, start + batch); n += 1) {
      const linked = n % 3 === 0;
      const state = knownIncident({
        n,
        service: SERVICES[n % SERVICES.length] as string,
        severity: SEVERITIES[n % SEVERITIES.length] as string,
        detected: new Date(now - (n % 365) * 86_400_000 - 3_600_000).toISOString(),
        ttdMs: 30_000 + (n % 17) * 10_000,
        ttaMs: 60_000 + (n % 13) * 30_000,
        ttrMs: 600_000 + (n % 29) * 120_000,
        deployLeadMs: linked ? 15 * 60_000 : null,
        rollbackResult: linked ? (n % 2 ? 'SUCCESS' : 'FAILURE') : null,
      });
      const report = buildReport(state, state.times.closed as string);
      saves.push(archive.save(report, renderMarkdown(report), renderHtml(report)));
    }
    await Promise.all(saves);
  }
}

export interface ReportBenchResult {
  timelineEntries: number;
  iterations: number;
  /** buildReport + Markdown + HTML of one incident, median and worst. */
  medianMs: number;
  maxMs: number;
  /** The same report served by the API from the archive (GET …/report?format=html). */
  apiMedianMs: number;
}

export async function runReportBench(entries: number, iterations = 50): Promise<ReportBenchResult> {
  const state = knownIncident({
    n: 1,
    detected: '2026-11-20T10:00:00.000Z',
    ttrMs: 3 * 3_600_000,
    deployLeadMs: 10 * 60_000,
    rollbackResult: 'SUCCESS',
    notes: entries - 7,
  });
  if (state.timeline.length !== entries) throw new Error(`fixture has ${state.timeline.length} entries`);
  const times: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const t = performance.now();
    const report = buildReport(state, '2026-11-20T13:00:01.000Z');
    renderMarkdown(report);
    renderHtml(report);
    times.push(performance.now() - t);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'firebreak-report-bench-'));
  try {
    const archive = new FileReportArchive(path.join(dir, 'reports'));
    const report = buildReport(state, '2026-11-20T13:00:01.000Z');
    await archive.save(report, renderMarkdown(report), renderHtml(report));
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = createApi({
      incidents: new IncidentService(client, 'bench', archive),
      intake: intakeSettings(NO_INTAKE, ['shop']),
      intakeConfig: NO_INTAKE,
      journalDir: path.join(dir, 'intake'),
      apiTokens: [TOKEN],
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const api: number[] = [];
    try {
      for (let i = 0; i < iterations; i += 1) {
        const t = performance.now();
        const response = await fetch(`${url}/v1/incidents/${report.id}/report?format=html`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await response.text();
        if (response.status !== 200) throw new Error(`report answered ${response.status}`);
        api.push(performance.now() - t);
      }
    } finally {
      await app.close();
    }
    return {
      timelineEntries: entries,
      iterations,
      medianMs: round(median(times)),
      maxMs: round(Math.max(...times)),
      apiMedianMs: round(median(api)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
