// The enrichment activity against the GitHub stand-in: what changed, and what to roll back to.
import { MockActivityEnvironment } from '@temporalio/testing';
import { typedRun } from '../../support/activity-env';
import { createActivities } from '../../../activities';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildActivityDeps } from '../../../worker/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('enrichment', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-enrich-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    activities = createActivities(buildActivityDeps(sandbox.config, sandbox.extras));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const reseed = (seed: Parameters<Sandbox['github']['seedServiceHistory']>[0] | null) => {
    sandbox.github.reset();
    return seed ? sandbox.github.seedServiceHistory(seed) : null;
  };

  test('finds the live deploy, the previous successful one as rollback candidate, and the commits between', async () => {
    const history = reseed({ repo: 'acme/shop', failedDeploy: true });
    const result = await typedRun(env, activities.enrichIncident, { service: 'shop' });
    expect(result?.currentDeploy?.sha).toBe(history?.current.sha);
    expect(result?.rollbackCandidate?.sha).toBe(history?.candidate.sha);
    expect(result?.changes.map((c) => c.sha)).toEqual(history?.changes);
    expect(result?.latestCommit?.sha).toBe(history?.latestSha);
    expect(result?.migrations).toEqual([]);
  });

  test('lists the migration files a rollback would not undo', async () => {
    const history = reseed({ repo: 'acme/shop', migration: 'db/migrate/20261120_add_index.rb' });
    const result = await typedRun(env, activities.enrichIncident, { service: 'shop' });
    expect(history?.migrationFile).toBe('db/migrate/20261120_add_index.rb');
    expect(result?.migrations).toEqual(['db/migrate/20261120_add_index.rb']);
  });

  test('a repo with no deployments gives a warning, not a failure', async () => {
    reseed(null);
    sandbox.github.createRepo('acme', 'shop', { defaultBranch: 'main' });
    sandbox.github.commit('acme/shop', 'main', { message: 'initial', files: [{ filename: 'README.md' }] });
    const result = await typedRun(env, activities.enrichIncident, { service: 'shop' });
    expect(result?.currentDeploy).toBeNull();
    expect(result?.warnings).toContain('no successful production deployment of acme/shop');
  });

  test('an unknown repo becomes a warning that names it', async () => {
    reseed(null);
    const result = await typedRun(env, activities.enrichIncident, { service: 'shop' });
    expect(result?.warnings.join('\n')).toContain('acme/shop');
    expect(result?.rollbackCandidate).toBeNull();
  });
});
