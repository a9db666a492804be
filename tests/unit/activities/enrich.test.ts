// The enrichment activities against the GitHub and Jenkins stand-ins: what is live, what to roll back
// to and how old it is, what changed in between, and how vendor failures surface (warnings that name the
// repo, or a failed attempt that Temporal retries after the vendor's wait).
import { ApplicationFailure } from '@temporalio/common';
import { quietActivityEnvironment, typedRun } from '../../support/activity-env';
import { createActivities } from '../../../activities';
import type { FirebreakConfig, ServiceConfig } from '../../../config/schema';
import { comparison, type DeployHistory } from '../../../domain/enrichment';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildActivityDeps } from '../../../worker/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const HOUR = 3_600_000;
const MINUTE = 60_000;

describe('enrichment', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;
  const env = quietActivityEnvironment();

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
    sandbox.jenkins.reset();
    return seed ? sandbox.github.seedServiceHistory(seed) : null;
  };

  /** Activities whose `shop` service differs from the sandbox's by `change`. */
  const activitiesWith = (
    change: Partial<ServiceConfig>,
    integrations: Partial<FirebreakConfig['integrations']> = {},
  ) => {
    const shop = sandbox.config.services.shop as ServiceConfig;
    const config: FirebreakConfig = {
      ...sandbox.config,
      integrations: { ...sandbox.config.integrations, ...integrations },
      services: { shop: { ...shop, ...change } },
    };
    return createActivities(buildActivityDeps(config, sandbox.extras));
  };

  const history = async (acts = activities): Promise<DeployHistory> => {
    const read = await typedRun(env, acts.readDeployHistory, { service: 'shop' });
    if (!read) throw new Error('expected a deploy history');
    return read;
  };

  const changesOf = async (read: DeployHistory, acts = activities) => {
    const range = comparison(read);
    if (!range) throw new Error('expected something to compare');
    return typedRun(env, acts.readChanges, { service: 'shop', ...range });
  };

  async function rejection(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ApplicationFailure))
      throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
    return error;
  }

  describe('from GitHub deployments', () => {
    test('finds the live deploy, the previous successful one as rollback candidate, and the commits between', async () => {
      const seeded = reseed({ repo: 'acme/shop', failedDeploy: true });
      const read = await history();
      const changes = await changesOf(read);
      expect(read.currentDeploy?.sha).toBe(seeded?.current.sha);
      expect(read.rollbackCandidate?.sha).toBe(seeded?.candidate.sha);
      expect(read.latestCommit?.sha).toBe(seeded?.latestSha);
      expect(changes.changes.map((c) => c.sha)).toEqual(seeded?.changes);
      expect(changes).toMatchObject({ known: true, migrations: [], changesPossiblyIncomplete: false });
    });

    test('a candidate older than an hour comes with its age and a warning', async () => {
      reseed({ repo: 'acme/shop', candidateDeployedAgoMs: 3 * HOUR });
      const read = await history();
      expect(read.rollbackCandidateAgeMs).toBeGreaterThanOrEqual(3 * HOUR);
      expect(read.rollbackCandidateAgeMs).toBeLessThan(3 * HOUR + MINUTE);
      expect(read.warnings.join('\n')).toMatch(/rollback candidate [0-9a-f]{12} went live 3h 00m \d\ds ago/);
    });

    test('a candidate younger than an hour has its age and no warning', async () => {
      reseed({ repo: 'acme/shop', candidateDeployedAgoMs: 50 * MINUTE, currentDeployedAgoMs: 10 * MINUTE });
      const read = await history();
      expect(read.rollbackCandidateAgeMs).toBeGreaterThanOrEqual(50 * MINUTE);
      expect(read.rollbackCandidateAgeMs).toBeLessThan(51 * MINUTE);
      expect(read.warnings).toEqual([]);
    });

    test('lists the migration files a rollback would not undo', async () => {
      const seeded = reseed({ repo: 'acme/shop', migration: 'db/migrate/20261120_add_index.rb' });
      const changes = await changesOf(await history());
      expect(seeded?.migrationFile).toBe('db/migrate/20261120_add_index.rb');
      expect(changes.migrations).toEqual(['db/migrate/20261120_add_index.rb']);
    });

    test('migrations under a configured path count, others do not', async () => {
      reseed({ repo: 'acme/shop', migration: 'schema/changes/001_orders.sql' });
      const read = await history();
      expect((await changesOf(read)).migrations).toEqual([]);
      const custom = activitiesWith({
        policy: {
          migrationPaths: ['schema/changes/'],
          enrichmentBudgetMs: 2000,
          suspectWindowMinutes: 120,
          pageSeverities: ['critical', 'error'],
        },
      });
      expect((await changesOf(read, custom)).migrations).toEqual(['schema/changes/001_orders.sql']);
    });

    test('a GitHub Enterprise base URL (…/api/v3) reads the same history', async () => {
      const seeded = reseed({ repo: 'acme/shop' });
      const github = { ...sandbox.config.integrations.github, baseUrl: `${sandbox.github.url}/api/v3` } as {
        baseUrl: string;
        token: string;
      };
      const read = await history(activitiesWith({}, { github }));
      expect(read.currentDeploy?.sha).toBe(seeded?.current.sha);
      expect(sandbox.github.requests('GET', '/api/v3/repos/acme/shop/deployments').length).toBeGreaterThan(0);
    });

    test('a deploy its deployer marked inactive when superseded is still the rollback candidate', async () => {
      const seeded = reseed({ repo: 'acme/shop', inactivateSuperseded: true });
      const read = await history();
      expect(read.rollbackCandidate?.sha).toBe(seeded?.candidate.sha);
      expect(read.rollbackCandidate?.finishedAt).toBe(seeded?.candidate.finishedAt);
    });

    test('a repo with no deployments gives a warning, not a failure', async () => {
      reseed(null);
      sandbox.github.createRepo('acme', 'shop', { defaultBranch: 'main' });
      sandbox.github.commit('acme/shop', 'main', { message: 'initial', files: [{ filename: 'README.md' }] });
      const read = await history();
      expect(read.currentDeploy).toBeNull();
      expect(read.rollbackCandidate).toBeNull();
      expect(read.latestCommit?.message).toBe('initial');
      expect(read.warnings).toContain('no successful production deployment of acme/shop');
      expect(comparison(read)).toBeNull();
    });

    test('a repo whose deploys all failed has nothing live and nothing to roll back to', async () => {
      reseed(null);
      const gh = sandbox.github;
      gh.createRepo('acme', 'shop', { defaultBranch: 'main' });
      for (const n of [1, 2]) {
        const sha = gh.commit('acme/shop', 'main', {
          message: `change ${n}`,
          files: [{ filename: `f${n}` }],
        });
        gh.deploy('acme/shop', { sha, statuses: [{ state: 'in_progress' }, { state: 'failure' }] });
      }
      const read = await history();
      expect(read.currentDeploy).toBeNull();
      expect(read.rollbackCandidate).toBeNull();
      expect(read.recentDeploys).toEqual([]);
      expect(read.warnings).toEqual([
        'no successful production deployment of acme/shop (2 listed, none live)',
      ]);
    });

    test('a compare at GitHub’s 300-file cap says the migration list may be incomplete', async () => {
      reseed(null);
      const gh = sandbox.github;
      gh.createRepo('acme', 'shop', { defaultBranch: 'main' });
      const deployOk = (sha: string) => gh.deploy('acme/shop', { sha, statuses: [{ state: 'success' }] });
      deployOk(gh.commit('acme/shop', 'main', { message: 'base', files: [{ filename: 'README.md' }] }));
      const files = Array.from({ length: 320 }, (_, i) => ({
        filename: `src/file${String(i).padStart(3, '0')}.rb`,
      }));
      deployOk(gh.commit('acme/shop', 'main', { message: 'big bang', files }));
      const changes = await changesOf(await history());
      expect(changes.changesPossiblyIncomplete).toBe(true);
      expect(changes.warnings.join('\n')).toContain('300 changed files');
    });
  });

  describe('from a Jenkins deploy job', () => {
    const JOB = 'shop/deploy';
    const jenkinsHistory = {
      deployHistory: { source: 'jenkins' as const, job: JOB, shaParameter: 'GIT_SHA' },
    };

    /** Deploy builds of the seeded commits: candidate, a failed one, current, then the current again. */
    function seedBuilds(candidate: string, current: string, failed: string): void {
      const j = sandbox.jenkins;
      j.defineJob(JOB, { parameters: [{ name: 'GIT_SHA' }], durationMs: 60_000 });
      const t = Date.now() - 4 * HOUR;
      j.seedBuild(JOB, { parameters: { GIT_SHA: candidate }, startedAt: t });
      j.seedBuild(JOB, { parameters: { GIT_SHA: failed }, startedAt: t + HOUR, result: 'FAILURE' });
      j.seedBuild(JOB, { parameters: { GIT_SHA: current }, startedAt: t + 2 * HOUR });
      j.seedBuild(JOB, { parameters: { GIT_SHA: current }, startedAt: t + 3 * HOUR });
    }

    test('the newest successful build is current, the previous one with another SHA the candidate; GitHub compares them', async () => {
      const seeded = reseed({ repo: 'acme/shop', migration: true, failedDeploy: true });
      seedBuilds(seeded?.candidate.sha ?? '', seeded?.current.sha ?? '', seeded?.failed?.sha ?? '');
      const acts = activitiesWith(jenkinsHistory);
      const read = await history(acts);
      expect(read).toMatchObject({ source: 'jenkins', deploysFrom: 'Jenkins job shop/deploy (GIT_SHA)' });
      expect(read.currentDeploy).toMatchObject({ sha: seeded?.current.sha, deploymentId: 4 });
      expect(read.rollbackCandidate).toMatchObject({ sha: seeded?.candidate.sha, deploymentId: 1 });
      expect(read.rollbackCandidateAgeMs).toBeGreaterThan(3 * HOUR);
      expect(read.recentDeploys.map((d) => d.deploymentId)).toEqual([4, 3, 1]);
      const changes = await changesOf(read, acts);
      expect(changes.changes.map((c) => c.sha)).toEqual(seeded?.changes);
      expect(changes.migrations).toEqual([seeded?.migrationFile]);
    });

    test('without a GitHub repo the history still comes from Jenkins, and says what is unknown', async () => {
      reseed(null);
      seedBuilds('a'.repeat(40), 'c'.repeat(40), 'b'.repeat(40));
      const read = await history(activitiesWith({ ...jenkinsHistory, github: undefined }));
      expect(read).toMatchObject({ repo: null, latestCommit: null });
      expect(read.currentDeploy?.sha).toBe('c'.repeat(40));
      expect(read.rollbackCandidate?.sha).toBe('a'.repeat(40));
      expect(read.warnings).toContain(
        'no GitHub repo configured: the commits and migrations between deploys are unknown',
      );
      expect(comparison(read)).toBeNull();
    });

    test('an unknown deploy job is a warning that names it', async () => {
      reseed({ repo: 'acme/shop' });
      const read = await history(activitiesWith(jenkinsHistory));
      expect(read.currentDeploy).toBeNull();
      expect(read.warnings.join('\n')).toContain('Jenkins job shop/deploy not found (404)');
    });
  });

  describe('when GitHub fails', () => {
    test('a secondary rate limit fails the attempt with GitHub’s retry-after as the next retry delay; the retry succeeds', async () => {
      const seeded = reseed({ repo: 'acme/shop' });
      sandbox.github.secondaryRateLimit({ retryAfterSec: 7, times: 1 });
      const failure = await rejection(typedRun(env, activities.readDeployHistory, { service: 'shop' }));
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBe(7000);
      expect(failure.message).toContain('secondary rate limit');
      expect((await history()).currentDeploy?.sha).toBe(seeded?.current.sha);
    });

    test('an exhausted primary budget waits until x-ratelimit-reset', async () => {
      reseed({ repo: 'acme/shop' });
      sandbox.github.setRateLimit(0, Date.now() + 90_000);
      const failure = await rejection(typedRun(env, activities.readDeployHistory, { service: 'shop' }));
      sandbox.github.setRateLimit(5000);
      expect(failure.message).toContain('primary rate limit');
      expect(Number(failure.nextRetryDelay)).toBeGreaterThan(80_000);
      expect(Number(failure.nextRetryDelay)).toBeLessThanOrEqual(90_000);
    });

    test('a rate-limited compare is retried the same way, keeping the history already read', async () => {
      reseed({ repo: 'acme/shop' });
      const read = await history();
      sandbox.github.secondaryRateLimit({
        retryAfterSec: 2,
        times: 1,
        pathPrefix: '/repos/acme/shop/compare',
      });
      const failure = await rejection(changesOf(read));
      expect(failure.nextRetryDelay).toBe(2000);
      expect((await changesOf(read)).known).toBe(true);
    });

    test('an unknown repo (404) becomes a warning that names the repo and the problem', async () => {
      reseed(null);
      const read = await history();
      expect(read.rollbackCandidate).toBeNull();
      expect(read.warnings.join('\n')).toContain(
        'GitHub repo acme/shop not found or token lacks access (404)',
      );
    });

    test('a rejected token (401) becomes a warning naming the repo', async () => {
      reseed({ repo: 'acme/shop' });
      const github = { baseUrl: sandbox.github.url, token: 'wrong-token' };
      const read = await history(activitiesWith({}, { github }));
      expect(read.currentDeploy).toBeNull();
      expect(read.warnings.join('\n')).toMatch(
        /could not read production deployments of acme\/shop: GitHub rejected the token \(401/,
      );
    });

    test('a token without permission (403) becomes a warning naming the repo', async () => {
      reseed({ repo: 'acme/shop' });
      sandbox.github.addFault({
        pathPrefix: '/repos/acme/shop/deployments',
        status: 403,
        body: { message: 'Resource not accessible by integration' },
        times: 1,
      });
      const read = await history();
      expect(read.warnings.join('\n')).toContain('token lacks permission on GitHub repo acme/shop (403');
      expect(read.latestCommit).not.toBeNull();
    });

    test('a compare of a SHA GitHub does not know is a warning, and the changes are marked unknown', async () => {
      reseed({ repo: 'acme/shop' });
      const changes = await typedRun(env, activities.readChanges, {
        service: 'shop',
        base: 'f'.repeat(40),
        head: 'e'.repeat(40),
      });
      expect(changes.known).toBe(false);
      expect(changes.warnings.join('\n')).toContain('acme/shop');
    });
  });
});
