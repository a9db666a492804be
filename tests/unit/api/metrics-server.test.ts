// A lone worker's /metrics: its activity failures and process health, behind the API's bearer tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FirebreakMetrics } from '../../../client/metrics';
import { startMetricsServer } from '../../../client/metrics-server';
import { FileReportArchive } from '../../../integrations/report-archive';
import { parsePrometheus, sampleValue } from '../../support/prometheus';

describe("a lone worker's metrics server", () => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  let metrics: FirebreakMetrics;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'firebreak-metrics-'));
    metrics = new FirebreakMetrics(new FileReportArchive(dir));
    server = await startMetricsServer({ metrics, host: '127.0.0.1', port: 0, tokens: ['t0ken'] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves the activity failures it counted, in the Prometheus text format', async () => {
    metrics.activityFailures.inc({ activity: 'runRollback' });
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer t0ken' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const { samples, types } = parsePrometheus(await response.text());
    expect(sampleValue(samples, 'firebreak_activity_failures_total', { activity: 'runRollback' })).toBe(1);
    expect(types.firebreak_process_cpu_seconds_total).toBe('counter');
    // An empty archive: no incident samples, and no open-incidents gauge without a Temporal client.
    expect(samples.some((s) => s.name === 'firebreak_incidents_total')).toBe(false);
    expect(types.firebreak_open_incidents).toBeUndefined();
  });

  test('refuses a scrape without the token', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'unauthorized', message: 'missing or invalid bearer token' },
    });
  });
});
