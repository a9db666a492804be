// One archived incident in a few hundred bytes: what stats and metrics need, so that they read a
// compact index instead of parsing thousands of full reports (10,000 incidents in well under a second).
import type { IncidentReport } from './report';

export interface ReportSummary {
  id: string;
  service: string;
  severity: string;
  detected: string | null;
  resolved: string | null;
  /** Durations in ms, null when unknown (as in Timings). */
  ttdMs: number | null;
  ttdFromDeployMs: number | null;
  ttaMs: number | null;
  ttmMs: number | null;
  ttrMs: number | null;
  failedDeploymentRecoveryMs: number | null;
  suspectDeploy: string | null;
  /** How many times the responder was paged or the page raised/escalated. */
  pages: number;
  /** Responder actions by name (acknowledge, rollback, note…), from people and the engine's policy. */
  actions: Record<string, number>;
  /** Rollback (and hotfix) results, e.g. SUCCESS, FAILURE, ERROR, running. */
  rollbacks: string[];
  automaticRollback: boolean;
  followUps: number;
}

const PAGE_KINDS = new Set(['paged', 'page-escalated', 'escalated']);

export function summarizeReport(report: IncidentReport): ReportSummary {
  const t = report.timings;
  return {
    id: report.id,
    service: report.service,
    severity: report.severity,
    detected: t.detected,
    resolved: report.impact?.endedAt ?? null,
    ttdMs: t.ttdMs,
    ttdFromDeployMs: t.ttdFromDeployMs,
    ttaMs: t.ttaMs,
    ttmMs: t.ttmMs,
    ttrMs: t.ttrMs,
    failedDeploymentRecoveryMs: t.failedDeploymentRecoveryMs,
    suspectDeploy: t.suspectDeploy?.sha ?? null,
    pages: report.timeline.filter((e) => PAGE_KINDS.has(e.kind)).length,
    actions: countActions(report),
    rollbacks: report.rollbacks.map((r) => r.result ?? 'running'),
    automaticRollback: report.rollbacks.some((r) => r.automatic === true),
    followUps: report.followUps.length,
  };
}

/**
 * Actions as people took them: acknowledgements, rollbacks, escalations, notes, resolutions — read from
 * the timeline entries their Update left (any channel but the engine's own, plus automatic rollbacks).
 */
function countActions(report: IncidentReport): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (name: string) => (counts[name] = (counts[name] ?? 0) + 1);
  for (const entry of report.timeline) {
    if (entry.kind === 'auto-rollback') add('rollback');
    if (entry.actor.channel === 'workflow') continue;
    const name = ACTION_OF_KIND[entry.kind];
    if (name) add(name);
  }
  return counts;
}

/** Timeline kinds that a responder action leaves (see workflows/incident.ts apply()). */
const ACTION_OF_KIND: Record<string, string> = {
  acknowledged: 'acknowledge',
  action: 'rollback',
  escalated: 'escalate',
  resolved: 'resolve',
  note: 'note',
  hotfix: 'hotfix',
  'freeze-off': 'lift-freeze',
};
