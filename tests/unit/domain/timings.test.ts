import type { DeployRef, Enrichment } from '../../../domain/enrichment';
import { noTimesYet, type IncidentTimes } from '../../../domain/incident';
import { computeTimings, formatDuration } from '../../../domain/timings';

const times = (overrides: Partial<IncidentTimes>): IncidentTimes => ({ ...noTimesYet(), ...overrides });

const deploy = (sha: string, finishedAt: string): DeployRef => ({
  sha,
  deploymentId: 1,
  finishedAt,
  url: '',
});

/** Enrichment whose deploys (newest first) are the given ones; the first is the current deploy. */
const enrichmentWith = (...deploys: DeployRef[]): Enrichment => ({
  source: 'github',
  repo: 'acme/shop',
  branch: 'main',
  deploysFrom: 'production deployments of acme/shop',
  latestCommit: null,
  currentDeploy: deploys[0] ?? null,
  rollbackCandidate: deploys[1] ?? null,
  rollbackCandidateAgeMs: null,
  recentDeploys: deploys,
  readAt: '2026-11-20T10:02:01.000Z',
  attempts: 1,
  changes: [],
  migrations: [],
  changesPossiblyIncomplete: false,
  compareUrl: null,
  changesRead: true,
  warnings: [],
});

const enrichmentWithDeploy = (finishedAt: string): Enrichment =>
  enrichmentWith(deploy('c'.repeat(40), finishedAt));

describe('incident timings', () => {
  const known = times({
    impactStart: '2026-11-20T10:00:00.000Z',
    detected: '2026-11-20T10:02:00.000Z',
    paged: '2026-11-20T10:02:05.000Z',
    acknowledged: '2026-11-20T10:04:05.000Z',
    mitigated: '2026-11-20T10:12:00.000Z',
    resolved: '2026-11-20T10:32:00.000Z',
  });

  test('TTD runs from impact start to detection, TTR from detection to resolution', () => {
    const t = computeTimings({ enrichment: null, times: known });
    expect(t.ttdMs).toBe(2 * 60_000);
    expect(t.ttaMs).toBe(2 * 60_000);
    expect(t.ttmMs).toBe(10 * 60_000);
    expect(t.ttrMs).toBe(30 * 60_000);
    expect(t.impactDurationMs).toBe(32 * 60_000);
  });

  test('a deploy that finished within two hours before impact is the suspect, with TTD and recovery from it', () => {
    const t = computeTimings({ enrichment: enrichmentWithDeploy('2026-11-20T09:30:00.000Z'), times: known });
    expect(t.suspectDeploy).toEqual({
      sha: 'c'.repeat(40),
      finishedAt: '2026-11-20T09:30:00.000Z',
      leadMs: 30 * 60_000,
    });
    expect(t.ttdFromDeployMs).toBe(32 * 60_000);
    expect(t.failedDeploymentRecoveryMs).toBe(62 * 60_000);
  });

  test('a deploy older than the window, or after impact start, is not a suspect', () => {
    expect(
      computeTimings({ enrichment: enrichmentWithDeploy('2026-11-20T07:59:00.000Z'), times: known })
        .suspectDeploy,
    ).toBeNull();
    expect(
      computeTimings({ enrichment: enrichmentWithDeploy('2026-11-20T10:01:00.000Z'), times: known })
        .suspectDeploy,
    ).toBeNull();
  });

  test('when the current deploy finished after impact start, the deploy before it is the suspect', () => {
    const enrichment = enrichmentWith(
      deploy('c'.repeat(40), '2026-11-20T10:10:00.000Z'),
      deploy('b'.repeat(40), '2026-11-20T09:15:00.000Z'),
      deploy('a'.repeat(40), '2026-11-20T08:45:00.000Z'),
    );
    const t = computeTimings({ enrichment, times: known });
    expect(t.suspectDeploy).toMatchObject({ sha: 'b'.repeat(40), leadMs: 45 * 60_000 });
    expect(t.ttdFromDeployMs).toBe(47 * 60_000);
    expect(t.failedDeploymentRecoveryMs).toBe(77 * 60_000);
  });

  test('the suspect window comes from the service profile kept with the incident', () => {
    const enrichment = enrichmentWithDeploy('2026-11-20T09:15:00.000Z');
    const profile = { owners: [], team: null, enrichmentBudgetMs: 2000, suspectWindowMs: 30 * 60_000 };
    expect(computeTimings({ enrichment, times: known, profile }).suspectDeploy).toBeNull();
    expect(
      computeTimings({ enrichment, times: known, profile: { ...profile, suspectWindowMs: 60 * 60_000 } })
        .suspectDeploy?.leadMs,
    ).toBe(45 * 60_000);
  });

  test('without a suspect deploy there is no deploy-based TTD and no failed-deployment recovery time', () => {
    const t = computeTimings({ enrichment: enrichmentWith(), times: known });
    expect(t).toMatchObject({ suspectDeploy: null, ttdFromDeployMs: null, failedDeploymentRecoveryMs: null });
    expect(t.ttdMs).toBe(2 * 60_000);
  });

  test('an open incident has no TTR yet', () => {
    expect(
      computeTimings({ enrichment: null, times: times({ detected: '2026-11-20T10:02:00.000Z' }) }).ttrMs,
    ).toBeNull();
  });

  test('durations read as hours, minutes and seconds', () => {
    expect(formatDuration(3_723_000)).toBe('1h 02m 03s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(null)).toBe('n/a');
  });
});
