// Enrichment on the incident path, against the GitHub and PagerDuty stand-ins and a real Temporal server:
// the page names what changed and the suspect deploy, never waits for a slow GitHub longer than the
// budget (the rest follows as a PagerDuty note), rate limits are waited out, a missing repo is named,
// and the report's deploy-aware timings match the known times of the incident.
import type { IncidentView } from '../../domain/incident-view';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const MINUTE = 60_000;
/** The sandbox service's default enrichment budget. */
const BUDGET_MS = 2000;

describe('enrichment on the incident path', () => {
  let h: Harness;
  let repo: string;

  beforeAll(async () => {
    h = await startHarness();
    repo = `acme/${h.service}`;
  });
  afterAll(async () => {
    await h?.stop();
  });
  // A test that fails midway leaves its incident open: close it, so that the next test opens its own.
  afterEach(async () => {
    for (const open of await h.incidents.list({ status: 'open', service: h.service })) {
      const state = await h.incidents.get(open.id);
      await h.post(`/v1/incidents/${open.id}/actions`, { action: 'resolve', by: 'ada' });
      if (state)
        await h.client.workflow
          .getHandle(state.workflowId)
          .result()
          .catch(() => undefined);
    }
  });

  /** Notes on the incident's PagerDuty incident, but the ticket's link (tickets are not this file's subject). */
  const enrichmentNotes = (id: string) =>
    (h.sandbox.pagerduty.incidents().find((i) => i.dedupKey === id)?.notes ?? []).filter(
      (n) => !n.content.startsWith('[Firebreak] Ticket '),
    );

  /** A fresh history: the candidate went live 3 h ago, the current deploy `currentAgoMs` ago. */
  const seed = (currentAgoMs = 30 * MINUTE) => {
    h.sandbox.github.reset();
    return h.sandbox.github.seedServiceHistory({ repo, currentDeployedAgoMs: currentAgoMs, migration: true });
  };

  /** Posts a firing alert that began `impactAgoMs` ago; returns the incident id, the time it was sent, the impact start. */
  const openIncident = async (fingerprint: string, impactAgoMs = 10 * MINUTE) => {
    const startsAt = new Date(Date.now() - impactAgoMs).toISOString();
    const sentAt = Date.now();
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { fingerprint, startsAt }),
    );
    expect(response.status).toBe(202);
    return { id: response.body.incidents[0].id as string, sentAt, startsAt };
  };

  const resolveIncident = async (
    id: string,
    fingerprint: string,
    startsAt: string,
  ): Promise<IncidentView> => {
    const payload = alertmanagerPayload(h.service, { fingerprint, startsAt, status: 'resolved' });
    expect((await h.post('/v1/alerts/alertmanager', payload)).status).toBe(202);
    const closed = await h.waitForState(id, (s) => s.status === 'closed', 'the close');
    // The next test's alert must open a new incident, not land in this one while it archives its report.
    await h.client.workflow.getHandle(closed.workflowId).result();
    return closed;
  };

  const trigger = (id: string) => {
    const event = h.sandbox.pagerduty.events.find((e) => e.action === 'trigger' && e.dedupKey === id);
    const body = event?.body as
      { payload: { summary: string; custom_details: Record<string, any> } } | undefined;
    return { event, payload: body?.payload };
  };

  const kinds = (s: IncidentView) => s.timeline.map((t) => t.kind);
  const entry = (s: IncidentView, kind: string) => s.timeline.find((t) => t.kind === kind);

  test('with GitHub answering quickly the page carries the whole story: suspect deploy, rollback candidate and its age, migrations, owners, runbook', async () => {
    const history = seed();
    const { id, startsAt } = await openIncident('fa57000000000001');
    const state = await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
    const { payload } = trigger(id);
    expect(payload?.summary).toContain(`(suspect deploy ${history.current.sha.slice(0, 12)})`);
    expect(payload?.custom_details).toMatchObject({
      suspect_deploy: expect.stringMatching(
        new RegExp(`^${history.current.sha.slice(0, 12)}, finished .* \\(20m 0\\ds before impact start\\)$`),
      ),
      current_deploy: expect.stringContaining(history.current.sha.slice(0, 12)),
      rollback_candidate: expect.stringContaining(history.candidate.sha.slice(0, 12)),
      rollback_candidate_age: expect.stringMatching(/^3h 00m \d\ds$/),
      migrations_since_candidate: [history.migrationFile],
      owners: ['ada@sandbox.test'],
      team: 'payments',
      runbook: 'https://runbooks.test/x',
    });
    expect(kinds(state)).toEqual(
      expect.arrayContaining(['enriched', 'changes-read', 'suspect-deploy', 'safety-warning']),
    );
    expect(kinds(state)).not.toContain('enrichment-late');
    // The suspect deploy sits in the timeline at the time it finished, before the impact began.
    expect(entry(state, 'suspect-deploy')).toMatchObject({
      at: history.current.finishedAt,
      timeSource: 'vendor',
    });
    const closed = await resolveIncident(id, 'fa57000000000001', startsAt);
    expect(kinds(closed)).not.toContain('enrichment-noted');
    expect(enrichmentNotes(id)).toEqual([]);
  });

  test('the report’s timings come from the incident’s known times: impact start, suspect deploy, detection, resolution', async () => {
    const history = seed(45 * MINUTE);
    const { id, startsAt } = await openIncident('7100000000000001', 15 * MINUTE);
    await h.waitForState(id, (s) => kinds(s).includes('changes-read'), 'the enrichment');
    const closed = await resolveIncident(id, '7100000000000001', startsAt);
    const report = (await h.get(`/v1/incidents/${id}/report?format=json`)).body;
    const deployed = Date.parse(history.current.finishedAt);
    const detected = Date.parse(closed.times.detected ?? '');
    const resolved = Date.parse(closed.times.resolved ?? '');
    expect(report.timings).toMatchObject({
      impactStart: startsAt,
      suspectDeploy: {
        sha: history.current.sha,
        finishedAt: history.current.finishedAt,
        leadMs: Date.parse(startsAt) - deployed,
      },
      ttdMs: detected - Date.parse(startsAt),
      ttdFromDeployMs: detected - deployed,
      ttrMs: resolved - detected,
      failedDeploymentRecoveryMs: resolved - deployed,
    });
    expect(report.timings.suspectDeploy.leadMs).toBeGreaterThan(29 * MINUTE);
    expect(report.summary).toContain(`Suspect deploy: ${history.current.sha.slice(0, 12)}`);
    expect(entry(closed, 'timings')?.message).toMatch(/failed-deployment recovery time 4\dm \d\ds/);
    const markdown = (await h.get(`/v1/incidents/${id}/report?format=md`)).text;
    expect(markdown).toContain(
      `| suspect deploy | ${history.current.sha.slice(0, 12)}, finished ${history.current.finishedAt}`,
    );
    expect(markdown).toContain('- **Team:** payments');
  });

  test('a GitHub slower than the budget does not delay the page; what arrives later is added to the PagerDuty incident as a note', async () => {
    const history = seed();
    // The deployments list answers after 4 s, to the quick read within the budget and to the durable
    // read after it: the history arrives about 4 s after the page.
    h.sandbox.github.addFault({
      pathPrefix: `/repos/${repo}/deployments`,
      status: 0,
      delayMs: 4000,
      times: 2,
    });
    const { id, sentAt, startsAt } = await openIncident('5100000000000001');
    const paged = await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
    const { event, payload } = trigger(id);
    const pageLatencyMs = Date.parse(event?.at ?? '') - sentAt;
    expect(pageLatencyMs).toBeGreaterThanOrEqual(BUDGET_MS - 100);
    // Well before GitHub could have answered both reads (4 s each); the page carries no deploy history.
    expect(pageLatencyMs).toBeLessThan(BUDGET_MS + 3000);
    expect(payload?.custom_details.enrichment).toContain('will follow as a note');
    expect(entry(paged, 'enrichment-late')?.message).toContain('not finished within its 2s budget');

    const noted = await h.waitForState(
      id,
      (s) => kinds(s).includes('enrichment-noted'),
      'the late note',
      20_000,
    );
    const notes = enrichmentNotes(id);
    expect(notes).toHaveLength(1);
    if (process.env.FIREBREAK_REPORT_TIMINGS) {
      const noteMs = Date.parse(notes[0]?.createdAt ?? '') - sentAt;
      process.stderr.write(`slow GitHub: page ${pageLatencyMs} ms, note ${noteMs} ms after the alert\n`);
    }
    expect(Date.parse(notes[0]?.createdAt ?? '')).toBeGreaterThan(Date.parse(event?.at ?? '') + 1000);
    expect(notes[0]?.content).toContain(`Current deploy: ${history.current.sha.slice(0, 12)}`);
    expect(notes[0]?.content).toContain(`Suspect deploy: ${history.current.sha.slice(0, 12)}`);
    expect(notes[0]?.content).toContain(`Migrations since the candidate: ${history.migrationFile}`);
    expect(notes[0]?.from).toBe('firebreak@sandbox.test');
    const enriched = entry(noted, 'enriched');
    expect(Date.parse(enriched?.at ?? '')).toBeGreaterThan(Date.parse(noted.times.paged ?? ''));
    expect(noted.enrichment?.currentDeploy?.sha).toBe(history.current.sha);
    await resolveIncident(id, '5100000000000001', startsAt);
  });

  test('a rate-limited GitHub is waited out as it asks, and the enrichment still arrives', async () => {
    const history = seed();
    h.sandbox.github.secondaryRateLimit({
      retryAfterSec: 1,
      times: 1,
      pathPrefix: `/repos/${repo}/deployments`,
    });
    const { id, startsAt } = await openIncident('7a7e000000000001');
    const state = await h.waitForState(
      id,
      (s) => kinds(s).includes('changes-read') && s.times.paged !== null,
      'the enrichment',
    );
    // The quick read within the budget met the limit and said so, or (on a busy machine) ran out of
    // budget first and the durable read met it: either way the timeline names the wait.
    const said = [entry(state, 'enrichment-retrying')?.message, entry(state, 'enriched')?.message].join('\n');
    expect(said).toMatch(/rate limit.*reading again in 1s, as the vendor asked|\(after 2 attempts\)/);
    expect(state.enrichment?.rollbackCandidate?.sha).toBe(history.candidate.sha);
    expect(kinds(state)).not.toContain('enrichment-failed');
    const deployments = h.sandbox.github.received.filter((r) =>
      r.path.startsWith(`/repos/${repo}/deployments`),
    );
    expect(deployments.filter((r) => r.body === '(fault 429)')).toHaveLength(1);
    // Asked again only once the second GitHub asked for had passed.
    const [limited, retried] = deployments;
    expect(Date.parse(retried?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(limited?.at ?? '') + 1000);
    await resolveIncident(id, '7a7e000000000001', startsAt);
  });

  test('a rate limit that resets long after the retry window ends enrichment with a timeline entry saying why', async () => {
    seed();
    h.sandbox.github.setRateLimit(0, Date.now() + 60 * MINUTE);
    const { id, startsAt } = await openIncident('7a7e000000000002');
    const state = await h.waitForState(
      id,
      (s) => s.times.paged !== null && kinds(s).includes('enrichment-failed'),
      'the page',
    );
    expect(entry(state, 'enrichment-failed')?.message).toMatch(
      new RegExp(`enrichment gave up on the deploy history: GitHub primary rate limit hit .* for ${repo}`),
    );
    expect(state.followUps.join('\n')).toContain('rate limit');
    expect(trigger(id).payload?.custom_details.enrichment).toBe('not available');
    h.sandbox.github.setRateLimit(5000);
    await resolveIncident(id, '7a7e000000000002', startsAt);
  });

  test('a repo GitHub does not know is named in the timeline, and the page goes out anyway', async () => {
    h.sandbox.github.reset();
    const { id, startsAt } = await openIncident('90e0000000000001');
    const state = await h.waitForState(
      id,
      (s) => s.times.paged !== null && kinds(s).includes('enrichment-warning'),
      'the page',
    );
    const warnings = state.timeline.filter((t) => t.kind === 'enrichment-warning').map((t) => t.message);
    expect(warnings.join('\n')).toContain(`GitHub repo ${repo} not found or token lacks access (404)`);
    expect(trigger(id).payload?.custom_details.current_deploy).toBeNull();
    await resolveIncident(id, '90e0000000000001', startsAt);
  });

  test('an incident resolved while GitHub is still slow closes at once, without waiting for enrichment', async () => {
    seed();
    h.sandbox.github.addFault({
      pathPrefix: `/repos/${repo}/deployments`,
      status: 0,
      delayMs: 6000,
      times: 2, // the quick read within the budget and the durable one after it
    });
    const { id, startsAt } = await openIncident('f1a9000000000001');
    const resolvedAt = Date.now();
    const closed = await resolveIncident(id, 'f1a9000000000001', startsAt);
    expect(Date.now() - resolvedAt).toBeLessThan(4000);
    expect(kinds(closed)).toContain('enrichment-abandoned');
    expect(closed.times.paged).toBeNull();
  });
});
