// The post-incident report: built from the incident's state, rendered as JSON and Markdown (and HTML,
// in report-html.ts). Pure, so the same code writes the archived report and the live draft of an open
// incident.
import { alertLinks } from './alert';
import { headline, short, type DeployHistorySource } from './enrichment';
import type { Flap, IncidentState, RollbackRecord, TimelineEntry } from './incident';
import { incidentView, type AlertsView, type IncidentView } from './incident-view';
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
  /** Alerts that fired again within the flap window after monitoring had recovered (the most recent ones). */
  flaps: Flap[];
  /** How many flaps there were in all (absent in reports archived before it existed: then `flaps.length`). */
  flapCount?: number;
  /** Exact counts and the bounded selection of the incident view (domain/incident-view.ts). */
  alerts: ReportAlerts;
  timeline: TimelineEntry[];
  /** Repetitive entries left out of a very noisy timeline, counted (domain/timeline-budget.ts). */
  omitted: OmittedEntries[];
  generatedAt: string;
}

export interface ReportAlert {
  key: string;
  summary: string;
  status: string;
  startsAt: string;
  endsAt: string | null;
}

export type ReportAlerts = Omit<AlertsView, 'items'> & { items: ReportAlert[] };

/**
 * From the incident's view, so a storm's report lists a bounded selection of its alerts with exact counts
 * (the report travels to the archive and back as one Temporal payload). Given the whole state, the
 * workflow's at close, it takes the view first.
 */
export function buildReport(incident: IncidentState | IncidentView, generatedAt: string): IncidentReport {
  const state = isView(incident) ? incident : incidentView(incident);
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
      ...alertLinks(state.alerts.items.map((o) => o.alert)),
      pagerDuty: state.pagerDuty.url,
      more: timelineLinks(timeline),
    },
    impact: {
      startedAt: timings.impactStart,
      endedAt: state.times.resolved,
      durationMs: timings.impactDurationMs,
      alerts: state.alerts.total,
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
    flaps: state.flaps,
    flapCount: state.flapCount,
    alerts: {
      ...state.alerts,
      items: state.alerts.items.map((o) => ({
        key: o.key,
        summary: o.alert.summary,
        status: o.alert.status,
        startsAt: o.alert.startsAt,
        endsAt: o.alert.endsAt,
      })),
    },
    timeline,
    omitted: omittedSummary(state),
    generatedAt,
  };
}

function isView(incident: IncidentState | IncidentView): incident is IncidentView {
  return !Array.isArray(incident.alerts);
}

function summaryLine(state: IncidentView, timings: Timings): string {
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
    `${alertCountText(report)}, from ${report.impact.startedAt ?? 'unknown'} to ${report.impact.endedAt ?? 'not yet resolved'} (${formatDuration(report.impact.durationMs)}).`,
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
  const lines = ['## Flaps', '', `${flapCountText(report)} within the flap window after recovery:`, ''];
  for (const flap of report.flaps) lines.push(`- ${flap.at}: ${flap.summary}`);
  return [...lines, ''];
}

/**
 * "10,000 alert(s) (9,500 firing, 500 resolved; the JSON report lists 500 of them)": the total is always
 * the incident's, never the length of the shown selection. Reports archived before the view carried
 * the alerts as a plain list.
 */
export function alertCountText(report: IncidentReport): string {
  const alerts = report.alerts as ReportAlerts | ReportAlert[];
  const total = report.impact.alerts;
  if (Array.isArray(alerts)) return `${withThousands(total)} alert(s)`;
  const listed = alerts.omitted > 0 ? `; the JSON report lists ${withThousands(alerts.shown)} of them` : '';
  return `${withThousands(total)} alert(s) (${withThousands(alerts.firing)} firing, ${withThousands(alerts.resolved)} resolved${listed})`;
}

/** "120 re-fire(s); the last 100 listed" once an incident flapped more than the view keeps. */
export function flapCountText(report: IncidentReport): string {
  const total = report.flapCount ?? report.flaps.length;
  const listed = total > report.flaps.length ? `; the last ${withThousands(report.flaps.length)} listed` : '';
  return `${withThousands(total)} re-fire(s)${listed}`;
}

/** 10000 → "10,000", by hand: the same on every worker, whatever its locale data. */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function followUpSection(report: IncidentReport): string[] {
  if (report.followUps.length === 0) return [];
  return ['## Follow-ups', '', ...report.followUps.map((f) => `- [ ] ${f}`), ''];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
