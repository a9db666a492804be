// A storm of 10,000 distinct alerts on one alert group lands in one incident, which stays readable: the
// API, the CLI and the live draft report count every alert and show a bounded selection (the whole state
// would be past Temporal's 2 MB payload limit), a severity rise re-pages with a bounded list, and once
// resolved its report is archived and served.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { VIEW_LIMITS } from '../../domain/incident-view';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import {
  alertmanagerPayload,
  openIncidentOf,
  postConcurrently,
  startHarness,
  stormNotification,
  type Harness,
} from '../support/harness';
import { failedWorkflowTasks } from '../support/history';

const ALERTS = 10_000;
const PER_NOTIFICATION = 100;
const SENDERS = 8;
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/firebreak.js');

describe('an incident of 10,000 alerts', () => {
  let h: Harness;
  let id: string;

  beforeAll(async () => {
    h = await startHarness();
    const storm = Array.from({ length: ALERTS / PER_NOTIFICATION }, (_, i) =>
      stormNotification(h.service, i * PER_NOTIFICATION, PER_NOTIFICATION, { severity: 'error' }),
    );
    const statuses = await postConcurrently(h, '/v1/alerts/alertmanager', storm, SENDERS);
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    const state = await h.waitForState(
      await openIncidentOf(h),
      (s) => s.alerts.total === ALERTS,
      'every alert in the incident',
      90_000,
      // Every ask is a query over 10,000 alerts on the worker's one workflow thread. Asked every 100 ms on a
      // loaded machine, they compete with the storm's workflow tasks, which have timed out (10 s) there.
      1000,
    );
    id = state.id;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  test('GET /v1/incidents/{id} answers with every alert counted and at most the cap shown', async () => {
    const response = await h.get(`/v1/incidents/${id}`);
    expect(response.status).toBe(200);
    const alerts = response.body.alerts;
    expect(alerts).toMatchObject({ total: ALERTS, firing: ALERTS, resolved: 0 });
    expect(alerts.items.length).toBe(alerts.shown);
    expect(alerts.shown).toBeLessThanOrEqual(VIEW_LIMITS.alerts);
    expect(alerts.shown + alerts.omitted).toBe(ALERTS);
    // The rest of the state is all there: one page for the whole storm (a page sent again after a lost
    // workflow task carries the same dedup key, and PagerDuty folds it into the same incident).
    expect(response.body.times.paged).not.toBeNull();
    expect(response.body.timeline.filter((e: { kind: string }) => e.kind === 'paged')).toHaveLength(1);
    expect(h.sandbox.pagerduty.incidents().filter((i) => i.dedupKey === id)).toHaveLength(1);
    const outcomes = h.sandbox.pagerduty.events
      .filter((e) => e.action === 'trigger' && e.dedupKey === id)
      .map((e) => e.outcome);
    expect(outcomes.filter((o) => o !== 'deduplicated')).toEqual(['opened']);
    // Intake's flow control kept Temporal from force-failing a task over buffered signals.
    expect(await failedWorkflowTasks(h.service)).toEqual([]);
  });

  test('a critical alert after the storm raises the page, which counts every alert and lists 20', async () => {
    const rise = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, {
        severity: 'critical',
        fingerprint: 'c717c417c417c417',
        summary: 'checkout down',
      }),
    );
    expect(rise.status).toBe(202);
    await h.waitForState(id, (s) => s.timeline.some((e) => e.kind === 'page-escalated'), 'the raised page');
    const triggers = h.sandbox.pagerduty.events.filter((e) => e.action === 'trigger' && e.dedupKey === id);
    const raised = triggers.at(-1)?.body as {
      payload: { severity: string; custom_details: Record<string, unknown> };
    };
    expect(raised.payload.severity).toBe('critical');
    expect(raised.payload.custom_details.alert_count).toBe(ALERTS + 1);
    expect(raised.payload.custom_details.alerts).toHaveLength(20);
    expect(raised.payload.custom_details.runbook).toBe('https://runbooks.test/x');
  });

  test('firebreak show says how many alerts there are and how many it lists', async () => {
    const { stdout } = await run(process.execPath, [
      CLI,
      'show',
      id,
      '--url',
      h.apiUrl,
      '--token',
      SANDBOX_API_TOKEN,
    ]);
    expect(stdout).toContain('alerts 10,001 (10,001 firing, 0 resolved)');
    expect(stdout).toContain('10 of 10,001 listed');
    expect(stdout).toContain('checkout down');
  });

  test('the live draft report states how many alerts exist, not only the ones it lists', async () => {
    const json = await h.get(`/v1/incidents/${id}/report?format=json`);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      draft: true,
      impact: { alerts: ALERTS + 1 },
      alerts: { total: ALERTS + 1 },
    });
    expect(json.body.alerts.items.length).toBeLessThanOrEqual(VIEW_LIMITS.alerts);
    const markdown = await h.get(`/v1/incidents/${id}/report?format=md`);
    expect(markdown.text).toContain('# Incident');
    expect(markdown.text).toMatch(
      /10,001 alert\(s\) \(10,001 firing, 0 resolved; the JSON report lists \d+ of them\)/,
    );
  });

  test('resolved, its report is archived and served with every alert counted', async () => {
    const resolved = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada',
      resolution: 'node pool replaced',
    });
    expect(resolved.status).toBe(200);
    await h.waitForClosed(id);
    expect(existsSync(path.join(h.dataDir, 'reports', `${id}.json`))).toBe(true);
    const report = await h.get(`/v1/incidents/${id}/report?format=json`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      draft: false,
      status: 'closed',
      resolution: 'node pool replaced',
      impact: { alerts: ALERTS + 1 },
      alerts: { total: ALERTS + 1, firing: ALERTS + 1 },
    });
    const html = await h.get(`/v1/incidents/${id}/report?format=html`);
    expect(html.text).toContain('10,001 alert(s) (10,001 firing, 0 resolved; the JSON report lists');
    // The closed incident still reads, bounded, through the API.
    const incident = await h.get(`/v1/incidents/${id}`);
    expect(incident.status).toBe(200);
    expect(incident.body.alerts.total).toBe(ALERTS + 1);
  });
});
