// GitHub Issues as the ticket tracker, against the GitHub stand-in: a labelled issue with the incident's
// marker, found again before any second create, comments a retry does not repeat, closed at the end.
import { GitHubClient } from '../../../integrations/github';
import { GitHubIssuesTracker, TICKET_LABEL, incidentMarker } from '../../../integrations/github-tickets';
import type { TicketTarget } from '../../../integrations/roles';
import { GitHubStandIn } from '../../../sandbox/github';

const gh = new GitHubStandIn({ token: 'gh-token' });
let tracker: GitHubIssuesTracker;
const target: TicketTarget = { project: 'acme/shop' };
const content = { title: 'checkout: 5xx above 10%', lines: ['Impact: checkout', 'Status: paged'], links: [] };

beforeAll(async () => {
  await gh.listen();
  tracker = new GitHubIssuesTracker(
    new GitHubClient({ baseUrl: gh.url, token: 'gh-token', timeoutMs: 2000 }),
  );
});
beforeEach(() => {
  gh.reset();
  gh.seedServiceHistory({ repo: 'acme/shop' });
});
afterAll(async () => {
  await gh.close();
});

test('opens an issue labelled for Firebreak whose body carries the incident’s marker', async () => {
  const ticket = await tracker.open(target, 'shop-1', content);
  const [issue] = gh.issues('acme/shop');
  expect(ticket.key).toBe(`#${issue?.number}`);
  expect(issue?.labels).toEqual([TICKET_LABEL]);
  expect(issue?.body).toContain(incidentMarker('shop-1'));
  expect(issue?.body).toContain('Impact: checkout');
});

test('finds the incident’s open issue by label and marker, and not another incident’s', async () => {
  await tracker.open(target, 'shop-1', content);
  await tracker.open(target, 'shop-2', content);
  expect((await tracker.findForIncident(target, 'shop-2'))?.key).toBe('#2');
  expect(await tracker.findForIncident(target, 'shop-3')).toBeNull();
});

test('a comment with the same marker is posted once', async () => {
  const ticket = await tracker.open(target, 'shop-1', content);
  const update = { title: 'acknowledged', lines: ['Status: acknowledged'], links: [] };
  expect(await tracker.comment(target, ticket, 'Firebreak update shop-1/acknowledged-2', update)).toBe(true);
  expect(await tracker.comment(target, ticket, 'Firebreak update shop-1/acknowledged-2', update)).toBe(false);
  expect(gh.issues('acme/shop')[0]?.comments).toHaveLength(1);
});

test('closing closes the issue, and closing again changes nothing', async () => {
  const ticket = await tracker.open(target, 'shop-1', content);
  await tracker.close(target, ticket);
  await tracker.close(target, ticket);
  expect(gh.issues('acme/shop')[0]).toMatchObject({ state: 'closed', stateReason: 'completed' });
});
