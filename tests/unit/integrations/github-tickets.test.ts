// GitHub Issues as the ticket tracker, against the GitHub stand-in: a labelled issue with the incident's
// marker, found again before any second create, comments a retry does not repeat, closed at the end.
import { GitHubClient } from '../../../integrations/github';
import {
  COMMENT_MAX,
  GitHubIssuesTracker,
  TICKET_LABEL,
  incidentMarker,
  reportMarker,
} from '../../../integrations/github-tickets';
import type { TicketReport, TicketTarget } from '../../../integrations/roles';
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

describe('the report on the issue (GitHub Issues has no attachments)', () => {
  const report = (markdown: string): TicketReport => ({
    incidentId: 'shop-1',
    url: 'https://firebreak.test/v1/incidents/shop-1/report',
    files: [
      { filename: 'shop-1-report.md', mimeType: 'text/markdown', content: markdown },
      { filename: 'shop-1-report.html', mimeType: 'text/html', content: '<h1>shop-1</h1>' },
    ],
  });

  test('the Markdown report becomes a comment carrying the report marker; the HTML is left out', async () => {
    const ticket = await tracker.open(target, 'shop-1', content);
    const result = await tracker.attachReport(target, ticket, report('# Incident shop-1\n\nTTR 12m'));
    expect(result).toEqual({ attached: ['shop-1-report.md'], present: [], as: 'comment' });
    const [comment] = gh.issues('acme/shop')[0]?.comments ?? [];
    expect(comment?.body).toBe(`# Incident shop-1\n\nTTR 12m\n\n${reportMarker('shop-1')}\n`);
  });

  test('a retried attach finds the comment by its marker and posts nothing', async () => {
    const ticket = await tracker.open(target, 'shop-1', content);
    await tracker.attachReport(target, ticket, report('# Incident shop-1'));
    const again = await tracker.attachReport(target, ticket, report('# Incident shop-1'));
    expect(again).toEqual({ attached: [], present: ['shop-1-report.md'], as: 'comment' });
    expect(gh.issues('acme/shop')[0]?.comments).toHaveLength(1);
  });

  test('a report longer than a GitHub comment is cut at a line, with a note linking the whole report', async () => {
    const ticket = await tracker.open(target, 'shop-1', content);
    const line = `- 10:00:00 alert fired again ${'x'.repeat(60)}\n`;
    const long = `# Incident shop-1\n\n${line.repeat(2000)}`;
    expect(long.length).toBeGreaterThan(COMMENT_MAX);
    await tracker.attachReport(target, ticket, report(long));
    const body = gh.issues('acme/shop')[0]?.comments[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX);
    expect(body.startsWith('# Incident shop-1\n\n- 10:00:00 alert fired again')).toBe(true);
    expect(body).toContain(
      'it is cut here. The whole report: https://firebreak.test/v1/incidents/shop-1/report',
    );
    expect(body.endsWith(`${reportMarker('shop-1')}\n`)).toBe(true);
    // Cut between lines, not inside one.
    expect(body.split('\n---\n')[0]?.trimEnd().endsWith('x'.repeat(60))).toBe(true);
  });

  test('the GitHub stand-in refuses a comment over 65,536 characters, as GitHub does', async () => {
    const ticket = await tracker.open(target, 'shop-1', content);
    const over = { title: 'x', lines: ['y'.repeat(COMMENT_MAX)], links: [] };
    await expect(tracker.comment(target, ticket, 'Firebreak update shop-1/x', over)).rejects.toMatchObject({
      status: 422,
    });
    expect(gh.issues('acme/shop')[0]?.comments).toHaveLength(0);
  });
});
