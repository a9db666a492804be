// The GitHub stand-in behaves like GitHub where Firebreak depends on it: merge-base compare, newest-first
// deployments, auth and User-Agent checks, rate-limit answers, issues.
import http from 'node:http';
import { GitHubStandIn, type ServiceHistory } from '../../../sandbox/github';

const TOKEN = 'test-token';
const NOW = Date.parse('2026-01-05T12:00:00Z');
const REPO = 'acme/shop';

let clock = NOW;
const gh = new GitHubStandIn({ token: TOKEN, now: () => clock });
let history: ServiceHistory;

beforeAll(async () => {
  await gh.listen(0);
});

beforeEach(() => {
  gh.reset();
  clock = NOW;
  history = gh.seedServiceHistory({ repo: REPO, migration: true, failedDeploy: true });
});

afterAll(async () => {
  await gh.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${gh.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'user-agent': 'firebreak-test',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const answer: Answer = {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : null,
  };
  return answer;
}

/** node:http sends no User-Agent unless told to (fetch always adds one). */
function getWithoutUserAgent(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${gh.url}${path}`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
  });
}

type Json = Record<string, unknown>;
const shas = (list: unknown): string[] => (list as Json[]).map((c) => String(c.sha));
const filenames = (list: unknown): string[] => (list as Json[]).map((f) => String(f.filename));

describe('compare (merge-base semantics)', () => {
  test('target...current is ahead and lists the commits in between and the migration file', async () => {
    const { body } = await call(`/repos/${REPO}/compare/${history.candidate.sha}...${history.current.sha}`);
    const comparison = body as Json;

    expect(comparison.status).toBe('ahead');
    expect(comparison.ahead_by).toBe(history.changes.length);
    expect(comparison.behind_by).toBe(0);
    expect(shas(comparison.commits)).toEqual(history.changes);
    expect(filenames(comparison.files)).toContain(history.migrationFile);
    expect((comparison.files as Json[]).find((f) => f.filename === history.migrationFile)?.status).toBe(
      'added',
    );
  });

  test('current...target, where the target is an ancestor, is behind with no commits and no files', async () => {
    const { body } = await call(`/repos/${REPO}/compare/${history.current.sha}...${history.candidate.sha}`);
    const comparison = body as Json;

    expect(comparison.status).toBe('behind');
    expect(comparison.ahead_by).toBe(0);
    expect(comparison.behind_by).toBe(history.changes.length);
    expect(comparison.commits).toEqual([]);
    expect(comparison.files).toEqual([]);
  });

  test('diverged branches: head-only commits, files diffed from the merge base, both counts set', async () => {
    gh.createBranch(REPO, 'hotfix', history.candidate.sha);
    const fix = gh.commit(REPO, 'hotfix', { message: 'Hotfix', files: [{ filename: 'app/hotfix.rb' }] });

    const { body } = await call(`/repos/${REPO}/compare/${history.current.sha}...hotfix`);
    const comparison = body as Json;

    expect(comparison.status).toBe('diverged');
    expect(shas(comparison.commits)).toEqual([fix]);
    expect(filenames(comparison.files)).toEqual(['app/hotfix.rb']);
    expect(comparison.behind_by).toBe(history.changes.length);
    expect((comparison.merge_base_commit as Json).sha).toBe(history.candidate.sha);
  });

  test('identical refs compare as identical', async () => {
    const { body } = await call(`/repos/${REPO}/compare/main...${history.latestSha}`);

    expect((body as Json).status).toBe('identical');
    expect((body as Json).files).toEqual([]);
  });

  test('a rename is reported once, with previous_filename', async () => {
    const before = gh.branchHead(REPO, 'main') as string;
    gh.commit(REPO, 'main', {
      message: 'Move cart',
      files: [{ filename: 'app/basket.rb', status: 'renamed', previousFilename: 'app/cart.rb' }],
    });

    const { body } = await call(`/repos/${REPO}/compare/${before}...main`);

    expect((body as Json).files).toEqual([
      expect.objectContaining({
        filename: 'app/basket.rb',
        status: 'renamed',
        previous_filename: 'app/cart.rb',
      }),
    ]);
  });

  test('a merge commit has both parents, and compare from the branch point includes the merged commits', async () => {
    gh.createBranch(REPO, 'feature', history.current.sha);
    const feature = gh.commit(REPO, 'feature', {
      message: 'Feature',
      files: [{ filename: 'app/feature.rb' }],
    });
    const merge = gh.merge(REPO, 'main', 'feature');

    const { body } = await call(`/repos/${REPO}/compare/${history.current.sha}...main`);
    const commit = await call(`/repos/${REPO}/commits/${merge}`);

    expect(shas((commit.body as Json).parents)).toEqual([history.latestSha, feature]);
    expect(shas((body as Json).commits)).toEqual(expect.arrayContaining([feature, merge]));
    expect(filenames((body as Json).files)).toContain('app/feature.rb');
  });

  test('an unknown ref in compare is 404', async () => {
    const { status, body } = await call(`/repos/${REPO}/compare/nope...main`);

    expect(status).toBe(404);
    expect((body as Json).message).toBe('Not Found');
  });
});

describe('commits', () => {
  test('a branch, heads/BRANCH, a full sha and a short sha all resolve to the same commit', async () => {
    const answers = await Promise.all(
      ['main', 'heads/main', history.latestSha, history.latestSha.slice(0, 7)].map((ref) =>
        call(`/repos/${REPO}/commits/${ref}`),
      ),
    );

    expect(answers.map((a) => (a.body as Json).sha)).toEqual(Array(4).fill(history.latestSha));
    expect((answers[0]?.body as Json).files).toBeInstanceOf(Array);
  });

  test('the commit carries message, author and committer date', async () => {
    const { body } = await call(`/repos/${REPO}/commits/${history.current.sha}`);
    const commit = (body as Json).commit as Json;

    expect(commit.message).toBe('Speed up cart totals');
    expect((commit.author as Json).name).toEqual(expect.any(String));
    expect((commit.committer as Json).date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(String((body as Json).sha)).toMatch(/^[0-9a-f]{40}$/);
  });

  test('an unknown ref is 422 "No commit found for SHA"', async () => {
    const { status, body } = await call(`/repos/${REPO}/commits/no-such-branch`);

    expect(status).toBe(422);
    expect((body as Json).message).toBe('No commit found for SHA: no-such-branch');
  });

  test('an empty repository answers 409', async () => {
    gh.createRepo('acme', 'empty');

    const { status } = await call('/repos/acme/empty/commits/main');

    expect(status).toBe(409);
  });

  test('an unknown repository answers 404 Not Found with documentation_url', async () => {
    const { status, body } = await call('/repos/acme/missing/commits/main');

    expect(status).toBe(404);
    expect(body).toEqual(
      expect.objectContaining({ message: 'Not Found', documentation_url: expect.any(String) }),
    );
  });

  test('the commit list is newest first and paginated with a Link header', async () => {
    const first = await call(`/repos/${REPO}/commits?sha=main&per_page=2`);
    const second = await call(`/repos/${REPO}/commits?sha=main&per_page=2&page=2`);

    expect(shas(first.body)[0]).toBe(history.latestSha);
    expect(first.headers.get('link')).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    const dates = [...(first.body as Json[]), ...(second.body as Json[])].map((c) =>
      Date.parse(String(((c.commit as Json).committer as Json).date)),
    );
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  test('seeding the same history twice gives the same shas (content-addressed)', () => {
    const again = new GitHubStandIn({ now: () => NOW }).seedServiceHistory({
      repo: REPO,
      migration: true,
      failedDeploy: true,
    });

    expect(again.current.sha).toBe(history.current.sha);
    expect(again.latestSha).toBe(history.latestSha);
  });
});

describe('deployments', () => {
  test('are listed newest first and filtered by environment', async () => {
    gh.deploy(REPO, { sha: history.current.sha, environment: 'staging', createdAt: NOW - 1000 });

    const { body } = await call(`/repos/${REPO}/deployments?environment=production`);
    const ids = (body as Json[]).map((d) => d.id);

    expect(ids).toEqual([
      history.failed?.deploymentId,
      history.current.deploymentId,
      history.candidate.deploymentId,
    ]);
    expect((body as Json[]).every((d) => d.environment === 'production')).toBe(true);
  });

  test('are paginated with a Link header', async () => {
    const { body, headers } = await call(
      `/repos/${REPO}/deployments?environment=production&per_page=1&page=2`,
    );

    expect((body as Json[]).map((d) => d.id)).toEqual([history.current.deploymentId]);
    expect(headers.get('link')).toContain('rel="next"');
    expect(headers.get('link')).toContain('rel="prev"');
  });

  test('statuses are listed newest first', async () => {
    const { body } = await call(`/repos/${REPO}/deployments/${history.failed?.deploymentId}/statuses`);

    expect((body as Json[]).map((s) => s.state)).toEqual(['failure', 'in_progress']);
  });

  test('creating a deployment and a status answers 201, and the status becomes the newest', async () => {
    const created = await call(`/repos/${REPO}/deployments`, {
      method: 'POST',
      body: { ref: 'main', environment: 'production', task: 'deploy' },
    });
    const id = (created.body as Json).id;
    const status = await call(`/repos/${REPO}/deployments/${id}/statuses`, {
      method: 'POST',
      body: { state: 'success' },
    });
    const statuses = await call(`/repos/${REPO}/deployments/${id}/statuses`);

    expect(created.status).toBe(201);
    expect((created.body as Json).sha).toBe(history.latestSha);
    expect(status.status).toBe(201);
    expect(status.headers.get('location')).toContain(`/deployments/${id}/statuses/`);
    expect((statuses.body as Json[])[0]?.state).toBe('success');
  });
});

describe('auth, User-Agent and rate limits', () => {
  test('a request without a token is 401 Bad credentials', async () => {
    const { status, body } = await call(`/repos/${REPO}/commits/main`, { headers: { authorization: '' } });

    expect(status).toBe(401);
    expect(body).toEqual(
      expect.objectContaining({ message: 'Bad credentials', documentation_url: expect.any(String) }),
    );
  });

  test('a wrong token is 401, and `token <t>` is accepted like Bearer', async () => {
    const wrong = await call(`/repos/${REPO}/commits/main`, { headers: { authorization: 'Bearer nope' } });
    const legacy = await call(`/repos/${REPO}/commits/main`, {
      headers: { authorization: `token ${TOKEN}` },
    });

    expect(wrong.status).toBe(401);
    expect(legacy.status).toBe(200);
  });

  test('a request without a User-Agent is 403', async () => {
    const { status, body } = await getWithoutUserAgent(`/repos/${REPO}/commits/main`);

    expect(status).toBe(403);
    expect(body).toContain('User-Agent');
  });

  test('every response carries the rate-limit headers and each request spends one', async () => {
    const first = await call(`/repos/${REPO}/commits/main`);
    const second = await call(`/repos/${REPO}/commits/missing-branch`);

    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBe(Math.floor(NOW / 1000) + 3600);
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
      Number(first.headers.get('x-ratelimit-remaining')) - 1,
    );
    expect(second.headers.get('x-ratelimit-used')).toBe('2');
  });

  test('an exhausted primary budget is 403 with remaining 0 and "API rate limit exceeded"', async () => {
    gh.setRateLimit(0, NOW + 600_000);

    const { status, body, headers } = await call(`/repos/${REPO}/commits/main`);

    expect(status).toBe(403);
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    expect(headers.get('x-ratelimit-reset')).toBe(String((NOW + 600_000) / 1000));
    expect((body as Json).message).toMatch(/^API rate limit exceeded/);
  });

  test('the budget refills once the reset time has passed', async () => {
    gh.setRateLimit(0, NOW + 1000);
    clock = NOW + 2000;

    const { status } = await call(`/repos/${REPO}/commits/main`);

    expect(status).toBe(200);
  });

  test('a secondary limit answers 429 with retry-after, once', async () => {
    gh.secondaryRateLimit({ retryAfterSec: 30 });

    const limited = await call(`/repos/${REPO}/commits/main`);
    const next = await call(`/repos/${REPO}/commits/main`);

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect((limited.body as Json).message).toMatch(/secondary rate limit/);
    expect(next.status).toBe(200);
  });
});

describe('issues', () => {
  test('create answers 201 with a Location and the issue', async () => {
    const { status, headers, body } = await call(`/repos/${REPO}/issues`, {
      method: 'POST',
      body: { title: 'Deploy freeze', body: '<!-- incident:INC-1 -->', labels: ['deploy-freeze'] },
    });

    expect(status).toBe(201);
    expect(headers.get('location')).toBe((body as Json).url);
    expect(body).toEqual(expect.objectContaining({ number: 1, state: 'open', title: 'Deploy freeze' }));
    expect(((body as Json).labels as Json[])[0]?.name).toBe('deploy-freeze');
  });

  test('a title is required (422 validation error)', async () => {
    const { status, body } = await call(`/repos/${REPO}/issues`, { method: 'POST', body: { body: 'x' } });

    expect(status).toBe(422);
    expect((body as Json).errors).toEqual([
      expect.objectContaining({ field: 'title', code: 'missing_field' }),
    ]);
  });

  test('the list filters by state and by all labels, and includes pull requests marked by pull_request', async () => {
    const post = (title: string, labels: string[]) =>
      call(`/repos/${REPO}/issues`, { method: 'POST', body: { title, labels } });
    await post('both', ['deploy-freeze', 'incident']);
    await post('one', ['deploy-freeze']);
    gh.openPullRequest(REPO, { title: 'pr', labels: ['deploy-freeze', 'incident'] });

    const { body } = await call(`/repos/${REPO}/issues?state=open&labels=deploy-freeze,incident`);

    expect((body as Json[]).map((i) => i.title)).toEqual(['pr', 'both']);
    expect((body as Json[]).map((i) => 'pull_request' in i)).toEqual([true, false]);
  });

  test('PATCH closes an issue and comments are added with 201', async () => {
    await call(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'freeze' } });

    const closed = await call(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'closed' } });
    const comment = await call(`/repos/${REPO}/issues/1/comments`, {
      method: 'POST',
      body: { body: 'lifted' },
    });
    const open = await call(`/repos/${REPO}/issues?state=open`);

    expect((closed.body as Json).state).toBe('closed');
    expect((closed.body as Json).closed_at).toEqual(expect.any(String));
    expect(comment.status).toBe(201);
    expect(gh.issues(REPO)[0]?.comments.map((c) => c.body)).toEqual(['lifted']);
    expect(open.body).toEqual([]);
  });
});

test('the GitHub Enterprise prefix /api/v3 serves the same API', async () => {
  const { status, body } = await call(`/api/v3/repos/${REPO}/commits/main`);

  expect(status).toBe(200);
  expect((body as Json).sha).toBe(history.latestSha);
  expect(String((body as Json).url)).toContain('/api/v3/repos/');
});
