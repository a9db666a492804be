// Tickets and notifications never get in the way: a dead Slack, a refusing SMTP server and a Jira that
// refuses or is down delay no page, no rollback and no resolution, and never fail the incident. What
// fails for good is a timeline entry and a follow-up in the report; what fails for a while is retried
// (after Slack's and Jira's Retry-After) and arrives once. A refused report attachment leaves the
// ticket's close as it was.
import type { IncidentView } from '../../domain/incident-view';
import { REVOKED_WEBHOOK_KEY } from '../../sandbox/slack';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

/** The page waits for enrichment at most the sandbox's 2 s budget; anything near that is not a delay. */
const PAGE_WITHIN_MS = 3500;

async function runIncident(
  h: Harness,
): Promise<{ id: string; paged: IncidentView; resolvedAfterMs: number }> {
  const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
  const id: string = intake.body.incidents[0].id;
  const paged = await h.waitForState(id, (s) => s.times.paged !== null, 'the page');
  await h.post(`/v1/incidents/${id}/actions`, { action: 'rollback', by: 'ada@example.test' });
  await h.waitForState(id, (s) => s.status === 'mitigated', 'the rollback');
  const asked = Date.now();
  const resolved = await h.post(`/v1/incidents/${id}/actions`, {
    action: 'resolve',
    by: 'ada@example.test',
    resolution: 'rolled back',
  });
  expect(resolved.body.status).toBe('resolved');
  return { id, paged, resolvedAfterMs: Date.now() - asked };
}

const pagedAfterMs = (s: IncidentView) =>
  Date.parse(s.times.paged ?? '') - Date.parse(s.times.detected ?? '');

describe('vendors that refuse for good', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      serviceSettings: (sandbox) => {
        const service = sandbox.config.services[sandbox.service];
        if (!service?.notify || service.tickets?.tracker !== 'jira')
          throw new Error('unexpected sandbox service');
        return {
          // The webhook was revoked (404 no_service), and the Jira project key is wrong (400).
          notify: { ...service.notify, slackWebhook: sandbox.slack.webhookUrl(REVOKED_WEBHOOK_KEY) },
          tickets: { ...service.tickets, project: 'NOPE' },
        };
      },
    });
    h.sandbox.smtp.failNext(554, 'Transaction failed: relay refused', 100);
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('the page, the rollback and the resolution happen as usual, and the incident closes', async () => {
    const { id, paged, resolvedAfterMs } = await runIncident(h);
    expect(pagedAfterMs(paged)).toBeLessThan(PAGE_WITHIN_MS);
    expect(resolvedAfterMs).toBeLessThan(2000);
    await h.waitForClosed(id);
    const report = await h.get(`/v1/incidents/${id}/report`);
    expect(report.body.status).toBe('closed');

    // Each refusal is final: one try, then a follow-up in the report and an entry in the timeline.
    const followUps = report.body.followUps as string[];
    expect(followUps.some((f) => f.startsWith('Slack was not told') && f.includes('no_service'))).toBe(true);
    expect(followUps.some((f) => f.startsWith('email was not told') && f.includes('554'))).toBe(true);
    expect(followUps.some((f) => f.includes("the incident's ticket could not be opened in jira"))).toBe(true);
    expect(followUps.find((f) => f.includes('ticket'))).toContain(
      'project: Specify a valid project ID or key',
    );
    const timeline = report.body.timeline as IncidentView['timeline'];
    expect(timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(['notify-failed', 'ticket-failed']));
    expect(h.sandbox.jira.requests('POST', '/rest/api/3/issue')).toHaveLength(1);
    const slackFailures = timeline.filter((t) => t.kind === 'notify-failed' && t.message.startsWith('Slack'));
    expect(slackFailures.length).toBeGreaterThanOrEqual(3); // opened, rollback-succeeded, resolved
    expect(h.sandbox.slack.requests('POST', '/services/')).toHaveLength(slackFailures.length);
  });
});

describe('vendors that are down for a while', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a Jira outage, a rate-limited Slack and a busy SMTP server delay nothing, and catch up once', async () => {
    // Jira: every call slow and failing until the outage ends below.
    h.sandbox.jira.addFault({ pathPrefix: '/rest/', status: 503, delayMs: 1500, times: 1000 });
    h.sandbox.slack.addFault({
      pathPrefix: '/services/',
      status: 429,
      body: 'rate_limited',
      headers: { 'retry-after': '3' },
      times: 1,
    });
    h.sandbox.smtp.failNext(451, 'Try again later', 1);

    const { id, paged, resolvedAfterMs } = await runIncident(h);
    expect(pagedAfterMs(paged)).toBeLessThan(PAGE_WITHIN_MS);
    expect(resolvedAfterMs).toBeLessThan(2000);
    expect(h.sandbox.jira.issues()).toHaveLength(0);

    h.sandbox.jira.reset(); // the outage ends
    await h.waitForClosed(id);
    const state = await h.incidents.get(id);
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    expect(h.sandbox.jira.issues()[0]?.status).toBe('Done');
    expect(state?.followUps).toEqual([]);

    // Slack said wait 3 s: the opening was accepted no sooner.
    const slack = h.sandbox.slack.received.filter((r) => r.path.startsWith('/services/'));
    const limited = slack.find((r) => r.body === '(fault 429)');
    const opened = h.sandbox.slack.messages.find((m) => JSON.stringify(m.body).includes('incident opened'));
    expect(Date.parse(opened?.at ?? '') - Date.parse(limited?.at ?? '')).toBeGreaterThanOrEqual(2900);
    expect(
      h.sandbox.slack.messages.filter((m) => JSON.stringify(m.body).includes('incident opened')),
    ).toHaveLength(1);

    // The 451 was retried: the opening arrived by mail once.
    const openedMail = h.sandbox.smtp.inbox.filter((m) => m.subject.includes('incident opened'));
    expect(openedMail).toHaveLength(1);
  });
});

describe('a Jira that refuses the report attachment', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('the ticket is still commented and moved to Done; the refusal is a timeline entry and a follow-up', async () => {
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = intake.body.incidents[0].id;
    const { ticket } = await h.waitForState(id, (s) => Boolean(s.ticket), 'the ticket');
    h.sandbox.jira.addFault({
      method: 'POST',
      pathPrefix: `/rest/api/3/issue/${ticket?.key}/attachments`,
      status: 413,
      body: { errorMessages: ['The file is larger than the attachment size limit.'], errors: {} },
      times: 100,
    });
    await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada@example.test',
      resolution: 'fixed',
    });
    await h.waitForClosed(id);

    const issue = h.sandbox.jira.issues()[0];
    expect(issue?.status).toBe('Done');
    expect(JSON.stringify(issue?.comments.at(-1)?.body)).toContain(`Incident closed: ${id}`);
    expect(issue?.attachments).toEqual([]);
    // 413 is final: one try, not the ticket's whole retry budget.
    expect(h.sandbox.jira.requests('POST', `/rest/api/3/issue/${ticket?.key}/attachments`)).toHaveLength(1);
    const report = await h.get(`/v1/incidents/${id}/report`);
    const followUps = report.body.followUps as string[];
    expect(
      followUps.find((f) => f.startsWith(`the report could not be attached to ticket ${ticket?.key}`)),
    ).toContain('413');
    const kinds = (report.body.timeline as IncidentView['timeline']).map((t) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['ticket-report-failed', 'ticket-closed']));
  });
});
