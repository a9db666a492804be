// The rollback activity against a Jenkins that behaves like a busy production one (contract §1): queue
// items that linger without an executable and are purged, builds stopped by someone else, slow builds,
// and a retry that arrives while the first trigger is still waiting in the queue.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import type { FirebreakConfig } from '../../../config/schema';
import { JenkinsClient } from '../../../integrations/jenkins';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { JenkinsStandIn } from '../../../sandbox/jenkins';
import { buildActivityDeps } from '../../../worker/wiring';
import { typedRun } from '../../support/activity-env';

const JOB = 'shop/rollback';
const PARAMETERS = [{ name: 'TARGET_SHA' }, { name: 'REQUEST_ID' }, { name: 'INCIDENT_ID' }];

describe('the rollback activity against a busy Jenkins', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let jenkins: JenkinsStandIn;
  let client: JenkinsClient;
  let activities: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-jenkins-build-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    const { user, apiToken } = sandbox.config.integrations.jenkins as { user: string; apiToken: string };
    const credentials = { user, apiToken };
    // Items leave the queue without an executable for a while and are purged soon after (adoptium #1360).
    jenkins = new JenkinsStandIn({ ...credentials, executableDelayMs: 400, leftItemTtlMs: 100 });
    await jenkins.listen(0);
    client = new JenkinsClient({ baseUrl: jenkins.url, ...credentials });
    const config: FirebreakConfig = {
      ...sandbox.config,
      integrations: { ...sandbox.config.integrations, jenkins: { baseUrl: jenkins.url, ...credentials } },
    };
    activities = createActivities(buildActivityDeps(config, { ...sandbox.extras, jenkinsPollMs: 30 }));
  });
  beforeEach(() => {
    jenkins.reset();
    jenkins.defineJob(JOB, { parameters: PARAMETERS, durationMs: 300 });
  });
  afterAll(async () => {
    await jenkins.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const input = (requestId: string) => ({
    incidentId: 'shop-0000abcd',
    service: 'shop',
    targetSha: sandbox.history.candidateSha,
    requestId,
  });

  test('a queue item purged before it named its build is followed to the build through its queue id', async () => {
    const result = await typedRun(new MockActivityEnvironment(), activities.runRollback, input('req-purged'));
    const [build] = jenkins.builds(JOB);
    expect(result).toMatchObject({ result: 'SUCCESS', buildNumber: build?.number, queueId: build?.queueId });
    // The item was gone (404) by the time its executable would have been known.
    expect(await client.queueItem(result.queueId)).toBeNull();
  });

  test('a build someone stops in Jenkins ends ABORTED, with its console tail', async () => {
    jenkins.defineJob(JOB, {
      parameters: PARAMETERS,
      durationMs: 30_000,
      consoleLines: ['Deploying image...'],
    });
    const env = new MockActivityEnvironment();
    let stopped = false;
    env.on('heartbeat', (details: { buildNumber?: number }) => {
      if (details.buildNumber && !stopped) {
        stopped = true;
        void client.stopBuild(JOB, details.buildNumber);
      }
    });
    const result = await typedRun(env, activities.runRollback, input('req-aborted'));
    expect(result.result).toBe('ABORTED');
    expect(result.consoleTail).toContain('Aborted by firebreak');
    expect(result.consoleTail).toContain('Finished: ABORTED');
  });

  test('a slow build is followed to its end with heartbeats all along', async () => {
    jenkins.defineJob(JOB, { parameters: PARAMETERS, durationMs: 1500, result: 'UNSTABLE' });
    const env = new MockActivityEnvironment();
    const beats: Array<{ buildNumber?: number }> = [];
    env.on('heartbeat', (details: { buildNumber?: number }) => beats.push(details));
    const result = await typedRun(env, activities.runRollback, input('req-slow'));
    expect(result.result).toBe('UNSTABLE');
    expect(beats.filter((b) => b.buildNumber === result.buildNumber).length).toBeGreaterThan(10);
  });

  test('a retry arriving while the first trigger still waits in the queue joins it: one trigger, one build', async () => {
    jenkins.defineJob(JOB, { parameters: PARAMETERS, durationMs: 800 });
    // Another build occupies the (non-concurrent) job, so this decision's first trigger stays queued.
    await client.triggerBuild(JOB, { TARGET_SHA: 'busy', REQUEST_ID: 'someone-else' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.triggerBuild(JOB, {
      TARGET_SHA: sandbox.history.candidateSha,
      REQUEST_ID: 'req-queued',
      INCIDENT_ID: 'shop-0000abcd',
    });
    // The worker died right after that trigger; the retry knows nothing of it (no heartbeat).
    const result = await typedRun(
      new MockActivityEnvironment({ attempt: 2 }),
      activities.runRollback,
      input('req-queued'),
    );
    expect(result.result).toBe('SUCCESS');
    expect(jenkins.triggers.filter((t) => t.parameters.REQUEST_ID === 'req-queued')).toHaveLength(1);
    expect(jenkins.builds(JOB).filter((b) => b.parameters.REQUEST_ID === 'req-queued')).toHaveLength(1);
  });
});
