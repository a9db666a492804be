// The ticket activities as Temporal runs them, wired from a config like production's: a service on
// Jira Data Center. Every one is safe to run twice (a retry after a lost answer): one ticket, one
// comment per update, one close, one copy of each report file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createActivities } from '../../../activities';
import type { FirebreakConfig, ServiceConfig } from '../../../config/schema';
import { buildReport, renderMarkdown } from '../../../domain/report';
import { renderHtml } from '../../../domain/report-html';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { JiraStandIn } from '../../../sandbox/jira';
import { buildActivityDeps } from '../../../worker/wiring';
import { quietActivityEnvironment, typedRun } from '../../support/activity-env';
import { knownIncident } from '../../support/incident-fixtures';

describe('ticket activities on Jira Data Center', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  const jira = new JiraStandIn({
    flavor: 'datacenter',
    personalAccessToken: 'dc-pat',
    doneTransitionName: 'Close Issue',
  });
  let activities: ReturnType<typeof createActivities>;
  const env = quietActivityEnvironment();
  const content = { title: '[critical] shop: 5xx (shop-1)', lines: ['Impact: shop 5xx'], links: [] };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-tickets-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    await jira.listen();
    const shop = sandbox.config.services.shop as ServiceConfig;
    const config: FirebreakConfig = {
      ...sandbox.config,
      integrations: {
        ...sandbox.config.integrations,
        jiraDataCenter: { baseUrl: jira.url, personalAccessToken: 'dc-pat' },
      },
      services: {
        shop: {
          ...shop,
          tickets: {
            tracker: 'jira-datacenter',
            project: 'OPS',
            issueType: 'Bug',
            priorities: { critical: 'Highest' },
            doneTransitions: ['Close Issue'],
            openOn: 'opened',
          },
        },
      },
    };
    activities = createActivities(buildActivityDeps(config, sandbox.extras));
  });
  afterAll(async () => {
    await jira.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('opening twice opens one ticket: the second run finds the first one’s', async () => {
    const input = { incidentId: 'shop-1', service: 'shop', severity: 'critical', content };
    const first = await typedRun(env, activities.openTicket, input);
    const second = await typedRun(env, activities.openTicket, input);
    expect(first).toEqual({ ticket: { key: 'OPS-1', url: `${jira.url}/browse/OPS-1` }, created: true });
    expect(second).toEqual({ ticket: first.ticket, created: false });
    expect(jira.issues()).toHaveLength(1);
    expect(jira.issue('OPS-1')).toMatchObject({ issueType: 'Bug', priority: 'Highest' });
    expect(jira.issue('OPS-1')?.description).toContain(`/#/incidents/shop-1`);
  });

  test('the same update twice is one comment; closing twice is one transition', async () => {
    const ticket = { key: 'OPS-1', url: `${jira.url}/browse/OPS-1` };
    const update = {
      incidentId: 'shop-1',
      service: 'shop',
      ticket,
      marker: 'Firebreak update shop-1/acknowledged-2',
      content,
    };
    expect(await typedRun(env, activities.commentOnTicket, update)).toBe(true);
    expect(await typedRun(env, activities.commentOnTicket, update)).toBe(false);
    const close = { ...update, marker: 'Firebreak update shop-1/closed' };
    expect(await typedRun(env, activities.closeTicket, close)).toEqual({
      alreadyDone: false,
      status: 'Done',
    });
    expect(await typedRun(env, activities.closeTicket, close)).toEqual({ alreadyDone: true, status: 'Done' });
    const issue = jira.issue('OPS-1');
    expect(issue?.comments).toHaveLength(2);
    expect(issue?.transitions).toEqual(['Close Issue']);
    expect(String(issue?.comments[1]?.body)).toContain('/v1/incidents/shop-1/report');
  });

  test('attaching twice attaches the archive’s Markdown and HTML renderings once, named for the incident', async () => {
    const state = knownIncident({ n: 7, detected: '2026-11-20T10:00:00.000Z', ttrMs: 1_800_000 });
    const report = buildReport(state, '2026-11-20T10:31:00.000Z');
    const input = { service: 'shop', ticket: { key: 'OPS-1', url: `${jira.url}/browse/OPS-1` }, report };
    const names = [`${report.id}-report.md`, `${report.id}-report.html`];
    expect(await typedRun(env, activities.attachReportToTicket, input)).toEqual({
      attached: names,
      present: [],
      as: 'attachment',
    });
    expect(await typedRun(env, activities.attachReportToTicket, input)).toEqual({
      attached: [],
      present: names,
      as: 'attachment',
    });
    const files = jira.issue('OPS-1')?.attachments ?? [];
    expect(files.map((f) => [f.filename, f.mimeType, f.content.toString('utf8')])).toEqual([
      [names[0], 'text/markdown', renderMarkdown(report)],
      [names[1], 'text/html', renderHtml(report)],
    ]);
  });

  test('the settings name the tracker for the workflow, without any credential', async () => {
    const settings = await typedRun(env, activities.readStakeholderSettings, { service: 'shop' });
    expect(settings.tickets).toEqual({ tracker: 'jira-datacenter', openOn: 'opened' });
    expect(JSON.stringify(settings)).not.toContain('dc-pat');
    expect(JSON.stringify(settings)).not.toContain('/services/');
    expect(settings.routing.audiences).toEqual([
      expect.objectContaining({ audience: 'stakeholders', channels: ['slack', 'email'], severities: null }),
    ]);
  });
});
