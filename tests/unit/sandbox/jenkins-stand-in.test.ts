// The Jenkins stand-in follows Jenkins where Firebreak depends on it: 201/303 triggers, the queue item
// lifecycle (quiet period, blocked, left, purged), builds, logs, stop, auth and crumbs. A manual clock drives it.
import { JenkinsStandIn, type JenkinsStandInOptions } from '../../../sandbox/jenkins';

const USER = 'firebreak';
const TOKEN = 'jenkins-token';
const AUTH = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
const JOB = 'payments/checkout-rollback';
const JOB_URL = '/job/payments/job/checkout-rollback';

let clock = Date.parse('2026-01-05T12:00:00Z');
const tick = (ms: number): void => {
  clock += ms;
};

const standIns: JenkinsStandIn[] = [];
let jenkins: JenkinsStandIn;

/** Non-concurrent, 10 s long; TARGET_SHA=bad makes it fail. */
function defineRollbackJob(standIn: JenkinsStandIn): void {
  standIn.defineJob(JOB, {
    parameters: [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'ENV', default: 'production' }],
    durationMs: 10_000,
    result: (params) => (params.TARGET_SHA === 'bad' ? 'FAILURE' : 'SUCCESS'),
    consoleLines: ['step one', 'step two', 'step three'],
  });
}

async function start(options: JenkinsStandInOptions = {}): Promise<JenkinsStandIn> {
  const standIn = new JenkinsStandIn({
    user: USER,
    apiToken: TOKEN,
    now: () => clock,
    quietPeriodMs: 1000,
    ...options,
  });
  await standIn.listen(0);
  standIns.push(standIn);
  defineRollbackJob(standIn);
  return standIn;
}

beforeAll(async () => {
  jenkins = await start();
});

beforeEach(() => {
  jenkins.reset();
  defineRollbackJob(jenkins);
});

afterAll(async () => {
  await Promise.all(standIns.map((s) => s.close()));
});

type Json = Record<string, unknown>;

