// JenkinsClient against the Jenkins stand-in: the rollback's trigger → queue → build → result path, the
// lookups that keep a retried activity from starting a second build, and failures as IntegrationErrors.
import { IntegrationError } from '../../../integrations/errors';
import { JenkinsClient, jobUrl } from '../../../integrations/jenkins';
import { JenkinsStandIn, type JenkinsStandInOptions } from '../../../sandbox/jenkins';

const USER = 'firebreak';
const TOKEN = 'jenkins-token';
const JOB = 'payments/checkout-rollback';

let clock = Date.parse('2026-01-05T12:00:00Z');
const tick = (ms: number): void => {
  clock += ms;
};

const standIns: JenkinsStandIn[] = [];
let jenkins: JenkinsStandIn;
let client: JenkinsClient;

/** Non-concurrent, 10 s long; TARGET_SHA=bad makes it fail. */
function defineRollbackJob(standIn: JenkinsStandIn): void {
  standIn.defineJob(JOB, {
    parameters: [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }],
    durationMs: 10_000,
    result: (params) => (params.TARGET_SHA === 'bad' ? 'FAILURE' : 'SUCCESS'),
    consoleLines: (params) => [
      `rolling back to ${params.TARGET_SHA}`,
      'ERROR: health check failed on 3/3 hosts',
    ],
  });
}

async function start(
  options: JenkinsStandInOptions = {},
): Promise<{ standIn: JenkinsStandIn; client: JenkinsClient }> {
  const standIn = new JenkinsStandIn({ user: USER, apiToken: TOKEN, now: () => clock, ...options });
  await standIn.listen(0);
  standIns.push(standIn);
  defineRollbackJob(standIn);
  return {
    standIn,
    client: new JenkinsClient({ baseUrl: standIn.url, user: USER, apiToken: TOKEN, timeoutMs: 2000 }),
  };
}

beforeAll(async () => {
  ({ standIn: jenkins, client } = await start());
});

beforeEach(() => {
  jenkins.reset();
  defineRollbackJob(jenkins);
});

afterAll(async () => {
  await Promise.all(standIns.map((s) => s.close()));
});

async function failure(promise: Promise<unknown>): Promise<IntegrationError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof IntegrationError))
    throw new Error(`expected an IntegrationError, got ${String(error)}`);
  return error;
}

/** Occupies the non-concurrent job so that the next trigger stays in the queue (blocked). */
async function occupyJob(): Promise<void> {
  await client.triggerBuild(JOB, { TARGET_SHA: 'busy', REQUEST_ID: 'other-incident' });
  tick(1);
}

