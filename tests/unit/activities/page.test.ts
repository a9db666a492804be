// The paging activities against the PagerDuty stand-in (HTTPS, as pdjs insists).
import { quietActivityEnvironment, typedRun } from '../../support/activity-env';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import type { Actor } from '../../../domain/actions';
import type { Alert } from '../../../domain/alert';
import type { Enrichment } from '../../../domain/enrichment';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildActivityDeps } from '../../../worker/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('paging', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;
  const env = quietActivityEnvironment();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-page-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    activities = createActivities(buildActivityDeps(sandbox.config, sandbox.extras));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const page = (overrides: Record<string, unknown> = {}) => ({
    incidentId: 'shop-1234abcd',
    dedupKey: 'shop-1234abcd',
    service: 'shop',
    severity: 'critical',
    title: 'checkout 5xx above 10%',
    impactStart: '2026-11-20T10:00:00.000Z',
    alerts: [],
    enrichment: null,
    ...overrides,
  });

  test('a page is a trigger keyed by the incident, with a summary, mapped severity and links', async () => {
    await typedRun(env, activities.pageResponder, page({ severity: 'warn' }));
    const event = sandbox.pagerduty.events.at(-1);
    const body = event?.body as {
      dedup_key: string;
      payload: { summary: string; severity: string };
      links: Array<{ href: string }>;
    };
    expect(body.dedup_key).toBe('shop-1234abcd');
    expect(body.payload).toMatchObject({
      summary: '[warn] shop: checkout 5xx above 10%',
      severity: 'warning',
    });
    expect(body.links.map((l) => l.href)).toContain('http://127.0.0.1:0/v1/incidents/shop-1234abcd/report');
    expect(body.links.map((l) => l.href)).toContain('http://127.0.0.1:0/#/incidents/shop-1234abcd');
  });

  test('paging the same incident twice leaves one PagerDuty incident', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-twice000' }));
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-twice000' }));
    expect(sandbox.pagerduty.incidents().filter((i) => i.dedupKey === 'shop-twice000')).toHaveLength(1);
  });

  test('PagerDuty answering 500 is a retryable failure', async () => {
    sandbox.pagerduty.addFault({ pathPrefix: '/v2/enqueue', status: 500, times: 1 });
    const error = await typedRun(env, activities.pageResponder, page()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
  });

  test('a service without a routing key fails without retrying, naming the service', async () => {
    const error = await env
      .run(activities.pageResponder, page({ service: 'unconfigured' }))
      .catch((e: unknown) => e);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toContain("'unconfigured'");
  });

  const CURRENT = 'c0ffee'.padEnd(40, '0');
  const CANDIDATE = 'ca11ed'.padEnd(40, '0');
  const enrichment = (changesRead: boolean): Enrichment => ({
    source: 'github',
    repo: 'acme/shop',
    branch: 'main',
    deploysFrom: 'production deployments of acme/shop',
    latestCommit: null,
    currentDeploy: { sha: CURRENT, deploymentId: 2, finishedAt: '2026-11-20T09:30:00Z', url: '' },
    rollbackCandidate: { sha: CANDIDATE, deploymentId: 1, finishedAt: '2026-11-20T07:00:00Z', url: '' },
    rollbackCandidateAgeMs: 3 * 3_600_000,
    recentDeploys: [],
    readAt: '2026-11-20T10:00:00Z',
    attempts: 1,
    changes: changesRead ? [{ sha: 'd'.repeat(40), message: 'Add index\n\nlong text' }] : [],
    migrations: changesRead ? ['db/migrate/1_add_index.rb'] : [],
    changesPossiblyIncomplete: false,
    compareUrl: null,
    changesRead,
    warnings: [],
  });
  const suspectDeploy = { sha: CURRENT, finishedAt: '2026-11-20T09:30:00Z', leadMs: 30 * 60_000 };
  const alert: Alert = {
    source: 'alertmanager',
    service: 'shop',
    severity: 'critical',
    summary: 'checkout 5xx above 10%',
    labels: {},
    annotations: {},
    links: { runbook: 'https://runbooks.test/shop', dashboard: 'https://grafana.test/d/shop' },
    startsAt: '2026-11-20T10:00:00Z',
    endsAt: null,
    status: 'firing',
    occurrenceKey: 'f@1',
  };
  const details = () =>
    (
      sandbox.pagerduty.events.at(-1)?.body as {
        payload: { custom_details: Record<string, any>; summary: string };
      }
    ).payload;

  test('the page names the suspect deploy, the owners and team, the runbook and dashboard, and the candidate age', async () => {
    await typedRun(
      env,
      activities.pageResponder,
      page({
        dedupKey: 'shop-details1',
        alerts: [alert],
        enrichment: enrichment(true),
        suspectDeploy,
        profile: {
          owners: ['ada@example.test'],
          team: 'payments',
          enrichmentBudgetMs: 2000,
          suspectWindowMs: 7_200_000,
        },
      }),
    );
    const payload = details();
    expect(payload.summary).toBe('[critical] shop: checkout 5xx above 10% (suspect deploy c0ffee000000)');
    expect(payload.custom_details).toMatchObject({
      suspect_deploy: 'c0ffee000000, finished 2026-11-20T09:30:00Z (30m 00s before impact start)',
      owners: ['ada@example.test'],
      team: 'payments',
      runbook: 'https://runbooks.test/shop',
      dashboard: 'https://grafana.test/d/shop',
      rollback_candidate: 'ca11ed000000 (finished 2026-11-20T07:00:00Z)',
      rollback_candidate_age: '3h 00m 00s',
      migrations_since_candidate: ['db/migrate/1_add_index.rb'],
      commits_since_candidate: ['dddddddddddd Add index'],
    });
  });

  test('a page sent before the changes were read says they will follow as a note', async () => {
    await typedRun(
      env,
      activities.pageResponder,
      page({ dedupKey: 'shop-partial1', enrichment: enrichment(false), enrichmentPending: true }),
    );
    expect(details().custom_details.changes_since_candidate).toContain('will follow as a note');
    await typedRun(
      env,
      activities.pageResponder,
      page({ dedupKey: 'shop-partial2', enrichmentPending: true }),
    );
    expect(details().custom_details.enrichment).toContain('will follow as a note');
  });

  test('late enrichment becomes one note on the PagerDuty incident, sent with the From header, even when retried', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-late0001' }));
    const input = {
      incidentId: 'shop-late0001',
      dedupKey: 'shop-late0001',
      enrichment: enrichment(true),
      suspectDeploy,
    };
    const first = await typedRun(env, activities.noteLateEnrichment, input);
    const again = await typedRun(env, activities.noteLateEnrichment, input);
    expect(first.added).toBe(true);
    expect(again).toEqual({ noteId: first.noteId, added: false });
    const notes = sandbox.pagerduty.incidents().find((i) => i.dedupKey === 'shop-late0001')?.notes ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]?.from).toBe('firebreak@sandbox.test');
    expect(notes[0]?.content).toContain('Suspect deploy: c0ffee000000');
    expect(notes[0]?.content).toContain('Rollback candidate: ca11ed000000, 3h 00m 00s old');
    expect(notes[0]?.content).toContain('Migrations since the candidate: db/migrate/1_add_index.rb');
  });

  test('a note for a page PagerDuty has not turned into an incident yet is retried later', async () => {
    const error = await typedRun(env, activities.noteLateEnrichment, {
      incidentId: 'shop-nopage01',
      dedupKey: 'shop-nopage01',
      enrichment: enrichment(true),
      suspectDeploy: null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
    expect((error as Error).message).toContain('no incident for dedup key shop-nopage01');
  });

  test('who is on call is read from the escalation policy', async () => {
    const names = await typedRun(env, activities.lookUpOnCall, { service: 'shop' });
    expect(names?.length).toBeGreaterThan(0);
  });

  test('the PagerDuty incident of a page is found by its dedup key', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-find0000' }));
    const found = await typedRun(env, activities.findPagerDutyIncident, {
      service: 'shop',
      dedupKey: 'shop-find0000',
    });
    expect(found?.id).toBe(sandbox.pagerduty.incidents().find((i) => i.dedupKey === 'shop-find0000')?.id);
  });

  test('a page PagerDuty has not opened an incident for yet is a retryable failure', async () => {
    const error = await env
      .run(activities.findPagerDutyIncident, { service: 'shop', dedupKey: 'shop-notyet00' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'PagerDutyIncidentNotOpenYet', nonRetryable: false });
  });

  test('escalating a page moves its PagerDuty incident one level up', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-escal000' }));
    await typedRun(env, activities.escalatePage, {
      service: 'shop',
      dedupKey: 'shop-escal000',
      pagerDutyIncidentId: null,
      level: 2,
    });
    const incident = sandbox.pagerduty.incidents().find((i) => i.dedupKey === 'shop-escal000');
    expect(incident).toMatchObject({ escalationLevel: 2, assignees: ['PUSER02'] });
  });

  test('a note lands on the page’s PagerDuty incident', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-note0000' }));
    await typedRun(env, activities.notePagerDuty, {
      service: 'shop',
      dedupKey: 'shop-note0000',
      pagerDutyIncidentId: null,
      text: '[Firebreak] rollback refused: already mitigating',
    });
    const incident = sandbox.pagerduty.incidents().find((i) => i.dedupKey === 'shop-note0000');
    expect(incident?.notes.map((n) => n.content)).toEqual([
      '[Firebreak] rollback refused: already mitigating',
    ]);
  });
});

