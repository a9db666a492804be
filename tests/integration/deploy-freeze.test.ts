// The deploy freeze and the hotfix path, through the HTTP API and the CLI against the stand-ins and a
// real Temporal server: a rollback freezes the service's deploys where CI can see it (a labelled GitHub
// issue, GET /v1/freeze, `firebreak freeze check`'s exit status); a hotfix runs the hotfix job, lifts
// the freeze and leaves its skipped checks as follow-ups; a rollback freeze outlives its incident until
// someone lifts it; and a service can opt into freezing while a paging incident is open.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../client/cli/ports';
import type { IncidentView } from '../../domain/incident-view';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../bin/firebreak.js');

/** Runs the CLI; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function firebreak(
  apiUrl: string,
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, ...args, '--url', apiUrl, '--token', SANDBOX_API_TOKEN],
      { env: { ...process.env, FIREBREAK_DATA_DIR: dataDir } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    last = await read();
  }
  return last;
}

describe('the deploy freeze and the hotfix path', () => {
  let h: Harness;
  let repo: string;

  beforeAll(async () => {
    h = await startHarness();
    repo = `acme/${h.service}`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const freezeIssues = (state: 'open' | 'closed') =>
    h.sandbox.github.issues(repo).filter((i) => i.state === state && i.labels.includes('deploy-freeze'));
  const freezeStatus = () => h.get(`/v1/freeze?service=${h.service}`).then((r) => r.body);
  const check = () => firebreak(h.apiUrl, h.dataDir, 'freeze', 'check', '--service', h.service);

  const openIncident = async (fingerprint: string): Promise<string> => {
    const response = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { fingerprint, startsAt: new Date().toISOString() }),
    );
    const id: string = response.body.incidents[0].id;
    await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
    return id;
  };
  const rollBack = async (id: string): Promise<IncidentView> => {
    const response = await h.post(`/v1/incidents/${id}/actions`, { action: 'rollback', by: 'ada' });
    expect(response.status).toBe(200);
    return h.waitForState(id, (s) => s.status === 'mitigated', 'the rollback');
  };
  const resolve = async (id: string, fingerprint: string): Promise<void> => {
    const state = await h.incidents.get(id);
    const startsAt = state?.alerts.items[0]?.alert.startsAt;
    await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { fingerprint, status: 'resolved', ...(startsAt ? { startsAt } : {}) }),
    );
    await h.waitForClosed(id);
  };

  test('a rollback freezes deploys: an open labelled issue, GET /v1/freeze, and freeze check exits 1 saying why', async () => {
    const id = await openIncident('f100000000000001');
    expect((await check()).code).toBe(0);
    const state = await rollBack(id);
    expect(state.timeline.find((t) => t.kind === 'freeze-on')?.message).toContain(
      `deploys of ${h.service} frozen: rollback to ${h.sandbox.history.candidateSha.slice(0, 12)}`,
    );
    await eventually(
      async () => freezeIssues('open'),
      (open) => open.length === 1,
      'the freeze issue',
    );
    const [issue] = freezeIssues('open');
    expect(issue?.title).toContain(`Deploy freeze: ${h.service}`);
    expect(issue?.body).toContain(`incident ${id}`);

    const status = await eventually(freezeStatus, (s) => s.services?.[0]?.issue !== null, 'the issue link');
    expect(status).toEqual({
      frozen: true,
      services: [
        {
          service: h.service,
          incident: id,
          kind: 'rollback',
          since: expect.any(String),
          reason: expect.stringContaining('rollback to'),
          issue: expect.stringContaining(`/issues/${issue?.number}`),
        },
      ],
    });
    // Without ?service= every frozen service is listed (from Temporal's visibility, so eventually).
    const all = await eventually(
      () => h.get('/v1/freeze').then((r) => r.body),
      (s) => s.services.some((e: { service: string }) => e.service === h.service),
      'the freeze in the list of all freezes',
    );
    expect(all.frozen).toBe(true);
    const cli = await check();
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`${h.service}: DEPLOYS FROZEN`);
    expect(cli.stdout).toContain(`incident ${id}`);
  });

  test('a hotfix runs the hotfix job once, lifts the freeze in all three places, and its skipped checks become follow-ups', async () => {
    const [open] = (await h.incidents.list({ status: 'open', service: h.service })).map((i) => i.id);
    const id = open as string;
    const sha = h.sandbox.github.branchHead(repo, 'main') as string;
    const response = await h.post(`/v1/incidents/${id}/actions`, { action: 'hotfix', sha, by: 'ada' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ action: 'hotfix', status: 'mitigating' });
    const state = await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.kind === 'freeze-off'),
      'the hotfix and the lift',
    );
    const hotfixTriggers = h.sandbox.jenkins.triggers.filter((t) => t.job === h.sandbox.hotfixJob);
    expect(hotfixTriggers).toHaveLength(1);
    expect(hotfixTriggers[0]?.parameters).toMatchObject({ TARGET_SHA: sha, REQUEST_ID: `${id}-hotfix-1` });
    expect(state.rollbacks.at(-1)).toMatchObject({ kind: 'hotfix', result: 'SUCCESS' });
    expect(state.timeline.find((t) => t.kind === 'freeze-off')?.message).toContain(
      `hotfix ${sha.slice(0, 12)} succeeded`,
    );

    await eventually(
      async () => freezeIssues('closed'),
      (closed) => closed.length === 1,
      'the issue closed',
    );
    expect(freezeIssues('open')).toHaveLength(0);
    expect(await eventually(freezeStatus, (s) => !s.frozen, 'GET /v1/freeze to clear')).toEqual({
      frozen: false,
      services: [],
    });
    const cli = await check();
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('not frozen');

    await resolve(id, 'f100000000000001');
    const report = (await h.get(`/v1/incidents/${id}/report?format=json`)).body;
    expect(report.followUps).toEqual(
      expect.arrayContaining([
        `run the tests the hotfix ${sha.slice(0, 12)} skipped`,
        `run the canary the hotfix ${sha.slice(0, 12)} skipped`,
      ]),
    );
    const kinds = report.timeline.map((t: { kind: string }) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['freeze-on', 'freeze-off']));
    const markdown = (await h.get(`/v1/incidents/${id}/report?format=md`)).text;
    expect(markdown).toContain(`- [ ] run the tests the hotfix ${sha.slice(0, 12)} skipped`);
    expect(markdown).toContain('## Deploy freeze');
    expect(markdown).toMatch(/hotfix \w{12} by ada \(api\): SUCCESS, build #\d+; skipped tests, canary/);
  });

  test('a rollback freeze outlives its incident until `firebreak freeze lift` lifts it', async () => {
    const id = await openIncident('f100000000000002');
    await rollBack(id);
    await resolve(id, 'f100000000000002');
    expect((await freezeStatus()).frozen).toBe(true);
    expect((await check()).code).toBe(1);

    const lifted = await firebreak(
      h.apiUrl,
      h.dataDir,
      'freeze',
      'lift',
      '--service',
      h.service,
      '--by',
      'grace',
      '--reason',
      'checkout verified on the old build; deploys may resume',
    );
    expect(lifted.code).toBe(0);
    await eventually(freezeStatus, (s) => !s.frozen, 'the lift');
    await eventually(
      async () => freezeIssues('open'),
      (open) => open.length === 0,
      'the issue closed',
    );
    const closed = h.sandbox.github
      .issues(repo)
      .filter((i) => i.state === 'closed')
      .at(-1);
    expect(closed?.comments.at(-1)?.body).toContain('deploys may resume');
    const again = await h.post(`/v1/freeze/${h.service}/lift`, { by: 'grace' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_frozen');
  });

  test('lift-freeze on an open incident lifts its freeze; asking again is a 409', async () => {
    const id = await openIncident('f100000000000003');
    await rollBack(id);
    await eventually(freezeStatus, (s) => s.frozen, 'the freeze');
    const response = await h.post(`/v1/incidents/${id}/actions`, { action: 'lift-freeze', by: 'ada' });
    expect(response.status).toBe(200);
    expect(response.body.message).toBe('deploy freeze lifted');
    await eventually(freezeStatus, (s) => !s.frozen, 'the lift');
    const again = await h.post(`/v1/incidents/${id}/actions`, { action: 'lift-freeze', by: 'ada' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('holds no deploy freeze');
    const state = await h.incidents.get(id);
    expect(state?.timeline.find((t) => t.kind === 'freeze-off')?.actor).toEqual({
      by: 'ada',
      channel: 'api',
    });
    await resolve(id, 'f100000000000003');
  });

  test('a second rollback after the freeze was lifted from outside the incident freezes deploys again', async () => {
    const id = await openIncident('f100000000000004');
    await rollBack(id);
    await eventually(freezeStatus, (s) => s.frozen, 'the freeze');
    expect((await h.post(`/v1/freeze/${h.service}/lift`, { by: 'grace' })).status).toBe(200);
    await eventually(freezeStatus, (s) => !s.frozen, 'the lift');
    await rollBack(id);
    const status = await eventually(freezeStatus, (s) => s.frozen, 'the second freeze');
    expect(status.services).toEqual([expect.objectContaining({ incident: id, kind: 'rollback' })]);
    expect((await h.post(`/v1/incidents/${id}/actions`, { action: 'lift-freeze', by: 'ada' })).status).toBe(
      200,
    );
    await eventually(freezeStatus, (s) => !s.frozen, 'the second lift');
    await resolve(id, 'f100000000000004');
  });

  test('bad freeze requests are 4xx naming the problem', async () => {
    expect((await h.get('/v1/freeze?service=Not_A_Service')).status).toBe(400);
    const noBy = await h.post(`/v1/freeze/${h.service}/lift`, {});
    expect(noBy.status).toBe(422);
    expect(noBy.body.error.message).toContain("'by'");
    expect((await h.get('/v1/freeze', 'wrong-token')).status).toBe(401);
  });

  test('freeze check exits 2, not 0 or 1, when it cannot reach Firebreak', async () => {
    const port = await freePort();
    const cli = await firebreak(
      `http://127.0.0.1:${port}`,
      h.dataDir,
      'freeze',
      'check',
      '--service',
      h.service,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`cannot tell whether ${h.service} is frozen`);
  });
});

describe('a service that freezes deploys while a paging incident is open', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      serviceSettings: () => ({ freeze: { label: 'hold-deploys', whilePaging: true } }),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('paging freezes deploys under the configured label, and closing the incident lifts it', async () => {
    const response = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = response.body.incidents[0].id;
    const frozen = await eventually(
      () => h.get(`/v1/freeze?service=${h.service}`).then((r) => r.body),
      (s) => s.frozen,
      'the paging freeze',
    );
    expect(frozen.services[0]).toMatchObject({ incident: id, kind: 'paging' });
    const repo = `acme/${h.service}`;
    await eventually(
      async () =>
        h.sandbox.github.issues(repo).filter((i) => i.state === 'open' && i.labels.includes('hold-deploys')),
      (open) => open.length === 1,
      'the labelled issue',
    );

    await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service, { status: 'resolved' }));
    await h.waitForClosed(id);
    await eventually(
      () => h.get(`/v1/freeze?service=${h.service}`).then((r) => r.body),
      (s) => !s.frozen,
      'the lift at close',
    );
    await eventually(
      async () => h.sandbox.github.issues(repo).filter((i) => i.state === 'open'),
      (open) => open.length === 0,
      'the issue closed',
    );
  });

  test('cancelling a paging incident lifts its paging freeze too', async () => {
    const response = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = response.body.incidents[0].id;
    await eventually(
      () => h.get(`/v1/freeze?service=${h.service}`).then((r) => r.body),
      (s) => s.frozen,
      'the paging freeze',
    );
    const state = await h.incidents.get(id);
    const handle = h.client.workflow.getHandle(state?.workflowId as string);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    await eventually(
      () => h.get(`/v1/freeze?service=${h.service}`).then((r) => r.body),
      (s) => !s.frozen,
      'the lift after the cancel',
    );
    const after = (await handle.query('state')) as IncidentView;
    expect(after.timeline.filter((e) => e.kind === 'freeze-off').at(-1)?.message).toContain(
      'the paging incident was cancelled',
    );
  });
});
