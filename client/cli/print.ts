// Plain-text views of incidents for the terminal.
import type { IncidentState, IncidentSummary } from '../../domain/incident';
import { computeTimings, describeSuspect, formatDuration } from '../../domain/timings';

export function printIncidents({ incidents }: { incidents: IncidentSummary[] }): void {
  if (incidents.length === 0) {
    console.log('no incidents');
    return;
  }
  console.log(
    ['ID'.padEnd(28), 'SERVICE'.padEnd(16), 'SEVERITY'.padEnd(10), 'STATUS'.padEnd(18), 'DETECTED'].join(' '),
  );
  for (const i of incidents) {
    console.log(
      [
        i.id.padEnd(28),
        i.service.padEnd(16),
        i.severity.padEnd(10),
        i.status.padEnd(18),
        i.detected ?? '',
      ].join(' '),
    );
  }
}

export function printIncident(state: IncidentState): void {
  const timings = computeTimings(state);
  console.log(`${state.id}  [${state.severity}] ${state.service}: ${state.title}`);
  console.log(
    `status ${state.status}   TTD ${formatDuration(timings.ttdMs)}   TTR ${formatDuration(timings.ttrMs)}`,
  );
  if (timings.suspectDeploy) console.log(`suspect deploy ${describeSuspect(timings.suspectDeploy)}`);
  if (state.ticket) console.log(`ticket ${state.ticket.key}  ${state.ticket.url}`);
  const e = state.enrichment;
  if (e) {
    const age = e.rollbackCandidateAgeMs === null ? '' : ` (${formatDuration(e.rollbackCandidateAgeMs)} old)`;
    console.log(
      `current deploy ${e.currentDeploy?.sha.slice(0, 12) ?? 'unknown'}   rollback candidate ${e.rollbackCandidate?.sha.slice(0, 12) ?? 'none'}${age}`,
    );
    if (e.migrations.length) console.log(`migrations since candidate: ${e.migrations.join(', ')}`);
  }
  if (state.freeze?.kinds.length) {
    console.log(`deploys frozen (${state.freeze.kinds.join(', ')}) since ${state.freeze.since ?? 'unknown'}`);
  }
  console.log('');
  for (const entry of state.timeline) {
    console.log(
      `${entry.at}  ${entry.kind.padEnd(18)} ${entry.message}  (${entry.actor.by}/${entry.actor.channel})`,
    );
  }
}