describe('who may act', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;
  const env = quietActivityEnvironment();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-authz-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    activities = createActivities(buildActivityDeps(sandbox.config, sandbox.extras));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const check = (actor: Actor, responders = { users: ['lead@example.test'], onCall: true }) =>
    typedRun(env, activities.checkResponder, { service: 'shop', actor, responders });

  test('someone on call may act, known by their email (API) or their PagerDuty user id', async () => {
    expect(await check({ by: 'ada@example.test', channel: 'api' })).toMatchObject({ allowed: true });
    expect(await check({ by: 'Grace Hopper', channel: 'pagerduty', userId: 'PUSER02' })).toMatchObject({
      allowed: true,
      reason: 'Grace Hopper is on call (level 2)',
    });
  });

  test('someone neither listed nor on call is refused, and told why', async () => {
    expect(await check({ by: 'mallory@example.test', channel: 'api' })).toEqual({
      allowed: false,
      reason: 'mallory@example.test is neither on call for shop nor listed among its responders',
    });
  });

  test('without the on-call rule only the listed may act; a PagerDuty user is matched by email', async () => {
    const listOnly = { users: ['grace@example.test'], onCall: false };
    expect(
      await check({ by: 'Ada Lovelace', channel: 'pagerduty', userId: 'PUSER01' }, listOnly),
    ).toMatchObject({
      allowed: false,
    });
    expect(
      await check({ by: 'Grace Hopper', channel: 'pagerduty', userId: 'PUSER02' }, listOnly),
    ).toMatchObject({
      allowed: true,
    });
  });

  test('the service policy read at the start has the defaults where the config says nothing', async () => {
    expect(await typedRun(env, activities.readIncidentPolicy, { service: 'shop' })).toEqual({
      ackTimeoutMs: 600_000,
      maxEscalations: 2,
      autoRollbackAfterMs: null,
      pageSeverities: ['critical', 'error'],
      flapWindowMs: 300_000,
      responders: null,
    });
  });
});
