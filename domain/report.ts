// The post-incident report: built from the incident's state, rendered as JSON and Markdown.
// Pure, so the same code writes the archived report and the live draft of an open incident.
import { alertLinks } from './alert';
import { headline, short, type DeployHistorySource } from './enrichment';
import type { Flap, IncidentState, RollbackRecord, TimelineEntry } from './incident';
import { computeTimings, describeSuspect, formatDuration, type Timings } from './timings';

export interface IncidentReport {
  id: string;
  service: string;
  severity: string;
  title: string;
  status: string;
  draft: boolean;
  summary: string;
  team: string | null;
  owners: string[];
  links: { runbook: string | null; dashboard: string | null };
  timings: Timings;
  whatChanged: {
    source: DeployHistorySource;
    deploysFrom: string;
    currentDeploy: string | null;
    rollbackCandidate: string | null;
    /** How old the candidate was when enrichment read it. */
    rollbackCandidateAgeMs: number | null;
    commits: Array<{ sha: string; message: string }>;
    migrations: string[];
    /** False when the commits and migrations between the two deploys are unknown. */
    changesRead: boolean;
    changesPossiblyIncomplete: boolean;
    compareUrl: string | null;
  } | null;
  rollbacks: RollbackRecord[];
  resolution: string | null;
  resolvedBy: string | null;
  followUps: string[];
  /** Alerts that fired again within the flap window after monitoring had recovered. */
  flaps: Flap[];
  alerts: Array<{ key: string; summary: string; status: string; startsAt: string; endsAt: string | null }>;
  timeline: TimelineEntry[];
  generatedAt: string;
}

