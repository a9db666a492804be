// The timings every incident records, exactly as DESIGN.md defines them. Durations in milliseconds;
// null when one of the two ends is unknown.
import type { IncidentState } from './incident';

export interface Timings {
  impactStart: string | null;
  suspectDeploy: { sha: string; finishedAt: string } | null;
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

/** How far before impact start a finished production deploy counts as the suspect. */
export const DEFAULT_SUSPECT_WINDOW_MS = 2 * 60 * 60 * 1000;

export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/** The current production deploy, when it finished within the window before impact start. */
export function suspectDeploy(
  state: Pick<IncidentState, 'enrichment' | 'times'>,
  windowMs: number = DEFAULT_SUSPECT_WINDOW_MS,
): { sha: string; finishedAt: string } | null {
  const deploy = state.enrichment?.currentDeploy;
  const impactStart = state.times.impactStart;
  if (!deploy || !impactStart) return null;
  const lead = between(deploy.finishedAt, impactStart);
  if (lead === null || lead < 0 || lead > windowMs) return null;
  return { sha: deploy.sha, finishedAt: deploy.finishedAt };
}

export function computeTimings(
  state: Pick<IncidentState, 'enrichment' | 'times'>,
  windowMs?: number,
): Timings {
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
