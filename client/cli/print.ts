// Plain-text views of incidents for the terminal.
import type { IncidentSummary } from '../../domain/incident';
import type { AlertsView, IncidentView } from '../../domain/incident-view';
import { withThousands } from '../../domain/report';
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

/** Alerts listed under the header: the view may hold 500, a terminal wants a glance. */
const ALERTS_PRINTED = 10;

export function printIncident(state: IncidentView): void {
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
  printAlerts(state.alerts);
  console.log('');
  for (const entry of state.timeline) {
    console.log(
      `${entry.at}  ${entry.kind.padEnd(18)} ${entry.message}  (${entry.actor.by}/${entry.actor.channel})`,
    );
  }
}

/** "alerts 10,000 (9,500 firing, 500 resolved); 10 of 10,000 listed, firing first", then those ten. */
function printAlerts(alerts: AlertsView): void {
  const printed = mostUsefulFirst(alerts.items).slice(0, ALERTS_PRINTED);
  const listed =
    printed.length < alerts.total
      ? `; ${withThousands(printed.length)} of ${withThousands(alerts.total)} listed, firing first (--json holds ${withThousands(alerts.shown)})`
      : '';
  console.log(
    `alerts ${withThousands(alerts.total)} (${withThousands(alerts.firing)} firing, ${withThousands(alerts.resolved)} resolved)${listed}`,
  );
  for (const o of printed) console.log(`  ${o.alert.status.padEnd(8)} ${o.alert.summary}  (${o.key})`);
}

/** The view keeps the incident's order; a glance wants what still fires, the newest first. */
function mostUsefulFirst(items: AlertsView['items']): AlertsView['items'] {
  return [...items].sort(
    (a, b) =>
      Number(b.alert.status === 'firing') - Number(a.alert.status === 'firing') ||
      Date.parse(b.changedAt) - Date.parse(a.changedAt),
  );
}
