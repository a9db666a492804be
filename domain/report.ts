// The post-incident report: built from the incident's state, rendered as JSON and Markdown (and HTML,
// in report-html.ts). Pure, so the same code writes the archived report and the live draft of an open
// incident.
import { alertLinks } from './alert';
import { headline, short, type DeployHistorySource } from './enrichment';
import type { Flap, IncidentState, RollbackRecord, TimelineEntry } from './incident';
import {
  entriesOfKind,
  followUpText,
  freezePeriods,
  participants,
  timelineLinks,
  type FreezePeriod,
  type ParticipantActivity,
  type ReportLink,
  type TimelineNote,
} from './report-facts';
import { omittedSummary, type OmittedEntries } from './timeline-budget';
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
  links: {
    runbook: string | null;
    dashboard: string | null;
    pagerDuty: string | null;
    /** Every other URL the timeline carried: builds, the compare view, tickets. */
    more: ReportLink[];
  };
  /** How long and how wide: from the monitor's start to resolution, and how many alerts took part. */
  impact: { startedAt: string | null; endedAt: string | null; durationMs: number | null; alerts: number };
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
  /** Warnings raised before or during a rollback or hotfix (stale target, migrations, forced). */
  safetyWarnings: TimelineNote[];
  /** Deploy freezes put on and lifted during the incident. */
  freezes: FreezePeriod[];
  /** Who did what: people and outside systems, each with their timeline entries. */
  participants: ParticipantActivity[];
  resolution: string | null;
  resolvedBy: string | null;
  /** Skipped checks and failed optional steps, to be done after the incident. */
  followUps: string[];
  /** Alerts that fired again within the flap window after monitoring had recovered. */
  flaps: Flap[];
  alerts: Array<{ key: string; summary: string; status: string; startsAt: string; endsAt: string | null }>;
  timeline: TimelineEntry[];
  /** Repetitive entries left out of a very noisy timeline, counted (domain/timeline-budget.ts). */
  omitted: OmittedEntries[];
  generatedAt: string;
}

export function buildReport(state: IncidentState, generatedAt: string): IncidentReport {
  const timings = computeTimings(state);
  const enrichment = state.enrichment;
  const timeline = [...state.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
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
    links: {
      ...alertLinks(state.alerts.map((o) => o.alert)),
      pagerDuty: state.pagerDuty.url,
      more: timelineLinks(timeline),
    },
    impact: {
      startedAt: timings.impactStart,
      endedAt: state.times.resolved,
      durationMs: timings.impactDurationMs,
      alerts: state.alerts.length,
    },
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
    safetyWarnings: entriesOfKind(timeline, 'safety-warning'),
    freezes: freezePeriods(timeline),
    participants: participants(timeline),
    resolution: state.resolution,
    resolvedBy: state.resolvedBy ? `${state.resolvedBy.by} (${state.resolvedBy.channel})` : null,
    followUps: (state.followUps as unknown[]).map(followUpText),
    flaps: state.flaps ?? [],
    alerts: state.alerts.map((o) => ({
      key: o.key,
      summary: o.alert.summary,
      status: o.alert.status,
      startsAt: o.alert.startsAt,
      endsAt: o.alert.endsAt,
    })),
    timeline,
    omitted: omittedSummary(state),
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
    ...(report.links.pagerDuty ? [`- **PagerDuty:** ${report.links.pagerDuty}`] : []),
    ...(report.resolution ? [`- **Resolution:** ${report.resolution}`] : []),
    ...(report.resolvedBy ? [`- **Resolved by:** ${report.resolvedBy}`] : []),
    '',
    '## Impact',
    '',
    `${report.impact.alerts} alert(s), from ${report.impact.startedAt ?? 'unknown'} to ${report.impact.endedAt ?? 'not yet resolved'} (${formatDuration(report.impact.durationMs)}).`,
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
    ...notesSection('Safety warnings', report.safetyWarnings),
    ...freezeSection(report),
    ...participantSection(report),
    ...flapSection(report),
    ...followUpSection(report),
    ...linkSection(report),
  );
  lines.push('## Timeline', '', '| time | time from | event | who | details |', '|---|---|---|---|---|');
  for (const entry of report.timeline) {
    lines.push(
      `| ${entry.at} | ${entry.timeSource} | ${entry.kind} | ${escapeCell(entry.actor.by)} (${entry.actor.channel}) | ${escapeCell(entry.message)} |`,
    );
  }
  for (const row of report.omitted ?? []) {
    lines.push(
      `| ${row.firstAt} … ${row.lastAt} | various | ${row.kind} | (${row.count} more, summarized) | ${escapeCell(`last: ${row.lastMessage}`)} |`,
    );
  }
  lines.push('', `_Generated ${report.generatedAt} by Firebreak._`, '');
  return lines.join('\n');
}

function notesSection(title: string, notes: TimelineNote[]): string[] {
  if (notes.length === 0) return [];
  return [`## ${title}`, '', ...notes.map((n) => `- ${n.at}: ${n.message}`), ''];
}

function freezeSection(report: IncidentReport): string[] {
  if (report.freezes.length === 0) return [];
  const lines = ['## Deploy freeze', ''];
  for (const f of report.freezes)
    lines.push(`- on ${f.on}, ${f.off ? `lifted ${f.off}` : 'still on'}: ${f.reason}`);
  return [...lines, ''];
}

function participantSection(report: IncidentReport): string[] {
  if (report.participants.length === 0) return [];
  const lines = ['## Who did what', ''];
  for (const p of report.participants) {
    lines.push(`- **${p.by}** (${p.channel})`);
    for (const e of p.entries) lines.push(`  - ${e.at} ${e.kind}: ${escapeCell(e.message)}`);
  }
  return [...lines, ''];
}

function linkSection(report: IncidentReport): string[] {
  if (report.links.more.length === 0) return [];
  return ['## Links', '', ...report.links.more.map((l) => `- ${l.label}: ${l.url}`), ''];
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
