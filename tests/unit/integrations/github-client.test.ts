// GitHubClient against the GitHub stand-in: what enrichment reads (latest commit, live deploy, rollback
// candidate, migrations), the freeze-issue calls, and how failures become IntegrationErrors.
import { GitHubClient } from '../../../integrations/github';
import { IntegrationError } from '../../../integrations/errors';
import type { RepoRef } from '../../../integrations/roles';
import { GitHubStandIn, type ServiceHistory } from '../../../sandbox/github';

const TOKEN = 'test-token';
const NOW = Date.parse('2026-01-05T12:00:00Z');
const SHOP: RepoRef = { owner: 'acme', name: 'shop' };

const gh = new GitHubStandIn({ token: TOKEN, now: () => NOW });
let client: GitHubClient;
let history: ServiceHistory;

beforeAll(async () => {
  await gh.listen(0);
  client = new GitHubClient({ baseUrl: gh.url, token: TOKEN, timeoutMs: 2000, now: () => NOW });
});

beforeEach(() => {
  gh.reset();
  history = gh.seedServiceHistory({ repo: 'acme/shop', migration: true, failedDeploy: true });
});

afterAll(async () => {
  await gh.close();
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

describe('reading history', () => {
  test('latestCommit gives the head of the branch with message, author, committer date and link', async () => {
    const commit = await client.latestCommit(SHOP, 'main');

    expect(commit).toEqual({
      sha: history.latestSha,
      message: expect.stringMatching(/^Update copy/),
      author: 'Ann Developer',
      committedAt: expect.stringMatching(/^2026-01-05T/),
      url: `https://github.test/acme/shop/commit/${history.latestSha}`,
    });
  });

  test('the live production deploy is the newest one whose latest status is success', async () => {
    const deployments = await client.deployments(SHOP, 'production', 10);
    const live = deployments.find((d) => d.state === 'success');

    expect(live).toEqual(
      expect.objectContaining({
        id: history.current.deploymentId,
        sha: history.current.sha,
        stateAt: history.current.finishedAt,
      }),
    );
  });

  test('a failed newer deploy is listed first with state failure, so it can be skipped', async () => {
    const [newest] = await client.deployments(SHOP, 'production', 10);

    expect(newest).toEqual(expect.objectContaining({ id: history.failed?.deploymentId, state: 'failure' }));
  });

  test('the rollback candidate is the previous successful deploy', async () => {
    const successful = (await client.deployments(SHOP, 'production', 10)).filter(
      (d) => d.state === 'success',
    );

    expect(successful.map((d) => d.sha)).toEqual([history.current.sha, history.candidate.sha]);
  });

  test('a superseded deploy marked inactive still reports when it succeeded', async () => {
    gh.reset();
    history = gh.seedServiceHistory({ repo: 'acme/shop', inactivateSuperseded: true });

    const deployments = await client.deployments(SHOP, 'production', 10);
    const candidate = deployments.find((d) => d.id === history.candidate.deploymentId);

    expect(candidate).toEqual(
      expect.objectContaining({ state: 'inactive', succeededAt: history.candidate.finishedAt }),
    );
  });

  test('a deploy that never succeeded has no success time', async () => {
    const [failed] = await client.deployments(SHOP, 'production', 1);

    expect(failed).toEqual(expect.objectContaining({ state: 'failure', succeededAt: null }));
  });

  test('a repo without deployments gives an empty list', async () => {
    gh.createRepo('acme', 'fresh');
    gh.commit('acme/fresh', 'main', { message: 'init', files: [{ filename: 'README.md' }] });

    expect(await client.deployments({ owner: 'acme', name: 'fresh' }, 'production', 5)).toEqual([]);
  });

  test('deployments reads statuses only for the `limit` newest deployments', async () => {
    const deployments = await client.deployments(SHOP, 'production', 2);

    expect(deployments.map((d) => d.id)).toEqual([
      history.failed?.deploymentId,
      history.current.deploymentId,
    ]);
    expect(gh.requests('GET', '/repos/acme/shop/deployments/').length).toBe(2);
  });

  test('deployments are sorted newest first even when GitHub lists them in another order', async () => {
    const listed = await fetch(`${gh.url}/repos/acme/shop/deployments?environment=production`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'user-agent': 'test' },
    }).then((r) => r.json() as Promise<unknown[]>);
    gh.addFault({
      pathPrefix: '/repos/acme/shop/deployments',
      status: 200,
      body: [...listed].reverse(),
      times: 1,
    });

    const deployments = await client.deployments(SHOP, 'production', 3);

    expect(deployments.map((d) => d.id)).toEqual([
      history.failed?.deploymentId,
      history.current.deploymentId,
      history.candidate.deploymentId,
    ]);
  });

  test('compare(candidate, current) lists the commits in between and the migration file', async () => {
    const comparison = await client.compare(SHOP, history.candidate.sha, history.current.sha);

    expect(comparison.status).toBe('ahead');
    expect(comparison.commits.map((c) => c.sha)).toEqual(history.changes);
    expect(comparison.files.map((f) => f.filename)).toContain(history.migrationFile);
    expect(comparison.filesPossiblyTruncated).toBe(false);
  });

  test('compare(current, candidate) is behind with no files: the wrong direction for the migration check', async () => {
    const comparison = await client.compare(SHOP, history.current.sha, history.candidate.sha);

    expect(comparison).toEqual(expect.objectContaining({ status: 'behind', aheadBy: 0, files: [] }));
  });

  test('compare flags the file list as possibly truncated at 300 files', async () => {
    const base = gh.branchHead('acme/shop', 'main') as string;
    const files = Array.from({ length: 310 }, (_, i) => ({
      filename: `gen/file-${String(i).padStart(3, '0')}.txt`,
    }));
    gh.commit('acme/shop', 'main', { message: 'generated', files });

    const comparison = await client.compare(SHOP, base, 'main');

    expect(comparison.files).toHaveLength(300);
    expect(comparison.filesPossiblyTruncated).toBe(true);
  });

  test('works against a GitHub Enterprise base URL (/api/v3)', async () => {
    const enterprise = new GitHubClient({ baseUrl: `${gh.url}/api/v3/`, token: TOKEN });

    expect((await enterprise.latestCommit(SHOP, 'main')).sha).toBe(history.latestSha);
  });
});

