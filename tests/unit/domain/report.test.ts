// The report names what a responder asks first: the suspect deploy, who owns the service, where the
// runbook is, how old the rollback target was, and what is not known.
import type { Enrichment } from '../../../domain/enrichment';
import { DEFAULT_POLICY } from '../../../domain/policy';
import type { IncidentState } from '../../../domain/incident';
import { buildReport, renderMarkdown } from '../../../domain/report';

const CURRENT = 'c0ffee'.padEnd(40, '0');
const CANDIDATE = 'ca11ed'.padEnd(40, '0');

const enrichment: Enrichment = {
  source: 'github',
  repo: 'acme/shop',
  branch: 'main',
  deploysFrom: 'production deployments of acme/shop',
  latestCommit: null,
  currentDeploy: { sha: CURRENT, deploymentId: 2, finishedAt: '2026-11-20T09:30:00.000Z', url: '' },
  rollbackCandidate: { sha: CANDIDATE, deploymentId: 1, finishedAt: '2026-11-20T07:00:00.000Z', url: '' },
  rollbackCandidateAgeMs: 3 * 3_600_000,
  recentDeploys: [],
  readAt: '2026-11-20T10:02:01.000Z',
  attempts: 1,
  changes: [{ sha: 'd'.repeat(40), message: 'Add index' }],
  migrations: ['db/migrate/1_add_index.rb'],
  changesPossiblyIncomplete: false,
  compareUrl: 'https://github.test/acme/shop/compare/a...b',
  changesRead: true,
  warnings: [],
};

const state: IncidentState = {
  id: 'shop-1234abcd',
  workflowId: 'incident-shop',
  service: 'shop',
  severity: 'critical',
  title: 'checkout 5xx above 10%',
  status: 'closed',
  alerts: [
    {
      key: 'f@1',
      firstSeenAt: '2026-11-20T10:02:00.000Z',
      changedAt: '2026-11-20T10:02:00.000Z',
      alert: {
        source: 'alertmanager',
        service: 'shop',
        severity: 'critical',
        summary: 'checkout 5xx above 10%',
        labels: {},
        annotations: {},
        links: { runbook: 'https://runbooks.test/shop', dashboard: 'https://grafana.test/d/shop' },
        startsAt: '2026-11-20T10:00:00.000Z',
        endsAt: '2026-11-20T10:32:00.000Z',
        status: 'resolved',
        occurrenceKey: 'f@1',
      },
    },
  ],
  profile: {
    owners: ['ada@example.test', 'grace@example.test'],
    team: 'payments',
    enrichmentBudgetMs: 2000,
    suspectWindowMs: 7_200_000,
  },
  enrichment,
  times: {
    impactStart: '2026-11-20T10:00:00.000Z',
    detected: '2026-11-20T10:02:00.000Z',
    paged: '2026-11-20T10:02:02.000Z',
    acknowledged: null,
    mitigated: null,
    resolved: '2026-11-20T10:32:00.000Z',
    closed: '2026-11-20T10:32:01.000Z',
  },
  rollbacks: [],
  resolution: 'all alerts resolved by monitoring',
  resolvedBy: { by: 'monitoring', channel: 'workflow' },
  followUps: [],
  flaps: [],
  policy: { ...DEFAULT_POLICY },
  pagerDuty: { incidentId: null, incidentNumber: null, url: null, escalationLevel: 1 },
  timeline: [],
};

describe('the incident report', () => {
  const report = buildReport(state, '2026-11-20T10:32:01.000Z');
  const markdown = renderMarkdown(report);

  test('names the suspect deploy in the summary and the timings, with the failed-deployment recovery time', () => {
    expect(report.summary).toContain(
      'Suspect deploy: c0ffee000000, finished 2026-11-20T09:30:00.000Z (30m 00s before impact start).',
    );
    expect(report.timings.failedDeploymentRecoveryMs).toBe(62 * 60_000);
    expect(markdown).toContain(
      '| suspect deploy | c0ffee000000, finished 2026-11-20T09:30:00.000Z (30m 00s before impact start) |',
    );
    expect(markdown).toContain('| failed-deployment recovery time | 1h 02m 00s |');
    expect(markdown).toContain('| TTD (deploy → detected) | 32m 00s |');
  });

  test('names the team, the owners, the runbook and the dashboard', () => {
    expect(report).toMatchObject({
      team: 'payments',
      owners: ['ada@example.test', 'grace@example.test'],
      links: { runbook: 'https://runbooks.test/shop', dashboard: 'https://grafana.test/d/shop' },
    });
    expect(markdown).toContain('- **Team:** payments');
    expect(markdown).toContain('- **Owners:** ada@example.test, grace@example.test');
    expect(markdown).toContain('- **Runbook:** https://runbooks.test/shop');
  });

  test('says how old the rollback candidate was and which migrations it would not undo', () => {
    expect(markdown).toContain('- Rollback candidate: ca11ed000000 (3h 00m 00s old)');
    expect(markdown).toContain('- Migrations since the candidate: db/migrate/1_add_index.rb');
  });

  test('says the changes are unknown when they were never read, instead of "none"', () => {
    const unread = {
      ...state,
      enrichment: { ...enrichment, changesRead: false, changes: [], migrations: [] },
    };
    const text = renderMarkdown(buildReport(unread, '2026-11-20T10:32:01.000Z'));
    expect(text).toContain('Commits and migrations since the candidate: unknown');
    expect(text).not.toContain('Migrations since the candidate: none');
  });
});
