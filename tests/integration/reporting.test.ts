// What incidents leave behind, through the HTTP API: stats over a generated archive, Prometheus
// metrics, and the report of a live incident (a draft) and of a closed one (the archive), in HTML too.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildReport, renderMarkdown } from '../../domain/report';
import { renderHtml } from '../../domain/report-html';
import { FileReportArchive } from '../../integrations/report-archive';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { knownIncident, type KnownIncident } from '../support/incident-fixtures';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';
import { parsePrometheus, sampleValue } from '../support/prometheus';

const MINUTE = 60_000;
const NOVEMBER = 'since=2026-11-01T00:00:00Z&until=2026-12-01T00:00:00Z';

async function archive(h: Harness, specs: KnownIncident[]): Promise<void> {
  const folder = new FileReportArchive(path.join(h.dataDir, 'reports'));
  for (const spec of specs) {
    const report = buildReport(knownIncident(spec), spec.detected);
    await folder.save(report, renderMarkdown(report), renderHtml(report));
  }
}

describe('reports, stats and metrics through the API', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    // 20 shop/critical incidents with TTR 1..20 min; 4 cart/error ones caused by a deploy, 2 rolled back.
    await archive(h, [
      ...Array.from({ length: 20 }, (_, i) => ({
        n: i + 1,
        detected: `2026-11-${String(1 + i).padStart(2, '0')}T10:00:00.000Z`,
        ttrMs: (i + 1) * MINUTE,
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        n: 100 + i,
        service: 'cart',
        severity: 'error',
        detected: `2026-11-2${i}T10:00:00.000Z`,
        ttrMs: 40 * MINUTE,
        ttdMs: 5 * MINUTE,
        deployLeadMs: 10 * MINUTE,
        rollbackResult: i < 2 ? 'SUCCESS' : 'FAILURE',
      })),
      // Outside the period: counted by /metrics, not by November's stats.
      { n: 200, detected: '2026-10-15T10:00:00.000Z', ttrMs: 999 * MINUTE },
    ]);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('stats give the count, MTTD, MTTA, MTTR and percentiles per service and severity over the period', async () => {
    const response = await h.get(`/v1/stats?${NOVEMBER}`);
    expect(response.status).toBe(200);
    expect(response.body.count).toBe(24);
    const [cart, shop] = response.body.groups;
    expect(shop).toMatchObject({ service: 'shop', severity: 'critical', count: 20, linkedToDeploy: 0 });
    expect(shop.mttr).toMatchObject({
      mean: 10.5 * MINUTE,
      p50: 10 * MINUTE,
      p90: 18 * MINUTE,
      max: 20 * MINUTE,
    });
    expect(shop.mtta.mean).toBe(2 * MINUTE);
    expect(shop.mttd.mean).toBe(MINUTE);
    expect(shop.failedDeploymentRecovery.count).toBe(0);
    expect(cart).toMatchObject({ service: 'cart', severity: 'error', count: 4, linkedToDeploy: 4 });
    // Suspect deploy 10 min before impact, impact 5 min before detection, resolved 40 min after it.
    expect(cart.failedDeploymentRecovery.mean).toBe(55 * MINUTE);
    expect(cart.mttdFromDeploy.mean).toBe(15 * MINUTE);
  });

  test('stats for one service only', async () => {
    const response = await h.get(`/v1/stats?${NOVEMBER}&service=cart`);
    expect(response.body.count).toBe(4);
    expect(response.body.groups.map((g: { service: string }) => g.service)).toEqual(['cart']);
  });

  test('a period that is not one is a 400 naming it, and stats need the API token', async () => {
    const bad = await h.get('/v1/stats?since=yesterday-ish');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query' });
    expect(bad.body.error.message).toContain('since');
    expect((await h.get('/v1/stats', 'wrong-token')).status).toBe(401);
  });

  test('the firebreak stats command prints a row per service and severity', async () => {
    const cli = path.resolve(__dirname, '../../bin/firebreak.js');
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'stats',
      '--since',
      '2026-11-01',
      '--until',
      '2026-12-01',
      '--url',
      h.apiUrl,
      '--token',
      SANDBOX_API_TOKEN,
    ]);
    expect(stdout).toContain('incidents detected 2026-11-01T00:00:00.000Z → 2026-12-01T00:00:00.000Z: 24');
    expect(stdout).toMatch(/shop\s+critical\s+20\s+1m 00s\s+2m 00s\s+n\/a\s+10m 30s/);
    expect(stdout).toMatch(/cart\s+error\s+4\s/);
  });

  test('/metrics serves TTD/TTA/TTR histograms by service and severity and counters of incidents, pages, actions and rollbacks', async () => {
    const response = await h.get('/metrics');
    expect(response.status).toBe(200);
    const { samples, types } = parsePrometheus(response.text);
    expect(types).toMatchObject({
      firebreak_ttr_seconds: 'histogram',
      firebreak_tta_seconds: 'histogram',
      firebreak_ttd_seconds: 'histogram',
      firebreak_incidents_total: 'counter',
      firebreak_rollbacks_total: 'counter',
    });
    const shop = { service: 'shop', severity: 'critical' };
    expect(sampleValue(samples, 'firebreak_ttr_seconds_count', shop)).toBe(21);
    // 1..20 minutes plus the October incident's 999 minutes.
    expect(sampleValue(samples, 'firebreak_ttr_seconds_sum', shop)).toBe((210 + 999) * 60);
    expect(sampleValue(samples, 'firebreak_ttr_seconds_bucket', { ...shop, le: '300' })).toBe(5);
    expect(sampleValue(samples, 'firebreak_incidents_total', { service: 'cart', severity: 'error' })).toBe(4);
    expect(sampleValue(samples, 'firebreak_pages_total', { service: 'shop' })).toBe(21);
    expect(sampleValue(samples, 'firebreak_actions_total', { service: 'cart', action: 'rollback' })).toBe(4);
    expect(sampleValue(samples, 'firebreak_rollbacks_total', { service: 'cart', result: 'SUCCESS' })).toBe(2);
    expect(sampleValue(samples, 'firebreak_rollbacks_total', { service: 'cart', result: 'FAILURE' })).toBe(2);
  });

  test('/metrics counts rejected requests by route and status, and accepted intake deliveries by source', async () => {
    await h.get('/v1/incidents', 'wrong-token');
    await h.get('/v1/incidents', 'wrong-token');
    await h.post('/v1/alerts/alertmanager', { not: 'an alertmanager payload' });
    const { samples } = parsePrometheus((await h.get('/metrics')).text);
    expect(
      sampleValue(samples, 'firebreak_rejected_requests_total', { route: '/v1/incidents', status: '401' }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'firebreak_rejected_requests_total', {
        route: '/v1/alerts/:source',
        status: '400',
      }),
    ).toBe(1);
    expect((await h.get('/metrics', 'wrong-token')).status).toBe(401);
  });

  test('an open incident’s report is a live draft in HTML; once closed, the archived report in JSON, Markdown and HTML', async () => {
    const hostile = `${h.service} <img src=x onerror=alert(1)> down`;
    // PagerDuty fails the first two page attempts: the worker counts them, the page still goes out.
    h.sandbox.pagerduty.addFault({
      pathPrefix: '/v2/enqueue',
      status: 500,
      body: { status: 'error' },
      times: 2,
    });
    const opened = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { summary: hostile }),
    );
    expect(opened.status).toBe(202);
    const id = opened.body.incidents[0].id as string;
    await h.waitForState(id, (s) => s.times.paged !== null, 'the page');

    const draft = await h.get(`/v1/incidents/${id}/report?format=html`);
    expect(draft.status).toBe(200);
    expect(draft.text).toContain('Live draft: the incident is still open.');
    expect(draft.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(draft.text).not.toContain('<img');

    const { samples: before } = parsePrometheus((await h.get('/metrics')).text);
    expect(sampleValue(before, 'firebreak_intake_deliveries_total', { source: 'alertmanager' })).toBe(1);
    expect(sampleValue(before, 'firebreak_activity_failures_total', { activity: 'pageResponder' })).toBe(2);
    expect(
      sampleValue(before, 'firebreak_open_incidents', { service: h.service, severity: 'critical' }),
    ).toBe(1);

    const resolved = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada',
      resolution: 'restarted',
    });
    expect(resolved.status).toBe(200);
    await h.waitForClosed(id);
    let report = await h.get(`/v1/incidents/${id}/report`);
    for (let i = 0; i < 50 && report.body.draft !== false; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await h.get(`/v1/incidents/${id}/report`);
    }
    expect(report.body).toMatchObject({ id, draft: false, status: 'closed', resolution: 'restarted' });
    expect(report.body.participants[0]).toMatchObject({ by: 'ada', channel: 'api' });
    const html = await h.get(`/v1/incidents/${id}/report?format=html`);
    expect(html.text).not.toContain('Live draft');
    expect(html.text).toContain('<h2>Timings</h2>');
    expect(readFileSync(path.join(h.dataDir, 'reports', `${id}.html`), 'utf8')).toBe(html.text);
    const { stdout } = await promisify(execFile)(process.execPath, [
      path.resolve(__dirname, '../../bin/firebreak.js'),
      'report',
      id,
      '--format',
      'html',
      '--url',
      h.apiUrl,
      '--token',
      SANDBOX_API_TOKEN,
    ]);
    expect(stdout).toBe(`${html.text}\n`);
    expect((await h.get(`/v1/incidents/${id}/report?format=md`)).text).toContain(`# Incident ${id}`);
    expect((await h.get(`/v1/incidents/${id}/report?format=pdf`)).status).toBe(406);
  });
});