describe('freeze issues', () => {
  test('createIssue then findOpenIssues finds it by all its labels', async () => {
    const created = await client.createIssue(SHOP, {
      title: 'Deploy freeze',
      body: '<!-- incident:INC-1 -->',
      labels: ['deploy-freeze', 'incident'],
    });

    const found = await client.findOpenIssues(SHOP, { labels: ['deploy-freeze', 'incident'] });

    expect(found).toEqual([
      expect.objectContaining({ number: created.number, body: '<!-- incident:INC-1 -->' }),
    ]);
    expect(found[0]?.labels).toEqual(['deploy-freeze', 'incident']);
  });

  test('findOpenIssues leaves out pull requests and issues missing a label', async () => {
    gh.openPullRequest('acme/shop', { title: 'pr', labels: ['deploy-freeze'] });
    await client.createIssue(SHOP, { title: 'other', labels: ['incident'] });

    expect(await client.findOpenIssues(SHOP, { labels: ['deploy-freeze'] })).toEqual([]);
  });

  test('closeIssue closes it, so it is no longer found', async () => {
    const { number } = await client.createIssue(SHOP, { title: 'Deploy freeze', labels: ['deploy-freeze'] });

    await client.closeIssue(SHOP, number);

    expect(gh.issues('acme/shop')[0]).toEqual(
      expect.objectContaining({ state: 'closed', stateReason: 'completed' }),
    );
    expect(await client.findOpenIssues(SHOP, { labels: ['deploy-freeze'] })).toEqual([]);
  });

  test('commentOnIssue adds a comment', async () => {
    const { number } = await client.createIssue(SHOP, { title: 'Deploy freeze' });

    await client.commentOnIssue(SHOP, number, 'Hotfix landed; freeze lifted.');

    expect(gh.issues('acme/shop')[0]?.comments.map((c) => c.body)).toEqual(['Hotfix landed; freeze lifted.']);
  });
});