describe('the rollback path', () => {
  test('trigger → queue item → build → SUCCESS', async () => {
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    const item = await client.queueItem(ref.queueId);
    const running = await client.build(JOB, item?.build?.number ?? -1);
    tick(10_000);
    const done = await client.build(JOB, running.number);

    expect(ref).toEqual({ queueId: 1, folded: false });
    expect(item).toEqual({
      queueId: 1,
      cancelled: false,
      why: null,
      build: { number: 1, url: expect.any(String) },
    });
    expect(running).toEqual(
      expect.objectContaining({ building: true, result: null, durationMs: 0, queueId: 1 }),
    );
    expect(done).toEqual(expect.objectContaining({ building: false, result: 'SUCCESS', durationMs: 10_000 }));
    expect(done.parameters).toEqual({ TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
  });

  test('the trigger sends delay=0sec and a form body, and reads Location without following it', async () => {
    await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    const [request] = jenkins.requests('POST', `${jobUrl(JOB)}/buildWithParameters`);
    expect(request?.query).toEqual({ delay: '0sec' });
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(jenkins.requests('GET', '/queue/item/')).toEqual([]);
  });

  test('an identical trigger while the first is still queued folds onto the same item and reports folded', async () => {
    await occupyJob();

    const first = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    const retry = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    expect(first.folded).toBe(false);
    expect(retry).toEqual({ queueId: first.queueId, folded: true });
    expect(jenkins.triggers.map((t) => t.status)).toEqual([201, 201, 303]);
  });

  test('a queued trigger is found again by its REQUEST_ID parameter', async () => {
    await occupyJob();
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    const found = await client.findQueuedByParameter(JOB, 'REQUEST_ID', 'inc-1');
    const other = await client.findQueuedByParameter(JOB, 'REQUEST_ID', 'inc-2');

    expect(found).toEqual({ queueId: ref.queueId, folded: false });
    expect(other).toBeNull();
  });

  test('a started build is found by its REQUEST_ID parameter, so a retried activity does not trigger again', async () => {
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-2' });
    tick(20_000);

    const build = await client.findBuildByParameter(JOB, 'REQUEST_ID', 'inc-1');

    expect(build).toEqual(expect.objectContaining({ number: 1, queueId: ref.queueId, result: 'SUCCESS' }));
    expect(await client.findQueuedByParameter(JOB, 'REQUEST_ID', 'inc-1')).toBeNull();
    expect(await client.findBuildByParameter(JOB, 'REQUEST_ID', 'inc-3')).toBeNull();
  });

  test('after the queue item is purged, queueItem is null and findBuildByQueueId finds the build', async () => {
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    tick(5 * 60_000 + 1);

    const item = await client.queueItem(ref.queueId);
    const build = await client.findBuildByQueueId(JOB, ref.queueId);

    expect(item).toBeNull();
    expect(build).toEqual(expect.objectContaining({ number: 1, queueId: ref.queueId }));
  });

  test('while executable is still null the queue item has no build yet', async () => {
    const { client: slowClient } = await start({ executableDelayMs: 500 });
    const ref = await slowClient.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    const early = await slowClient.queueItem(ref.queueId);
    tick(500);
    const later = await slowClient.queueItem(ref.queueId);

    expect(early).toEqual({ queueId: ref.queueId, cancelled: false, why: null });
    expect(later?.build?.number).toBe(1);
  });

  test('a cancelled queue item reports cancelled and no build', async () => {
    await occupyJob();
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    await fetch(`${jenkins.url}/queue/cancelItem?id=${ref.queueId}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}` },
    });

    expect(await client.queueItem(ref.queueId)).toEqual({ queueId: ref.queueId, cancelled: true, why: null });
  });

  test('a blocked queue item says why', async () => {
    await occupyJob();
    const ref = await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    expect((await client.queueItem(ref.queueId))?.why).toMatch(/^Build #1 is already in progress/);
  });

  test('a FAILURE result comes with the tail of the console log', async () => {
    await client.triggerBuild(JOB, { TARGET_SHA: 'bad', REQUEST_ID: 'inc-1' });
    tick(10_000);

    const build = await client.build(JOB, 1);
    const tail = await client.consoleTail(JOB, 1, 60);

    expect(build.result).toBe('FAILURE');
    expect(tail).toMatch(/ERROR: health check failed on 3\/3 hosts\nFinished: FAILURE\n$/);
    expect(Buffer.byteLength(tail)).toBe(60);
  });

  test('the console tail never starts in the middle of a multi-byte character', async () => {
    jenkins.defineJob(JOB, { parameters: [{ name: 'A' }], durationMs: 10, consoleLines: ['ééééé'] });
    await client.triggerBuild(JOB, { A: '1' });
    tick(10);

    const tail = await client.consoleTail(JOB, 1, 'é\nFinished: SUCCESS\n'.length + 1);

    expect(tail).toBe('é\nFinished: SUCCESS\n');
  });

  test('stopBuild turns a running build ABORTED', async () => {
    await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });
    tick(1000);

    await client.stopBuild(JOB, 1);
    tick(100);

    expect(await client.build(JOB, 1)).toEqual(
      expect.objectContaining({ building: false, result: 'ABORTED' }),
    );
  });

  test('job paths with folders and special characters are encoded per segment', async () => {
    jenkins.defineJob('team a/deploy#1/roll back', { parameters: [{ name: 'A' }], durationMs: 10 });

    const ref = await client.triggerBuild('team a/deploy#1/roll back', { A: '1' });
    tick(10);

    expect(jobUrl('team a/deploy#1/roll back')).toBe('/job/team%20a/job/deploy%231/job/roll%20back');
    expect((await client.findBuildByQueueId('team a/deploy#1/roll back', ref.queueId))?.result).toBe(
      'SUCCESS',
    );
  });
});

