// The timings every incident records, exactly as DESIGN.md defines them. Durations in milliseconds;
// null when one of the two ends is unknown.
import type { DeployRef } from './enrichment';
import type { IncidentState } from './incident';

export interface SuspectDeploy {
  sha: string;
  finishedAt: string;
  /** How long before impact start it finished. */
  leadMs: number;
}

export interface Timings {
  impactStart: string | null;
  suspectDeploy: SuspectDeploy | null;
  detected: string | null;
  /** Impact start → detected. */
  ttdMs: number | null;
  /** Suspect deploy → detected, when a deploy is implicated. */
  ttdFromDeployMs: number | null;
  /** Paged → acknowledged. */
  ttaMs: number | null;
  /** Detected → rollback/hotfix finished successfully. */
  ttmMs: number | null;
  /** Detected → resolved. */
  ttrMs: number | null;
  /** Impact start → resolved. */
  impactDurationMs: number | null;
  /** Suspect deploy → resolved (DORA's failed-deployment recovery time). */
  failedDeploymentRecoveryMs: number | null;
}

/** What the timings are computed from; the profile carries the service's suspect window. */
export type TimingsSource = Pick<IncidentState, 'enrichment' | 'times'> & {
  profile?: IncidentState['profile'];
};

/** How far before impact start a finished production deploy counts as the suspect. */
export const DEFAULT_SUSPECT_WINDOW_MS = 2 * 60 * 60 * 1000;

export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The last production deploy that finished before impact start, within the window (DESIGN.md). Deploys
 * that finished after impact start cannot have caused it, so an incident that began before the current
 * deploy may still implicate the one before.
 */
export function suspectDeploy(state: TimingsSource, windowMs?: number): SuspectDeploy | null {
  const window = windowMs ?? state.profile?.suspectWindowMs ?? DEFAULT_SUSPECT_WINDOW_MS;
  const impactStart = state.times.impactStart;
  const enrichment = state.enrichment;
  if (!enrichment || !impactStart) return null;
  const deploys: DeployRef[] = enrichment.recentDeploys?.length
    ? enrichment.recentDeploys
    : [enrichment.currentDeploy, enrichment.rollbackCandidate].filter((d): d is DeployRef => d !== null);
  let suspect: SuspectDeploy | null = null;
  for (const deploy of deploys) {
    const lead = between(deploy.finishedAt, impactStart);
    if (lead === null || lead < 0 || lead > window) continue;
    if (!suspect || lead < suspect.leadMs)
      suspect = { sha: deploy.sha, finishedAt: deploy.finishedAt, leadMs: lead };
  }
  return suspect;
}

export function computeTimings(state: TimingsSource, windowMs?: number): Timings {
  const { times } = state;
  const suspect = suspectDeploy(state, windowMs);
  return {
    impactStart: times.impactStart,
    suspectDeploy: suspect,
    detected: times.detected,
    ttdMs: between(times.impactStart, times.detected),
    ttdFromDeployMs: between(suspect?.finishedAt, times.detected),
    ttaMs: between(times.paged, times.acknowledged),
    ttmMs: between(times.detected, times.mitigated),
    ttrMs: between(times.detected, times.resolved),
    impactDurationMs: between(times.impactStart, times.resolved),
    failedDeploymentRecoveryMs: between(suspect?.finishedAt, times.resolved),
  };
}

/** "9f1c2e3a4b5c, finished 2026-11-20T09:30:00Z (30m 00s before impact start)". */
export function describeSuspect(suspect: SuspectDeploy): string {
  return `${suspect.sha.slice(0, 12)}, finished ${suspect.finishedAt} (${formatDuration(suspect.leadMs)} before impact start)`;
}

/** "1h 02m 03s" style, for reports and the CLI. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms) / 1000);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (hours > 0) return `${sign}${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${sign}${minutes}m ${pad(seconds)}s`;
  return `${sign}${seconds}s`;
}
