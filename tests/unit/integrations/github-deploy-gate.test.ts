// The deploy freeze's GitHub flag against the GitHub stand-in: one open labelled issue per freeze, however
// often a retried activity raises it, closed with a comment saying why deploys may resume.
import { GitHubClient } from '../../../integrations/github';
import { GitHubDeployGate } from '../../../integrations/github-deploy-gate';
import type { FreezeFlag, RepoRef } from '../../../integrations/roles';
import { GitHubStandIn } from '../../../sandbox/github';

const TOKEN = 'test-token';
const SHOP: RepoRef = { owner: 'acme', name: 'shop' };
const FLAG: FreezeFlag = {
  title: 'Deploy freeze: shop (rollback to 4a0b7d)',
  body: 'Deploys of shop are frozen by Firebreak.',
  label: 'deploy-freeze',
  marker: '<!-- firebreak-freeze:shop -->',
};

const gh = new GitHubStandIn({ token: TOKEN });
let gate: GitHubDeployGate;

beforeAll(async () => {
  await gh.listen(0);
  gate = new GitHubDeployGate(new GitHubClient({ baseUrl: gh.url, token: TOKEN, timeoutMs: 2000 }));
});
beforeEach(() => {
  gh.reset();
  gh.seedServiceHistory({ repo: 'acme/shop' });
});
afterAll(async () => {
  await gh.close();
});

describe('the freeze flag on GitHub', () => {
  test('raising opens one issue with the label and the marker', async () => {
    const flag = await gate.raise(SHOP, FLAG);
    const [issue] = gh.issues('acme/shop');
    expect(issue).toMatchObject({ number: flag.number, state: 'open', labels: ['deploy-freeze'] });
    expect(issue?.body).toContain(FLAG.marker);
    expect(flag.url).toContain(`/issues/${flag.number}`);
  });

  test('raising again (a retried activity) finds the open issue instead of opening a second', async () => {
    const first = await gate.raise(SHOP, FLAG);
    const again = await gate.raise(SHOP, FLAG);
    expect(again).toEqual(first);
    expect(gh.issues('acme/shop')).toHaveLength(1);
  });

  test('an open issue with the label but another marker is somebody else’s: a new one is opened', async () => {
    await gate.raise(SHOP, { ...FLAG, marker: '<!-- firebreak-freeze:other -->' });
    await gate.raise(SHOP, FLAG);
    expect(gh.issues('acme/shop').filter((i) => i.state === 'open')).toHaveLength(2);
  });

  test('lowering comments why and closes the issue; the next freeze opens a new one', async () => {
    const flag = await gate.raise(SHOP, FLAG);
    await gate.lower(SHOP, flag.number, 'hotfix 9f1c2e succeeded');
    const [issue] = gh.issues('acme/shop');
    expect(issue).toMatchObject({ state: 'closed', stateReason: 'completed' });
    expect(issue?.comments.at(-1)?.body).toBe('hotfix 9f1c2e succeeded');
    const next = await gate.raise(SHOP, FLAG);
    expect(next.number).not.toBe(flag.number);
  });
});
