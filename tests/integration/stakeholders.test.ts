// People outside the response hear what they asked for, and the incident gets a ticket that outlives it:
// a Jira Cloud ticket opened with the incident, linked in the timeline and on the PagerDuty incident, a
// comment per milestone, closed with the report attached and its summary; Slack and email routed per audience and
// severity, saying impact, status and when the next update comes.
import type { IncidentView } from '../../domain/incident-view';
import { formatDuration } from '../../domain/timings';
import { adfPlainText } from '../../integrations/adf';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

type Block = { type: string; [field: string]: unknown };

/** The text and URL of each link button of a Block Kit message. */
function linkButtons(blocks: Block[]): Array<{ text: string; url: string }> {
  const actions = blocks.find((b) => b.type === 'actions') as unknown as
    { elements: Array<{ url: string; text: { text: string } }> } | undefined;
  return (actions?.elements ?? []).map((e) => ({ text: e.text.text, url: e.url }));
}

describe('tickets and stakeholder updates along an incident', () => {
  let h: Harness;
  let id: string;
  let leadershipWebhook: string;
  let supportWebhook: string;

  beforeAll(async () => {
    h = await startHarness({
      serviceSettings: (sandbox) => {
        leadershipWebhook = sandbox.slack.webhookUrl('LEADERSHIP');
        supportWebhook = sandbox.slack.webhookUrl('SUPPORT');
        const notify = sandbox.config.services[sandbox.service]?.notify;
        if (!notify) throw new Error('the sandbox service has no notify settings');
        return {
          notify: {
            ...notify,
            audiences: [
              // Leadership: critical incidents only, their start and their end.
              {
                name: 'leadership',
                slackWebhook: leadershipWebhook,
                emails: ['leadership@sandbox.test'],
                severities: ['critical'],
                milestones: ['opened', 'resolved'],
              },
              // Support: warnings only; this incident is critical, so they hear nothing.
              {
                name: 'support',
                slackWebhook: supportWebhook,
                emails: [],
                severities: ['warning'],
                milestones: ['*'],
              },
            ],
          },
        };
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const slackTo = (url: string) => h.sandbox.slack.messages.filter((m) => url.endsWith(m.webhookPath));
  const mailTo = (address: string) => h.sandbox.smtp.inbox.filter((m) => m.envelope.to.includes(address));
  const ticket = () => h.sandbox.jira.issues()[0];
  const commentTexts = () => (ticket()?.comments ?? []).map((c) => adfPlainText(c.body));

  async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('an opened incident gets one Jira ticket: ADF description, priority from the severity, linked in the timeline', async () => {
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    id = intake.body.incidents[0].id;
    const state = await h.waitForState(id, (s) => Boolean(s.ticket), 'the ticket');
    const issue = ticket();
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    expect(state.ticket).toEqual({
      tracker: 'jira',
      key: 'OPS-1',
      url: `${h.sandbox.jira.url}/browse/OPS-1`,
    });
    expect(issue).toMatchObject({
      project: 'OPS',
      issueType: 'Incident',
      priority: 'Highest',
      labels: ['firebreak', `firebreak-${id}`],
    });
    expect(issue?.summary).toBe(`[critical] ${h.service}: ${h.service} 5xx ratio above 10% (${id})`);
    const description = adfPlainText(issue?.description);
    expect(description).toContain('Impact:');
    expect(description).toContain('Alert (firing)');
    expect(JSON.stringify(issue?.description)).toContain(`#/incidents/${id}`);
    const opened = state.timeline.find((t) => t.kind === 'ticket-opened');
    expect(opened?.message).toBe(`ticket OPS-1 opened: ${h.sandbox.jira.url}/browse/OPS-1`);
  });

  test('the page gets the ticket’s link as a note on the PagerDuty incident', async () => {
    await h.waitForState(id, (s) => s.timeline.some((t) => t.kind === 'ticket-linked'), 'the ticket link');
    const incident = h.sandbox.pagerduty.incidents().find((i) => i.dedupKey === id);
    const notes = (incident?.notes ?? []).map((n) => n.content);
    expect(notes.filter((n) => n.includes(`${h.sandbox.jira.url}/browse/OPS-1`))).toHaveLength(1);
  });

  test('the opening reaches Slack as Block Kit with severity, service, status, impact, next update and dashboard buttons', async () => {
    await until(() => slackTo(h.config.services[h.service]?.notify.slackWebhook ?? '').length >= 1, 'Slack');
    const body = slackTo(h.config.services[h.service]?.notify.slackWebhook ?? '')[0]?.body;
    const blocks = (body?.blocks ?? []) as Block[];
    const text = JSON.stringify(blocks);
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { text: `${h.service}: incident opened (${h.service} 5xx ratio above 10%)` },
    });
    expect(text).toContain('*Severity*\\ncritical');
    expect(text).toContain(`*Service*\\n${h.service}`);
    expect(text).toContain('• Impact:');
    expect(text).toContain('• Next update: when a responder acknowledges');
    const buttons = linkButtons(blocks);
    // The opening goes out while the ticket is being opened: its link comes with the next update.
    expect(buttons.map((e) => e.text)).toEqual(['Runbook', 'Dashboard', 'Report']);
    expect(buttons.find((e) => e.text === 'Dashboard')?.url).toMatch(new RegExp(`/#/incidents/${id}$`));
  });

  test('stakeholders and leadership get the opening by email, parsed back from the SMTP server', async () => {
    await until(
      () => mailTo('leadership@sandbox.test').length >= 1 && mailTo('stakeholders@sandbox.test').length >= 1,
      'mail',
    );
    const mail = mailTo('leadership@sandbox.test')[0];
    expect(mail?.to).toEqual(['leadership@sandbox.test']);
    expect(mail?.subject).toBe(`[critical] ${h.service}: incident opened (${h.service} 5xx ratio above 10%)`);
    expect(mail?.text).toContain('Impact: ');
    expect(mail?.text).toContain('Status: on-call responder paged');
    expect(mail?.text).toContain('Next update: when a responder acknowledges');
    expect(mail?.messageId).toBe(`<${id}.opened-1@firebreak>`);
  });

  test('acknowledging is a milestone: a ticket comment and a Slack update, but not for leadership', async () => {
    await h.post(`/v1/incidents/${id}/actions`, { action: 'acknowledge', by: 'ada@example.test' });
    await until(
      () => commentTexts().some((c) => c.includes('acknowledged by ada@example.test')),
      'the comment',
    );
    await until(
      () => mailTo('stakeholders@sandbox.test').some((m) => m.subject.includes('acknowledged')),
      'mail',
    );
    expect(commentTexts().find((c) => c.includes('acknowledged'))).toContain(
      'Next update: when a mitigation is chosen',
    );
    expect(mailTo('leadership@sandbox.test').some((m) => m.subject.includes('acknowledged'))).toBe(false);
    const update = slackTo(h.config.services[h.service]?.notify.slackWebhook ?? '').at(-1);
    expect(linkButtons((update?.body.blocks ?? []) as Block[])[0]).toEqual({
      text: 'Ticket OPS-1',
      url: `${h.sandbox.jira.url}/browse/OPS-1`,
    });
  });

  test('choosing a rollback is the action-chosen milestone, and its result follows', async () => {
    await h.post(`/v1/incidents/${id}/actions`, { action: 'rollback', by: 'ada@example.test' });
    await h.waitForState(id, (s) => s.status === 'mitigated', 'the rollback');
    await until(
      () => commentTexts().some((c) => c.includes('rollback to') && c.includes('succeeded')),
      'the result',
    );
    const chosen = commentTexts().find((c) => c.includes('chose to rollback'));
    expect(chosen).toContain(`rollback to ${h.sandbox.history.candidateSha.slice(0, 12)} started`);
  });

  test('at close the ticket gets the report’s summary and is transitioned to Done; leadership hears it resolved', async () => {
    await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada@example.test',
      resolution: 'rolled back',
    });
    await h.waitForClosed(id);
    const issue = ticket();
    expect(issue?.status).toBe('Done');
    expect(issue?.transitions).toEqual(['Done']);
    const last = commentTexts().at(-1) ?? '';
    expect(last).toContain('Incident closed');
    expect(last).toContain('Resolved after');
    expect(last).toContain('Resolution: rolled back');
    expect(JSON.stringify(issue?.comments.at(-1)?.body)).toContain(`/v1/incidents/${id}/report`);
    const resolved = mailTo('leadership@sandbox.test').find((m) => m.subject.includes('resolved'));
    expect(resolved?.text).toContain('Next update: none; this is the final update');
    expect(resolved?.text).toContain(`/v1/incidents/${id}/report`);
    expect(slackTo(leadershipWebhook).map((m) => (m.body.blocks?.[0] as Block).text)).toHaveLength(2);
    expect(slackTo(supportWebhook)).toHaveLength(0);
    expect(h.sandbox.jira.issues()).toHaveLength(1);
  });

  test('before its transition, the ticket gets the Markdown and HTML reports as attachments, with the incident’s timings', async () => {
    const issue = ticket();
    const report = (await h.get(`/v1/incidents/${id}/report`)).body;
    expect(issue?.attachments.map((a) => [a.filename, a.mimeType])).toEqual([
      [`${id}-report.md`, 'text/markdown'],
      [`${id}-report.html`, 'text/html'],
    ]);
    const markdown = issue?.attachments[0]?.content.toString('utf8') ?? '';
    expect(markdown).toContain(`# Incident ${id}`);
    expect(markdown).toContain(`| TTA | ${formatDuration(report.timings.ttaMs)} |`);
    expect(markdown).toContain(`| TTR | ${formatDuration(report.timings.ttrMs)} |`);
    expect(markdown).toContain('- **Resolution:** rolled back');
    expect(issue?.attachments[1]?.content.toString('utf8')).toContain(id);
    const order = h.sandbox.jira.received
      .filter((r) => r.method === 'POST' && r.path.startsWith('/rest/api/3/issue/OPS-1/'))
      .map((r) => r.path.split('/').at(-1));
    expect(order.indexOf('attachments')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('attachments')).toBeLessThan(order.indexOf('transitions'));
    const kinds = (report.timeline as IncidentView['timeline']).map((t) => `${t.kind}: ${t.message}`);
    expect(kinds).toContain(
      `ticket-report-attached: report attached to ticket OPS-1: ${id}-report.md, ${id}-report.html`,
    );
  });

  test('the timeline says who was told what, and the report has no follow-ups', async () => {
    const report = await h.get(`/v1/incidents/${id}/report`);
    const kinds = (report.body.timeline as IncidentView['timeline']).map((t) => `${t.kind}: ${t.message}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['notified: email (leadership): opened', 'notified: Slack: acknowledged']),
    );
    expect(kinds.some((k) => k.startsWith('ticket-closed: ticket OPS-1 moved to Done'))).toBe(true);
    expect(report.body.followUps).toEqual([]);
  });
});

describe('a GitHub Issues ticket opened on the first action', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      serviceSettings: (sandbox) => ({
        tickets: { tracker: 'github', repo: `acme/${sandbox.service}`, openOn: 'first-action' },
      }),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const issues = () =>
    h.sandbox.github.issues(`acme/${h.service}`).filter((i) => i.labels.includes('firebreak-incident'));

  test('no ticket while nobody acted; the acknowledgement opens it, and the close closes it', async () => {
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = intake.body.incidents[0].id;
    await h.waitForState(
      id,
      (s) => s.timeline.some((t) => t.kind === 'notified' && t.message === 'Slack: opened'),
      'the opening',
    );
    expect(issues()).toHaveLength(0);

    await h.post(`/v1/incidents/${id}/actions`, { action: 'acknowledge', by: 'ada@example.test' });
    const state = await h.waitForState(id, (s) => Boolean(s.ticket), 'the ticket');
    expect(state.ticket?.tracker).toBe('github');
    expect(issues()).toHaveLength(1);
    expect(issues()[0]?.body).toContain('Status: a responder acknowledged and is investigating');
    expect(issues()[0]?.body).toContain(`<!-- firebreak-incident:${id} -->`);

    await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada@example.test',
      resolution: 'fixed',
    });
    await h.waitForClosed(id);
    const [issue] = issues();
    expect(issue?.state).toBe('closed');
    expect(issue?.comments.at(-1)?.body).toContain('Resolved after');
    const reportComment = issue?.comments.find((c) => c.body.includes(`<!-- firebreak-report:${id} -->`));
    expect(reportComment?.body.startsWith(`# Incident ${id}`)).toBe(true);
    expect(issues()).toHaveLength(1);
  });
});
