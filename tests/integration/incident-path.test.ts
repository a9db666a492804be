// The incident path end to end through the HTTP API, against the sandbox stand-ins and a real
// Temporal server: alert → enrichment → page → rollback → recovery → report.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/firebreak.js');

/** Runs the `firebreak` CLI against the harness's API, as a responder would from a terminal. */
async function firebreak(h: Harness, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, ...args, '--url', h.apiUrl, '--token', SANDBOX_API_TOKEN],
    {
      env: { ...process.env, FIREBREAK_DATA_DIR: h.dataDir },
    },
  );
  return stdout;
}

describe('an incident from alert to report', () => {
  let h: Harness;
  let id: string;
  const impactStart = new Date(Date.now() - 5 * 60_000).toISOString();

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('an Alertmanager alert opens a new incident and answers 202 with its id', async () => {
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { startsAt: impactStart }),
    );
    expect(response.status).toBe(202);
    expect(response.body.incidents).toHaveLength(1);
    expect(response.body.incidents[0]).toMatchObject({ new: true });
    id = response.body.incidents[0].id;
    expect(id).toMatch(new RegExp(`^${h.service}-[0-9a-f]{8}$`));
  });

  test('the page reaches PagerDuty with the incident as dedup key and the enrichment attached', async () => {
    await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
    const triggers = h.sandbox.pagerduty.events.filter((e) => e.action === 'trigger');
    expect(triggers).toHaveLength(1);
    const body = triggers[0]?.body as {
      dedup_key: string;
      payload: { severity: string; custom_details: Record<string, unknown> };
    };
    expect(body.dedup_key).toBe(id);
    expect(body.payload.severity).toBe('critical');
    expect(body.payload.custom_details.current_deploy).toContain(h.sandbox.history.currentSha.slice(0, 12));
    expect(body.payload.custom_details.rollback_candidate).toContain(
      h.sandbox.history.candidateSha.slice(0, 12),
    );
  });

  test('the same notification again joins the incident, changes nothing and pages nobody again', async () => {
    const before = await h.incidents.get(id);
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { startsAt: impactStart }),
    );
    expect(response.status).toBe(202);
    expect(response.body.incidents[0]).toMatchObject({ id, new: false });
    // The 202 came after the workflow answered the receipt query, so the repeat has been applied.
    const after = await h.incidents.get(id);
    expect(after?.alerts).toEqual(before?.alerts);
    expect(after?.timeline.filter((t) => t.kind.startsWith('alert'))).toEqual(
      before?.timeline.filter((t) => t.kind.startsWith('alert')),
    );
    expect(h.sandbox.pagerduty.events.filter((e) => e.action === 'trigger')).toHaveLength(1);
  });

  test('GET /v1/incidents lists the open incident', async () => {
    const deadline = Date.now() + 10_000;
    let listed: Array<{ id: string; status: string }> = [];
    while (Date.now() < deadline && !listed.some((i) => i.id === id)) {
      listed = (await h.get(`/v1/incidents?status=open&service=${h.service}`)).body.incidents;
    }
    expect(listed.find((i) => i.id === id)).toMatchObject({ service: h.service, severity: 'critical' });
  });

  test('a rollback to the current deploy is refused with the reason', async () => {
    const response = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'rollback',
      to: h.sandbox.history.currentSha,
      by: 'ada',
    });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain('target equals the current deploy');
  });

  test('acknowledging records who acknowledged, through which channel, and acknowledges the page', async () => {
    const response = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'acknowledge',
      by: 'ada@example.test',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ action: 'acknowledge', status: 'acknowledged' });
    const state = await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.kind === 'acknowledged'),
      'the ack',
    );
    expect(state.timeline.find((t) => t.kind === 'acknowledged')?.actor).toEqual({
      by: 'ada@example.test',
      channel: 'api',
    });
    await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.kind === 'page-acknowledged'),
      'the PagerDuty ack',
    );
    expect(
      h.sandbox.pagerduty.events.filter((e) => e.action === 'acknowledge' && e.dedupKey === id),
    ).toHaveLength(1);
    const again = await h.post(`/v1/incidents/${id}/actions`, { action: 'acknowledge', by: 'bob' });
    expect(again.status).toBe(409);
  });

  test('firebreak act adds a note that records the CLI as its channel', async () => {
    const output = await firebreak(
      h,
      'act',
      id,
      'note',
      '--text',
      'looking at the checkout pods',
      '--by',
      'ada@example.test',
    );
    expect(output).toContain('note: note added');
    const state = await h.waitForState(id, (s) => s.timeline.some((t) => t.kind === 'note'), 'the note');
    expect(state.timeline.find((t) => t.kind === 'note')).toMatchObject({
      message: 'looking at the checkout pods',
      actor: { by: 'ada@example.test', channel: 'cli' },
    });
  });

  test('the responder chooses rollback: one Jenkins build of the candidate runs and the incident is mitigated', async () => {
    const response = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'rollback',
      by: 'ada@example.test',
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('mitigating');
    const state = await h.waitForState(id, (s) => s.status === 'mitigated', 'the rollback', 30_000);
    expect(state.rollbacks[0]).toMatchObject({
      targetSha: h.sandbox.history.candidateSha,
      result: 'SUCCESS',
    });
    const triggers = h.sandbox.jenkins.triggers;
    expect(triggers).toHaveLength(1);
    expect(triggers[0]?.parameters.TARGET_SHA).toBe(h.sandbox.history.candidateSha);
    expect(triggers[0]?.parameters.REQUEST_ID).toBe(`${id}-rollback-1`);
  });

  test('stakeholders hear about the opening and the rollback on Slack and by email', async () => {
    await h.waitForState(
      id,
      (s) => s.timeline.filter((t) => t.kind === 'notified').length >= 4,
      'notifications',
    );
    const slackText = h.sandbox.slack.messages.map((m) => JSON.stringify(m.body)).join('\n');
    expect(slackText).toContain('opened');
    expect(slackText).toContain('rollback');
    const subjects = h.sandbox.smtp.inbox.map((m) => m.subject);
    expect(subjects.some((s) => s?.includes(h.service))).toBe(true);
    expect(h.sandbox.smtp.inbox.every((m) => m.envelope.to.includes('stakeholders@sandbox.test'))).toBe(true);
  });

  test('resolved from Alertmanager closes the incident, resolves the page and archives the report', async () => {
    const endsAt = new Date().toISOString();
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { status: 'resolved', startsAt: impactStart, endsAt }),
    );
    expect(response.status).toBe(202);
    const deadline = Date.now() + 30_000;
    let report = await h.get(`/v1/incidents/${id}/report`);
    while (Date.now() < deadline && (report.status !== 200 || report.body.draft !== false)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      report = await h.get(`/v1/incidents/${id}/report`);
    }
    expect(report.body).toMatchObject({
      id,
      status: 'closed',
      draft: false,
      resolvedBy: 'monitoring (workflow)',
    });
    expect(
      h.sandbox.pagerduty.events.filter((e) => e.action === 'resolve' && e.dedupKey === id),
    ).toHaveLength(1);
  });

  test('the report gives TTD from impact start and TTR from detection, in JSON and Markdown', async () => {
    const report = (await h.get(`/v1/incidents/${id}/report?format=json`)).body;
    const detected = Date.parse(report.timings.detected);
    expect(report.timings.impactStart).toBe(impactStart);
    expect(report.timings.ttdMs).toBe(detected - Date.parse(impactStart));
    expect(report.timings.ttrMs).toBeGreaterThan(0);
    expect(report.timings.ttmMs).toBeGreaterThan(0);
    const kinds = report.timeline.map((t: { kind: string }) => t.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'alert',
        'enriched',
        'paged',
        'acknowledged',
        'action',
        'mitigated',
        'resolved',
        'closed',
      ]),
    );
    const markdown = await h.get(`/v1/incidents/${id}/report?format=md`);
    expect(markdown.text).toContain(`# Incident ${id}`);
    expect(markdown.text).toMatch(/\| TTR \| \d+/);
  });

  test('firebreak report prints the archived report', async () => {
    const output = await firebreak(h, 'report', id);
    expect(output).toContain(`# Incident ${id}`);
    expect(output).toContain('## Timeline');
  });

  test('an alert after the incident closed opens a new incident for the group', async () => {
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { startsAt: new Date().toISOString() }),
    );
    expect(response.status).toBe(202);
    expect(response.body.incidents[0].id).not.toBe(id);
    expect(response.body.incidents[0].new).toBe(true);
  });
});