describe('deploy history', () => {
  test('recentBuilds lists finished builds newest first with their parameters and times', async () => {
    jenkins.defineJob('shop/deploy', { parameters: [{ name: 'GIT_SHA' }] });
    const start = Date.parse('2026-01-05T09:00:00Z');
    jenkins.seedBuild('shop/deploy', {
      parameters: { GIT_SHA: 'aaa' },
      startedAt: start,
      durationMs: 60_000,
    });
    jenkins.seedBuild('shop/deploy', {
      parameters: { GIT_SHA: 'bbb' },
      startedAt: start + 3_600_000,
      durationMs: 90_000,
      result: 'FAILURE',
    });

    const builds = await client.recentBuilds('shop/deploy');

    expect(builds.map((b) => [b.number, b.result, b.parameters.GIT_SHA])).toEqual([
      [2, 'FAILURE', 'bbb'],
      [1, 'SUCCESS', 'aaa'],
    ]);
    expect(builds[1]).toMatchObject({ startedAt: '2026-01-05T09:00:00.000Z', durationMs: 60_000 });
  });
});

describe('Jenkins quirks', () => {
  test('a Location on another host (behind a proxy) still gives the queue id, read via the configured base', async () => {
    const { client: proxiedClient } = await start({ rootUrl: 'http://jenkins.internal:8080' });

    const ref = await proxiedClient.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    expect(ref.queueId).toBe(1);
    expect((await proxiedClient.queueItem(ref.queueId))?.build?.number).toBe(1);
  });

  test('when Jenkins demands a crumb, the client fetches one and retries once', async () => {
    const { standIn, client: crumbClient } = await start({ requireCrumb: true });

    const ref = await crumbClient.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    expect(ref.folded).toBe(false);
    expect(standIn.requests('GET', '/crumbIssuer/api/json')).toHaveLength(1);
  });

  test('without a crumb demand the client never asks for one', async () => {
    await client.triggerBuild(JOB, { TARGET_SHA: 'abc123', REQUEST_ID: 'inc-1' });

    expect(jenkins.requests('GET', '/crumbIssuer')).toHaveLength(0);
  });
});

describe('failures', () => {
  test('bad credentials (401) are not retryable', async () => {
    const wrong = new JenkinsClient({ baseUrl: jenkins.url, user: USER, apiToken: 'nope' });

    const error = await failure(wrong.triggerBuild(JOB, { TARGET_SHA: 'abc123' }));

    expect(error).toEqual(expect.objectContaining({ vendor: 'jenkins', status: 401, retryable: false }));
    expect(error.message).toContain(`user '${USER}'`);
  });

  test('an unknown job (404) is not retryable and the message names the job', async () => {
    const error = await failure(client.triggerBuild('payments/nope', { A: '1' }));

    expect(error).toEqual(expect.objectContaining({ status: 404, retryable: false }));
    expect(error.message).toContain('Jenkins job payments/nope not found (404)');
  });

  test('an unknown build (404) names the build', async () => {
    const error = await failure(client.build(JOB, 42));

    expect(error.message).toContain(`Jenkins build ${JOB} #42 not found`);
  });

  test('a disabled job (409) is not retryable', async () => {
    jenkins.setJobDisabled(JOB, true);

    const error = await failure(client.triggerBuild(JOB, { TARGET_SHA: 'abc123' }));

    expect(error).toEqual(expect.objectContaining({ status: 409, retryable: false }));
    expect(error.message).toContain(`${JOB} is disabled`);
  });

  test('a job without parameters (500) is not retryable', async () => {
    jenkins.defineJob('plain');

    const error = await failure(client.triggerBuild('plain', { A: '1' }));

    expect(error).toEqual(expect.objectContaining({ status: 500, retryable: false }));
    expect(error.message).toContain('plain has no parameters');
  });

  test('a 5xx is retryable', async () => {
    jenkins.addFault({ pathPrefix: '/queue/item/', status: 503, times: 1 });

    const error = await failure(client.queueItem(1));

    expect(error).toEqual(expect.objectContaining({ status: 503, retryable: true }));
  });

  test('a timeout is retryable', async () => {
    const impatient = new JenkinsClient({ baseUrl: jenkins.url, user: USER, apiToken: TOKEN, timeoutMs: 50 });
    jenkins.addFault({ pathPrefix: '/queue/api/json', status: 0, delayMs: 300, times: 1 });

    const error = await failure(impatient.findQueuedByParameter(JOB, 'REQUEST_ID', 'x'));

    expect(error).toEqual(expect.objectContaining({ code: 'timeout', retryable: true }));
  });
});
