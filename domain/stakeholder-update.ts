// What a stakeholder reads about an incident at a milestone — impact, status, what changed, who owns
// it, when the next update comes — and the same facts as ticket text. Pure, so the workflow builds the
// message from the state as it is at the milestone (a retry re-sends that message, not a newer one).
import { short } from './enrichment';
import type { IncidentState } from './incident';
import type { IncidentReport } from './report';
import { computeTimings, describeSuspect, formatDuration, suspectDeploy } from './timings';

/** The lines of a notification or ticket comment, in the order a reader needs them. */
export function stakeholderFacts(state: IncidentState, milestone: string): string[] {
  const facts = [`Impact: ${impact(state)}`, `Status: ${statusInWords(state)}`];
  const changed = whatChanged(state);
  if (changed) facts.push(`What changed: ${changed}`);
  const owners = ownedBy(state);
  if (owners) facts.push(`Owned by: ${owners}`);
  facts.push(`Next update: ${nextUpdate(state, milestone)}`);
  return facts;
}

/** The ticket's summary line. */
export function ticketTitle(state: IncidentState): string {
  return `[${state.severity}] ${state.service}: ${state.title || 'incident'} (${state.id})`;
}

/** The ticket's description: what the incident is, as known when the ticket opens. */
export function ticketDescription(state: IncidentState): string[] {
  const lines = [
    `Firebreak incident ${state.id} on ${state.service}, severity ${state.severity}.`,
    ...stakeholderFacts(state, 'opened').filter((f) => !f.startsWith('Next update')),
  ];
  const alerts = state.alerts.slice(0, 10).map((o) => `Alert (${o.alert.status}): ${o.alert.summary}`);
  return [...lines, ...alerts];
}

/** The comment a ticket gets at close: the report's summary and its measures. */
export function closingSummary(report: IncidentReport): string[] {
  const t = report.timings;
  const lines = [
    report.summary,
    `TTD ${formatDuration(t.ttdMs)} · TTA ${formatDuration(t.ttaMs)} · TTM ${formatDuration(t.ttmMs)} · TTR ${formatDuration(t.ttrMs)}`,
  ];
  if (report.resolution)
    lines.push(`Resolution: ${report.resolution}${report.resolvedBy ? ` (${report.resolvedBy})` : ''}`);
  if (report.followUps.length > 0) {
    lines.push(`Follow-ups (${report.followUps.length}):`, ...report.followUps.map((f) => `- ${f}`));
  }
  return lines;
}

function impact(state: IncidentState): string {
  const what = state.title || `${state.service} alert`;
  const firing = state.alerts.filter((o) => o.alert.status === 'firing').length;
  const start = state.times.impactStart;
  if (state.times.resolved) {
    const lasted = computeTimings(state).impactDurationMs;
    return `${what}; lasted ${formatDuration(lasted)}${start ? ` (from ${clock(start)})` : ''}`;
  }
  return `${what}; since ${start ? clock(start) : 'unknown'}, ${firing} alert(s) firing`;
}

function statusInWords(state: IncidentState): string {
  const rollback = state.rollbacks.at(-1);
  const target = rollback ? short(rollback.targetSha) : '';
  // The last mitigation may be the hotfix fast path rather than a rollback.
  const step = rollback?.kind === 'hotfix' ? `hotfix ${target}` : `rollback to ${target}`;
  switch (state.status) {
    case 'triggered':
      return 'detected; not paged yet';
    case 'paged':
      return `on-call responder paged (level ${state.pagerDuty.escalationLevel}), waiting for acknowledgement`;
    case 'acknowledged':
      return 'a responder acknowledged and is investigating';
    case 'mitigating':
      return rollback?.kind === 'hotfix' ? `shipping hotfix ${target}` : `rolling back to ${target}`;
    case 'mitigated':
      return `mitigated: ${step} succeeded; watching for recovery`;
    case 'mitigation-failed':
      return `${step} failed (${rollback?.result ?? 'no result'}); responders are on it`;
    case 'resolved':
    case 'closed':
      return `resolved${state.resolution ? `: ${state.resolution}` : ''}`;
  }
}

function whatChanged(state: IncidentState): string | null {
  const suspect = suspectDeploy(state, state.profile?.suspectWindowMs);
  if (suspect) return `suspect deploy ${describeSuspect(suspect)}`;
  const current = state.enrichment?.currentDeploy;
  return current ? `current deploy ${short(current.sha)} (finished ${clock(current.finishedAt)})` : null;
}

function ownedBy(state: IncidentState): string | null {
  const team = state.profile?.team;
  const owners = state.profile?.owners ?? [];
  if (!team && owners.length === 0) return null;
  return [team ? `team ${team}` : null, owners.length ? owners.join(', ') : null].filter(Boolean).join(': ');
}

/** No promise of a time the engine cannot keep: the next update comes with the next milestone. */
function nextUpdate(state: IncidentState, milestone: string): string {
  if (state.status === 'resolved' || state.status === 'closed' || milestone === 'resolved') {
    return 'none; this is the final update (the report is linked)';
  }
  switch (state.status) {
    case 'triggered':
    case 'paged':
      return `when a responder acknowledges; escalation follows after ${formatDuration(state.policy.ackTimeoutMs)} without one`;
    case 'acknowledged':
      return 'when a mitigation is chosen or the incident resolves';
    case 'mitigating':
      return 'when the rollback finishes';
    case 'mitigated':
      return 'when monitoring confirms recovery';
    case 'mitigation-failed':
      return 'when the next mitigation is chosen';
  }
}

/** `2026-11-20 10:42 UTC`: readers are in many time zones, and a message may be read the next day. */
function clock(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