async function call(
  path: string,
  init: {
    method?: string;
    form?: Record<string, string>;
    headers?: Record<string, string>;
    on?: JenkinsStandIn;
  } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Json }> {
  const target = init.on ?? jenkins;
  const response = await fetch(`${target.url}${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      authorization: AUTH,
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Json };
}

const trigger = (form: Record<string, string>, query = '') =>
  call(`${JOB_URL}/buildWithParameters${query}`, { method: 'POST', form });
const queueItem = (id: number) => call(`/queue/item/${id}/api/json`);
const queueIdOf = (location: string | null): number =>
  Number(/\/queue\/item\/(\d+)\/$/.exec(location ?? '')?.[1]);

describe('triggering', () => {
  test('a trigger answers 201 with an empty body and the Location of a new queue item', async () => {
    const answer = await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });

    expect(answer.status).toBe(201);
    expect(answer.text).toBe('');
    expect(answer.headers.get('location')).toBe(`${jenkins.url}/queue/item/1/`);
  });

  test('the item waits out the quiet period, becomes build #1, and the build ends SUCCESS', async () => {
    const id = queueIdOf((await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' })).headers.get('location'));

    const waiting = (await queueItem(id)).json();
    tick(1000);
    const left = (await queueItem(id)).json();
    const running = (await call(`${JOB_URL}/1/api/json`)).json();
    tick(10_000);
    const done = (await call(`${JOB_URL}/1/api/json`)).json();

    expect(waiting).toEqual(
      expect.objectContaining({
        _class: 'hudson.model.Queue$WaitingItem',
        why: expect.stringMatching(/quiet period/),
      }),
    );
    expect(waiting.executable).toBeUndefined();
    expect(left).toEqual(
      expect.objectContaining({ _class: 'hudson.model.Queue$LeftItem', why: null, cancelled: false }),
    );
    expect(left.executable).toEqual(
      expect.objectContaining({ number: 1, url: `${jenkins.url}${JOB_URL}/1/` }),
    );
    expect(running).toEqual(
      expect.objectContaining({ building: true, result: null, duration: 0, queueId: id }),
    );
    expect(done).toEqual(expect.objectContaining({ building: false, result: 'SUCCESS', duration: 10_000 }));
  });

  test('an identical trigger while the first is queued folds: 303 to the same item, one build', async () => {
    const first = await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    const second = await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(1000);

    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(jenkins.builds(JOB)).toHaveLength(1);
    expect(jenkins.triggers.map((t) => t.status)).toEqual([201, 303]);
  });

  test('a trigger with other parameter values creates a new item (201)', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    const other = await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r2' });

    expect(other.status).toBe(201);
    expect(queueIdOf(other.headers.get('location'))).toBe(2);
  });

  test('an identical trigger after the first left the queue creates a new item, blocked behind the build', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(1000);
    const again = await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(1000);

    const blocked = (await queueItem(queueIdOf(again.headers.get('location')))).json();
    tick(9000);
    const builds = jenkins.builds(JOB);

    expect(again.status).toBe(201);
    expect(blocked).toEqual(
      expect.objectContaining({ _class: 'hudson.model.Queue$BlockedItem', blocked: true }),
    );
    expect(blocked.why).toMatch(/^Build #1 is already in progress/);
    expect(builds.map((b) => [b.number, b.startedAt - builds[0]!.startedAt])).toEqual([
      [1, 0],
      [2, 10_000],
    ]);
  });

  test('undefined parameters are ignored and missing ones take their defaults', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1', UNKNOWN: 'x' });

    expect(jenkins.triggers[0]?.parameters).toEqual({
      TARGET_SHA: 'abc',
      REQUEST_ID: 'r1',
      ENV: 'production',
    });
  });

  test('parameters in the query string work like form fields, and delay=0sec skips the quiet period', async () => {
    const answer = await call(`${JOB_URL}/buildWithParameters?TARGET_SHA=q1&REQUEST_ID=r9&delay=0sec`, {
      method: 'POST',
    });
    const item = (await queueItem(queueIdOf(answer.headers.get('location')))).json();

    expect(item._class).toBe('hudson.model.Queue$LeftItem');
    expect(jenkins.builds(JOB)[0]?.parameters).toEqual(
      expect.objectContaining({ TARGET_SHA: 'q1', REQUEST_ID: 'r9' }),
    );
  });

  test('a job without parameters answers 500, a disabled job 409 and an unknown job 404', async () => {
    jenkins.defineJob('plain');
    jenkins.defineJob('off', { parameters: [{ name: 'A' }], disabled: true });

    const plain = await call('/job/plain/buildWithParameters', { method: 'POST', form: { A: '1' } });
    const off = await call('/job/off/buildWithParameters', { method: 'POST', form: { A: '1' } });
    const missing = await call('/job/nope/buildWithParameters', { method: 'POST', form: { A: '1' } });

    expect(plain.status).toBe(500);
    expect(plain.text).toContain('This build is not parameterized!');
    expect(off.status).toBe(409);
    expect(off.text).toContain('off is not buildable');
    expect(missing.status).toBe(404);
  });
});

describe('queue', () => {
  test('/queue/api/json lists waiting items with their parameters and task', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });

    const { items } = (await call('/queue/api/json')).json() as { items: Json[] };

    expect(items).toHaveLength(1);
    expect(items[0]?.params).toBe('\nTARGET_SHA=abc\nREQUEST_ID=r1\nENV=production');
    expect((items[0]?.task as Json).url).toBe(`${jenkins.url}${JOB_URL}/`);
    expect((items[0]?.actions as Json[])[0]?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'REQUEST_ID', value: 'r1' })]),
    );
  });

  test('a left item is purged after the TTL (404) while the build still records its queueId', async () => {
    const id = queueIdOf((await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' })).headers.get('location'));
    tick(1000 + 5 * 60_000);

    const purged = await queueItem(id);
    const job = (await call(`${JOB_URL}/api/json?tree=builds[number,queueId]`)).json();

    expect(purged.status).toBe(404);
    expect((job.builds as Json[])[0]).toEqual(expect.objectContaining({ number: 1, queueId: id }));
  });

  test('executable stays null for a moment after leaving the queue when configured', async () => {
    const slow = await start({ executableDelayMs: 500 });
    const answer = await call(`${JOB_URL}/buildWithParameters`, {
      method: 'POST',
      form: { TARGET_SHA: 'a' },
      on: slow,
    });
    const path = `/queue/item/${queueIdOf(answer.headers.get('location'))}/api/json`;
    tick(1000);

    const early = (await call(path, { on: slow })).json();
    tick(500);
    const later = (await call(path, { on: slow })).json();

    expect(early).toEqual(
      expect.objectContaining({ _class: 'hudson.model.Queue$LeftItem', executable: null }),
    );
    expect(later.executable).toEqual(expect.objectContaining({ number: 1 }));
  });

  test('cancelItem cancels a waiting item: cancelled true, no executable, no build', async () => {
    const id = queueIdOf((await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' })).headers.get('location'));

    const cancel = await call(`/queue/cancelItem?id=${id}`, { method: 'POST' });
    tick(2000);
    const item = (await queueItem(id)).json();

    expect(cancel.status).toBe(204);
    expect(item).toEqual(expect.objectContaining({ cancelled: true, executable: null }));
    expect(jenkins.builds(JOB)).toEqual([]);
  });
});

describe('builds, logs and stop', () => {
  test('a scripted FAILURE ends the build FAILURE and the console says so', async () => {
    await trigger({ TARGET_SHA: 'bad', REQUEST_ID: 'r1' });
    tick(11_000);

    const build = (await call(`${JOB_URL}/1/api/json`)).json();
    const log = await call(`${JOB_URL}/1/consoleText`);

    expect(build.result).toBe('FAILURE');
    expect(log.text).toMatch(/step three\nFinished: FAILURE\n$/);
  });

  test('progressiveText gives the log from an offset with X-Text-Size, and X-More-Data while running', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(1000 + 5000);

    const partial = await call(`${JOB_URL}/1/logText/progressiveText?start=0`);
    tick(5000);
    const rest = await call(
      `${JOB_URL}/1/logText/progressiveText?start=${partial.headers.get('x-text-size')}`,
    );

    expect(partial.headers.get('x-more-data')).toBe('true');
    expect(partial.text).toContain('step two');
    expect(partial.text).not.toContain('step three');
    expect(rest.headers.get('x-more-data')).toBeNull();
    expect(rest.text).toBe('step three\nFinished: SUCCESS\n');
  });

  test('stop on a running build redirects (302) and the build ends ABORTED after a short delay', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(2000);

    const stop = await call(`${JOB_URL}/1/stop`, { method: 'POST' });
    const right = (await call(`${JOB_URL}/1/api/json`)).json();
    tick(100);
    const after = (await call(`${JOB_URL}/1/api/json`)).json();

    expect(stop.status).toBe(302);
    expect(right.building).toBe(true);
    expect(after).toEqual(expect.objectContaining({ building: false, result: 'ABORTED' }));
    expect((await call(`${JOB_URL}/1/consoleText`)).text).toMatch(/Finished: ABORTED\n$/);
  });

  test('stop on a finished build changes nothing', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(11_000);

    const stop = await call(`${JOB_URL}/1/stop`, { method: 'POST' });

    expect(stop.status).toBe(302);
    expect(jenkins.builds(JOB)[0]?.result).toBe('SUCCESS');
  });

  test('the job JSON lists builds newest first with parameters, and permalinks such as lastSuccessfulBuild', async () => {
    await trigger({ TARGET_SHA: 'abc', REQUEST_ID: 'r1' });
    tick(11_000);
    await trigger({ TARGET_SHA: 'bad', REQUEST_ID: 'r2' });
    tick(11_000);

    const job = (await call(`${JOB_URL}/api/json`)).json();
    const lastSuccessful = (await call(`${JOB_URL}/lastSuccessfulBuild/api/json`)).json();

    expect((job.builds as Json[]).map((b) => [b.number, b.result])).toEqual([
      [2, 'FAILURE'],
      [1, 'SUCCESS'],
    ]);
    expect(job.lastFailedBuild).toEqual(expect.objectContaining({ number: 2 }));
    expect(lastSuccessful.number).toBe(1);
  });

  test('folders are addressed by repeated /job/ segments and list their jobs', async () => {
    const folder = (await call('/job/payments/api/json')).json();

    expect(folder._class).toBe('com.cloudbees.hudson.plugins.folder.Folder');
    expect((folder.jobs as Json[]).map((j) => j.name)).toEqual(['checkout-rollback']);
  });
});

describe('auth and crumbs', () => {
  test('no credentials or a wrong token is 401 with WWW-Authenticate Basic realm="Jenkins"', async () => {
    const none = await call('/queue/api/json', { headers: { authorization: '' } });
    const wrong = await call('/queue/api/json', {
      headers: { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` },
    });

    expect([none.status, wrong.status]).toEqual([401, 401]);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
  });

  test('with API tokens no crumb is needed and the crumb issuer answers 404', async () => {
    const crumb = await call('/crumbIssuer/api/json');

    expect(crumb.status).toBe(404);
    expect((await trigger({ TARGET_SHA: 'abc' })).status).toBe(201);
  });

  test('when crumbs are required, a POST without one is 403 and one with the issued crumb succeeds', async () => {
    const strict = await start({ requireCrumb: true });
    const post = (headers: Record<string, string> = {}) =>
      call(`${JOB_URL}/buildWithParameters`, {
        method: 'POST',
        form: { TARGET_SHA: 'a' },
        headers,
        on: strict,
      });

    const refused = await post();
    const { crumb, crumbRequestField } = (
      await call('/crumbIssuer/api/json', { on: strict })
    ).json() as Record<string, string>;
    const accepted = await post({ [String(crumbRequestField)]: String(crumb) });

    expect(refused.status).toBe(403);
    expect(refused.text).toContain('No valid crumb was included in the request');
    expect(accepted.status).toBe(201);
  });

  test('a configured root URL (as behind a proxy) is used in Location', async () => {
    const proxied = await start({ rootUrl: 'http://jenkins.internal:8080/' });

    const answer = await call(`${JOB_URL}/buildWithParameters`, {
      method: 'POST',
      form: { TARGET_SHA: 'a' },
      on: proxied,
    });

    expect(answer.headers.get('location')).toBe('http://jenkins.internal:8080/queue/item/1/');
  });
});

describe('seeded deploy history', () => {
  test('seeded builds are numbered in order, finished, with their parameters; the sandbox route seeds them too', async () => {
    jenkins.defineJob('shop/deploy', { parameters: [{ name: 'GIT_SHA' }], durationMs: 30_000 });
    const first = jenkins.seedBuild('shop/deploy', {
      parameters: { GIT_SHA: 'aaa' },
      startedAt: clock - 7_200_000,
    });
    const response = await fetch(`${jenkins.url}/_sandbox/jenkins/builds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        job: 'shop/deploy',
        parameters: { GIT_SHA: 'bbb' },
        startedAt: new Date(clock - 3_600_000).toISOString(),
        result: 'FAILURE',
      }),
    });
    expect(first).toBe(1);
    expect(response.status).toBe(201);
    const builds = (await call('/job/shop/job/deploy/api/json')).json().builds as Json[];
    expect(builds.map((b) => [b.number, b.result, b.building, b.duration])).toEqual([
      [2, 'FAILURE', false, 30_000],
      [1, 'SUCCESS', false, 30_000],
    ]);
    expect(jenkins.builds('shop/deploy').map((b) => b.parameters.GIT_SHA)).toEqual(['aaa', 'bbb']);
  });
});