export function buildReport(state: IncidentState, generatedAt: string): IncidentReport {
  const timings = computeTimings(state);
  const enrichment = state.enrichment;
  return {
    id: state.id,
    service: state.service,
    severity: state.severity,
    title: state.title,
    status: state.status,
    draft: state.status !== 'closed',
    summary: summaryLine(state, timings),
    team: state.profile?.team ?? null,
    owners: state.profile?.owners ?? [],
    links: alertLinks(state.alerts.map((o) => o.alert)),
    timings,
    whatChanged: enrichment
      ? {
          source: enrichment.source,
          deploysFrom: enrichment.deploysFrom,
          currentDeploy: enrichment.currentDeploy?.sha ?? null,
          rollbackCandidate: enrichment.rollbackCandidate?.sha ?? null,
          rollbackCandidateAgeMs: enrichment.rollbackCandidateAgeMs,
          commits: enrichment.changes,
          migrations: enrichment.migrations,
          changesRead: enrichment.changesRead,
          changesPossiblyIncomplete: enrichment.changesPossiblyIncomplete,
          compareUrl: enrichment.compareUrl,
        }
      : null,
    rollbacks: state.rollbacks,
    resolution: state.resolution,
    resolvedBy: state.resolvedBy ? `${state.resolvedBy.by} (${state.resolvedBy.channel})` : null,
    followUps: state.followUps,
    flaps: state.flaps ?? [],
    alerts: state.alerts.map((o) => ({
      key: o.key,
      summary: o.alert.summary,
      status: o.alert.status,
      startsAt: o.alert.startsAt,
      endsAt: o.alert.endsAt,
    })),
    timeline: [...state.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
    generatedAt,
  };
}

function summaryLine(state: IncidentState, timings: Timings): string {
  const parts = [`${state.severity} incident on ${state.service}: ${state.title}.`];
  if (timings.ttrMs !== null) parts.push(`Resolved after ${formatDuration(timings.ttrMs)}.`);
  else parts.push(`Status: ${state.status}.`);
  if (timings.suspectDeploy) parts.push(`Suspect deploy: ${describeSuspect(timings.suspectDeploy)}.`);
  const rollback = state.rollbacks.at(-1);
  if (rollback?.kind === 'hotfix' && rollback.result) {
    parts.push(`Hotfix ${rollback.targetSha.slice(0, 12)}: ${rollback.result}.`);
  } else if (rollback?.result) {
    const how = rollback.automatic ? 'Automatic rollback' : 'Rollback';
    parts.push(`${how} to ${rollback.targetSha.slice(0, 12)}: ${rollback.result}.`);
  }
  return parts.join(' ');
}

export function renderMarkdown(report: IncidentReport): string {
  const t = report.timings;
  const lines: string[] = [
    `# Incident ${report.id}${report.draft ? ' (draft)' : ''}`,
    '',
    report.summary,
    '',
    `- **Service:** ${report.service}`,
    `- **Severity:** ${report.severity}`,
    `- **Status:** ${report.status}`,
    ...(report.team ? [`- **Team:** ${report.team}`] : []),
    ...(report.owners.length ? [`- **Owners:** ${report.owners.join(', ')}`] : []),
    ...(report.links.runbook ? [`- **Runbook:** ${report.links.runbook}`] : []),
    ...(report.links.dashboard ? [`- **Dashboard:** ${report.links.dashboard}`] : []),
    ...(report.resolution ? [`- **Resolution:** ${report.resolution}`] : []),
    ...(report.resolvedBy ? [`- **Resolved by:** ${report.resolvedBy}`] : []),
    '',
    '## Timings',
    '',
    '| measure | value |',
    '|---|---|',
    `| impact start | ${t.impactStart ?? 'n/a'} |`,
    `| suspect deploy | ${t.suspectDeploy ? describeSuspect(t.suspectDeploy) : 'none'} |`,
    `| detected | ${t.detected ?? 'n/a'} |`,
    `| TTD (impact → detected) | ${formatDuration(t.ttdMs)} |`,
    `| TTD (deploy → detected) | ${formatDuration(t.ttdFromDeployMs)} |`,
    `| TTA | ${formatDuration(t.ttaMs)} |`,
    `| TTM | ${formatDuration(t.ttmMs)} |`,
    `| TTR | ${formatDuration(t.ttrMs)} |`,
    `| impact duration | ${formatDuration(t.impactDurationMs)} |`,
    `| failed-deployment recovery time | ${formatDuration(t.failedDeploymentRecoveryMs)} |`,
    '',
  ];
  lines.push(
    ...whatChangedSection(report),
    ...rollbackSection(report),
    ...freezeSection(report),
    ...flapSection(report),
    ...followUpSection(report),
  );
  lines.push('## Timeline', '', '| time | event | who | details |', '|---|---|---|---|');
  for (const entry of report.timeline) {
    lines.push(
      `| ${entry.at} | ${entry.kind} | ${entry.actor.by} (${entry.actor.channel}) | ${escapeCell(entry.message)} |`,
    );
  }
  lines.push('', `_Generated ${report.generatedAt} by Firebreak._`, '');
  return lines.join('\n');
}

function whatChangedSection(report: IncidentReport): string[] {
  const changed = report.whatChanged;
  if (!changed) return ['## What changed', '', 'Enrichment did not finish; see the timeline.', ''];
  const age = changed.rollbackCandidateAgeMs;
  const lines = [
    '## What changed',
    '',
    `- Deploy history: ${changed.deploysFrom}`,
    `- Current deploy: ${short(changed.currentDeploy)}`,
    `- Rollback candidate: ${short(changed.rollbackCandidate)}${age === null ? '' : ` (${formatDuration(age)} old)`}`,
  ];
  if (!changed.changesRead) {
    lines.push('- Commits and migrations since the candidate: unknown (see the timeline)');
    return [...lines, ''];
  }
  const incomplete = changed.changesPossiblyIncomplete
    ? ' (GitHub listed 300 files: possibly incomplete)'
    : '';
  lines.push(
    `- Migrations since the candidate: ${changed.migrations.length ? changed.migrations.join(', ') : 'none'}${incomplete}`,
    `- Commits since the candidate: ${changed.commits.length}${changed.compareUrl ? ` (${changed.compareUrl})` : ''}`,
  );
  for (const commit of changed.commits.slice(0, 20))
    lines.push(`  - ${short(commit.sha)} ${headline(commit.message)}`);
  return [...lines, ''];
}

function rollbackSection(report: IncidentReport): string[] {
  if (report.rollbacks.length === 0) return [];
  const lines = ['## Rollbacks and hotfixes', ''];
  for (const r of report.rollbacks) {
    const build = r.buildNumber ? `build #${r.buildNumber}` : 'no build';
    const by = r.automatic
      ? 'automatically, by the auto-rollback policy (no responder action in time)'
      : `by ${r.requestedBy.by} (${r.requestedBy.channel})`;
    const what = r.kind === 'hotfix' ? `hotfix ${short(r.targetSha)}` : `rollback to ${short(r.targetSha)}`;
    const forced = r.forced ? ' (forced past the safety checks)' : '';
    const skipped = r.skippedChecks?.length ? `; skipped ${r.skippedChecks.join(', ')}` : '';
    lines.push(`- ${what}${forced} ${by}: ${r.result ?? 'running'}, ${build}${skipped}`);
  }
  return [...lines, ''];
}

/** Every freeze and lift of the service's deploys while the incident was open. */
function freezeSection(report: IncidentReport): string[] {
  const changes = report.timeline.filter((t) => t.kind === 'freeze-on' || t.kind === 'freeze-off');
  if (changes.length === 0) return [];
  const lines = ['## Deploy freeze', ''];
  for (const entry of changes) lines.push(`- ${entry.at}: ${entry.message} (${entry.actor.by})`);
  return [...lines, ''];
}

function flapSection(report: IncidentReport): string[] {
  if (report.flaps.length === 0) return [];
  const lines = [
    '## Flaps',
    '',
    `${report.flaps.length} re-fire(s) within the flap window after recovery:`,
    '',
  ];
  for (const flap of report.flaps) lines.push(`- ${flap.at}: ${flap.summary}`);
  return [...lines, ''];
}

function followUpSection(report: IncidentReport): string[] {
  if (report.followUps.length === 0) return [];
  return ['## Follow-ups', '', ...report.followUps.map((f) => `- [ ] ${f}`), ''];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
