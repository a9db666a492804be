// The rollback activity against the Jenkins stand-in: one build per decision, however often it runs.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { typedRun } from '../../support/activity-env';
import { createActivities } from '../../../activities';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildActivityDeps } from '../../../worker/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('the rollback activity', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-rollback-'));
    sandbox = await startSandbox({
      dataDir,
      apiPort: 0,
      service: 'shop',
      rollbackBuildMs: 200,
      quietPeriodMs: 0,
    });
    activities = createActivities(
      buildActivityDeps(sandbox.config, { ...sandbox.extras, jenkinsPollMs: 20 }),
    );
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const input = (requestId: string) => ({
    incidentId: 'shop-0000abcd',
    service: 'shop',
    targetSha: sandbox.history.candidateSha,
    requestId,
  });

  test('triggers the rollback job with the target SHA and follows it to SUCCESS, heartbeating its progress', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const result = await typedRun(env, activities.runRollback, input('req-1'));
    expect(result).toMatchObject({ result: 'SUCCESS', buildNumber: expect.any(Number) });
    const trigger = sandbox.jenkins.triggers.find((t) => t.parameters.REQUEST_ID === 'req-1');
    expect(trigger?.parameters.TARGET_SHA).toBe(sandbox.history.candidateSha);
    expect(beats).toContainEqual(expect.objectContaining({ buildNumber: result.buildNumber }));
  });

  test('a retried attempt of the same decision finds its build instead of starting another', async () => {
    const env = new MockActivityEnvironment();
    const first = await typedRun(env, activities.runRollback, input('req-2'));
    const again = await typedRun(
      new MockActivityEnvironment({ attempt: 2 }),
      activities.runRollback,
      input('req-2'),
    );
    expect(again.buildNumber).toBe(first.buildNumber);
    expect(sandbox.jenkins.triggers.filter((t) => t.parameters.REQUEST_ID === 'req-2')).toHaveLength(1);
  });

  test('a failed build reports FAILURE with the console tail', async () => {
    sandbox.jenkins.defineJob('shop/rollback', {
      parameters: [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'INCIDENT_ID' }],
      durationMs: 100,
      result: 'FAILURE',
      consoleLines: ['Deploying...', 'ERROR: image not found'],
    });
    const result = await typedRun(new MockActivityEnvironment(), activities.runRollback, input('req-3'));
    expect(result.result).toBe('FAILURE');
    expect(result.consoleTail).toContain('ERROR: image not found');
  });

  test('a hotfix runs the hotfix job, not the rollback job, with the same REQUEST_ID guarantee', async () => {
    const result = await typedRun(new MockActivityEnvironment(), activities.runHotfix, input('req-hotfix-1'));
    const again = await typedRun(
      new MockActivityEnvironment({ attempt: 2 }),
      activities.runHotfix,
      input('req-hotfix-1'),
    );
    expect(result.result).toBe('SUCCESS');
    expect(again.buildNumber).toBe(result.buildNumber);
    const triggers = sandbox.jenkins.triggers.filter((t) => t.parameters.REQUEST_ID === 'req-hotfix-1');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]?.job).toBe(sandbox.hotfixJob);
  });

  test('a cancelled rollback aborts its running Jenkins build with /stop', async () => {
    sandbox.jenkins.defineJob('shop/rollback', {
      parameters: [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'INCIDENT_ID' }],
      durationMs: 60_000,
    });
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (details: { buildNumber?: number }) => {
      if (details.buildNumber) env.cancel('CANCELLED');
    });
    await expect(typedRun(env, activities.runRollback, input('req-cancel'))).rejects.toBeInstanceOf(
      CancelledFailure,
    );
    const build = sandbox.jenkins
      .builds('shop/rollback')
      .find((b) => b.parameters.REQUEST_ID === 'req-cancel');
    expect(sandbox.jenkins.requests('POST', `/job/shop/job/rollback/${build?.number}/stop`)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sandbox.jenkins.builds('shop/rollback').find((b) => b.number === build?.number)?.result).toBe(
      'ABORTED',
    );
  });

  test('a rollback cancelled while still queued cancels its queue item, so no build starts', async () => {
    sandbox.jenkins.defineJob('shop/rollback', {
      parameters: [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'INCIDENT_ID' }],
      durationMs: 1500,
    });
    // A running build of the (non-concurrent) job keeps the next request waiting in the queue.
    const blocker = typedRun(new MockActivityEnvironment(), activities.runRollback, input('req-blocker'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (details: { queueId?: number; buildNumber?: number }) => {
      if (details.queueId && !details.buildNumber) env.cancel('CANCELLED');
    });
    await expect(typedRun(env, activities.runRollback, input('req-cancel-queued'))).rejects.toBeInstanceOf(
      CancelledFailure,
    );
    expect(sandbox.jenkins.requests('POST', '/queue/cancelItem')).toHaveLength(1);
    expect((await blocker).result).toBe('SUCCESS');
    const builds = sandbox.jenkins.builds('shop/rollback');
    expect(builds.filter((b) => b.parameters.REQUEST_ID === 'req-cancel-queued')).toHaveLength(0);
  });
});