describe('failures', () => {
  test('an unknown repo is a non-retryable error whose message names the repo', async () => {
    const error = await failure(client.latestCommit({ owner: 'acme', name: 'nope' }, 'main'));

    expect(error).toEqual(expect.objectContaining({ vendor: 'github', status: 404, retryable: false }));
    expect(error.message).toContain('GitHub repo acme/nope not found or token lacks access (404)');
  });

  test('an unknown branch (422) is not retryable and says what GitHub said', async () => {
    const error = await failure(client.latestCommit(SHOP, 'no-such-branch'));

    expect(error).toEqual(expect.objectContaining({ status: 422, retryable: false }));
    expect(error.message).toContain('No commit found for SHA: no-such-branch');
  });

  test('a bad token (401) is not retryable', async () => {
    const bad = new GitHubClient({ baseUrl: gh.url, token: 'wrong' });

    const error = await failure(bad.latestCommit(SHOP, 'main'));

    expect(error).toEqual(expect.objectContaining({ status: 401, retryable: false }));
    expect(error.message).toMatch(/rejected the token/);
  });

  test('an exhausted primary rate limit is retryable, waiting until x-ratelimit-reset', async () => {
    gh.setRateLimit(0, NOW + 120_000);

    const error = await failure(client.latestCommit(SHOP, 'main'));

    expect(error).toEqual(
      expect.objectContaining({
        status: 403,
        retryable: true,
        code: 'primary_rate_limit',
        retryAfterMs: 120_000,
      }),
    );
  });

  test('a secondary rate limit with retry-after waits that long', async () => {
    gh.secondaryRateLimit({ retryAfterSec: 30 });

    const error = await failure(client.latestCommit(SHOP, 'main'));

    expect(error).toEqual(
      expect.objectContaining({
        status: 429,
        retryable: true,
        code: 'secondary_rate_limit',
        retryAfterMs: 30_000,
      }),
    );
  });

  test('a secondary rate limit without headers waits a minute', async () => {
    gh.secondaryRateLimit();

    const error = await failure(client.createIssue(SHOP, { title: 'x' }));

    expect(error).toEqual(expect.objectContaining({ status: 403, retryable: true, retryAfterMs: 60_000 }));
  });

  test('a 403 that is not a rate limit is a permission problem, not retried', async () => {
    gh.addFault({
      pathPrefix: '/repos/acme/shop',
      status: 403,
      body: { message: 'Resource not accessible by integration' },
      times: 1,
    });

    const error = await failure(client.createIssue(SHOP, { title: 'x' }));

    expect(error).toEqual(expect.objectContaining({ status: 403, retryable: false }));
    expect(error.message).toContain('acme/shop');
  });

  test('a 5xx is retryable', async () => {
    gh.addFault({ pathPrefix: '/repos/acme/shop', status: 502, body: 'Bad Gateway', times: 1 });

    const error = await failure(client.latestCommit(SHOP, 'main'));

    expect(error).toEqual(expect.objectContaining({ status: 502, retryable: true }));
  });

  test('a timeout is retryable', async () => {
    const impatient = new GitHubClient({ baseUrl: gh.url, token: TOKEN, timeoutMs: 50 });
    gh.addFault({ pathPrefix: '/repos/acme/shop', status: 0, delayMs: 300, times: 1 });

    const error = await failure(impatient.latestCommit(SHOP, 'main'));

    expect(error).toEqual(expect.objectContaining({ code: 'timeout', retryable: true }));
    expect(error.status).toBeUndefined();
  });

  test('a refused connection is retryable', async () => {
    const nowhere = new GitHubClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, timeoutMs: 1000 });

    const error = await failure(nowhere.latestCommit(SHOP, 'main'));

    expect(error).toEqual(expect.objectContaining({ code: 'ECONNREFUSED', retryable: true }));
  });
});

describe('reading only what is needed', () => {
  test('deployment statuses are read newest first and stop once the caller has enough', async () => {
    for (let i = 0; i < 12; i++) {
      gh.deploy('acme/shop', {
        sha: history.current.sha,
        createdAt: NOW - (60 - i) * 60_000,
        statuses: [{ state: 'success', at: NOW - (59 - i) * 60_000 }],
      });
    }
    const before = gh.requests('GET', '/repos/acme/shop/deployments/').length;
    const read = await client.deployments(SHOP, 'production', 30, (records) => records.length >= 2);
    const statusReads = gh.requests('GET', '/repos/acme/shop/deployments/').length - before;
    expect(read.length).toBeLessThan(8);
    expect(statusReads).toBe(read.length);
  });
});
