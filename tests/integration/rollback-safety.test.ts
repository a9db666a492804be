// Rollback safety on the incident path, against the stand-ins and a real Temporal server: every check
// answers the actor (the API's status and body, the CLI's output), lands in the timeline and, when it has
// something to say, on the PagerDuty incident; a refused rollback starts no build. A failed rollback
// re-pages, tells stakeholders and lets the responder try again; cancelling the incident aborts the build.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IncidentView } from '../../domain/incident-view';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/firebreak.js');
const ROLLBACK_PARAMETERS = [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'INCIDENT_ID' }];

describe('rollback safety checks on the incident path', () => {
  let h: Harness;
  let repo: string;

  beforeAll(async () => {
    h = await startHarness();
    repo = `acme/${h.service}`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  let fingerprints = 0;
  /** A new incident, paged and enriched (the history is read before the page's budget runs out). */
  const openIncident = async (): Promise<{ id: string; fingerprint: string }> => {
    fingerprints += 1;
    const fingerprint = `5afe${String(fingerprints).padStart(12, '0')}`;
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { fingerprint, startsAt: new Date().toISOString() }),
    );
    const id: string = response.body.incidents[0].id;
    await h.waitForState(id, (s) => s.times.paged !== null && s.enrichment?.changesRead === true, 'the page');
    return { id, fingerprint };
  };
  const closeIncident = async ({ id, fingerprint }: { id: string; fingerprint: string }): Promise<void> => {
    await h.post(`/v1/incidents/${id}/actions`, { action: 'resolve', by: 'ada' });
    await h.waitForClosed(id);
    // Rollback freezes outlive incidents: lift, so the next test starts unfrozen.
    await h.post(`/v1/freeze/${h.service}/lift`, { by: 'test' });
    void fingerprint;
  };
  const rollback = (id: string, options: Record<string, unknown> = {}) =>
    h.post(`/v1/incidents/${id}/actions`, { action: 'rollback', by: 'ada', ...options });
  const triggersOf = (id: string) =>
    h.sandbox.jenkins.triggers.filter(
      (t) => t.parameters.INCIDENT_ID === id && t.job === h.sandbox.rollbackJob,
    );
  const entries = (state: IncidentView | null, kind: string) =>
    (state?.timeline ?? []).filter((t) => t.kind === kind);

  test('a target older than staleAfter runs, and the actor, the timeline and the page hear the hotfix suggestion', async () => {
    const incident = await openIncident();
    const response = await rollback(incident.id);
    expect(response.status).toBe(200);
    // The sandbox's candidate went live three hours ago; staleAfter is one hour.
    expect(response.body.warnings).toEqual([
      expect.stringMatching(/went live 3h \d\dm \d\ds ago.*consider a hotfix/),
    ]);
    const state = await h.waitForState(incident.id, (s) => s.status === 'mitigated', 'the rollback');
    expect(entries(state, 'safety-check')[0]?.message).toContain('warning: target');
    await h.waitForState(
      incident.id,
      () => h.sandbox.pagerduty.notes.some((n) => n.content.includes('safety checks')),
      'the page note',
    );
    expect(h.sandbox.pagerduty.notes.find((n) => n.content.includes('safety checks'))?.content).toContain(
      'consider a hotfix',
    );
    await closeIncident(incident);
  });

  test('a SHA the repo does not have is refused with 422, in the timeline, and no build starts', async () => {
    const incident = await openIncident();
    const response = await rollback(incident.id, { to: 'f'.repeat(40), force: true });
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      code: 'invalid_action',
      message: expect.stringContaining('commit ffffffffffff was not found'),
    });
    const state = await h.incidents.get(incident.id);
    expect(entries(state, 'safety-refused')).toHaveLength(1);
    expect(state?.status).toBe('paged');
    expect(triggersOf(incident.id)).toHaveLength(0);
    await closeIncident(incident);
  });

  test('a commit that never was a production deploy needs force; with it the rollback runs and says what was forced', async () => {
    const incident = await openIncident();
    const undeployed = h.sandbox.github.commits(repo).find((c) => c.message === 'Refactor payment flow');
    const refused = await rollback(incident.id, { to: undeployed?.sha.slice(0, 10) });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('is not a known successful production deploy');
    expect(triggersOf(incident.id)).toHaveLength(0);

    const forced = await rollback(incident.id, { to: undeployed?.sha.slice(0, 10), force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.warnings).toEqual([expect.stringContaining('forced: ')]);
    await h.waitForState(incident.id, (s) => s.status === 'mitigated', 'the forced rollback');
    // The short SHA was resolved: Jenkins gets the full commit.
    expect(triggersOf(incident.id)[0]?.parameters.TARGET_SHA).toBe(undeployed?.sha);
    await closeIncident(incident);
  });

  test('migrations between target and current refuse the rollback with instructions; force overrides', async () => {
    h.sandbox.github.reset();
    const history = h.sandbox.github.seedServiceHistory({
      repo,
      currentDeployedAgoMs: 30 * 60_000,
      migration: true,
    });
    const incident = await openIncident();
    const refused = await rollback(incident.id);
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('migrations changed between');
    expect(refused.body.error.details.refusals[0]).toContain('db/migrate/');
    expect(refused.body.error.details.instructions.join('\n')).toMatch(
      /roll back db\/migrate\/\S+ \(version \d+/,
    );

    // The CLI shows the same refusal with the steps under it.
    const cli = await run(
      process.execPath,
      [CLI, 'act', incident.id, 'rollback', '--by', 'ada', '--url', h.apiUrl, '--token', SANDBOX_API_TOKEN],
      {
        env: { ...process.env, FIREBREAK_DATA_DIR: h.dataDir },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(cli).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('A rollback restores the code, not the database schema'),
    });
    expect(triggersOf(incident.id)).toHaveLength(0);

    const forced = await rollback(incident.id, { force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('forced past migrations')]),
    );
    const state = await h.waitForState(incident.id, (s) => s.status === 'mitigated', 'the forced rollback');
    expect(state.rollbacks[0]).toMatchObject({
      targetSha: history.candidate.sha,
      forced: true,
      result: 'SUCCESS',
    });
    await closeIncident(incident);
  });

  test('a failed rollback re-pages, tells stakeholders, and the responder may retry with a new request id', async () => {
    h.sandbox.jenkins.defineJob(h.sandbox.rollbackJob, {
      parameters: ROLLBACK_PARAMETERS,
      durationMs: 200,
      result: (params) => (params.REQUEST_ID?.endsWith('-rollback-1') ? 'FAILURE' : 'SUCCESS'),
      consoleLines: ['Pulling image...', 'ERROR: image checkout:4a0b7d not found in registry'],
    });
    const incident = await openIncident();
    await h.waitForState(incident.id, (s) => s.pagerDuty.incidentId !== null, 'the PagerDuty incident');
    expect((await rollback(incident.id, { force: true })).status).toBe(200);
    const failed = await h.waitForState(
      incident.id,
      (s) => s.status === 'mitigation-failed' && entries(s, 're-paged').length === 1,
      'the failure and the re-page',
    );
    expect(entries(failed, 'mitigation-failed')[0]?.data?.consoleTail).toContain(
      'image checkout:4a0b7d not found',
    );
    // Re-paged: PagerDuty re-assigned the incident to its current level, which notifies those responders.
    const pagerDutyId = failed.pagerDuty.incidentId as string;
    const escalated = h.sandbox.pagerduty.webhookDeliveries.filter(
      (d) => d.eventType === 'incident.escalated' && d.body.includes(pagerDutyId),
    );
    expect(escalated).toHaveLength(1);
    expect(h.sandbox.pagerduty.incidents().find((i) => i.id === pagerDutyId)?.escalationLevel).toBe(1);
    await h.waitForState(
      incident.id,
      () => h.sandbox.pagerduty.notes.some((n) => n.content.includes('mitigation failed')),
      'the note',
    );
    await h.waitForState(
      incident.id,
      () => h.sandbox.slack.messages.some((m) => JSON.stringify(m.body).includes('FAILED')),
      'Slack',
    );

    const retry = await rollback(incident.id, { force: true });
    expect(retry.status).toBe(200);
    const state = await h.waitForState(incident.id, (s) => s.status === 'mitigated', 'the retry');
    expect(state.rollbacks.map((r) => r.result)).toEqual(['FAILURE', 'SUCCESS']);
    expect(triggersOf(incident.id).map((t) => t.parameters.REQUEST_ID)).toEqual([
      `${incident.id}-rollback-1`,
      `${incident.id}-rollback-2`,
    ]);
    await closeIncident(incident);
  });

  test('cancelling the incident aborts its running rollback build with /stop and records it', async () => {
    h.sandbox.jenkins.defineJob(h.sandbox.rollbackJob, {
      parameters: ROLLBACK_PARAMETERS,
      durationMs: 60_000,
    });
    const incident = await openIncident();
    expect((await rollback(incident.id, { force: true })).status).toBe(200);
    await h.waitForState(
      incident.id,
      () =>
        triggersOf(incident.id).length === 1 &&
        h.sandbox.jenkins.builds(h.sandbox.rollbackJob).some((b) => b.building),
      'the build to run',
    );
    const state = await h.incidents.get(incident.id);
    const handle = h.client.workflow.getHandle(state?.workflowId as string);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const build = h.sandbox.jenkins.builds(h.sandbox.rollbackJob).at(-1);
    expect(
      h.sandbox.jenkins.requests('POST', `/job/${h.service}/job/rollback/${build?.number}/stop`),
    ).toHaveLength(1);
    const after = (await h.client.workflow
      .getHandle(state?.workflowId as string)
      .query('state')) as IncidentView;
    expect(entries(after, 'rollback-cancelled')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.sandbox.jenkins.builds(h.sandbox.rollbackJob).at(-1)?.result).toBe('ABORTED');
    await h.post(`/v1/freeze/${h.service}/lift`, { by: 'test' });
  });
});
