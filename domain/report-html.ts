// The report as one self-contained HTML page (inline style, no script), for the archive, the ticket and
// the browser. Everything that came from alerts or people is escaped: an alert summary is attacker-
// controllable text, and this page is opened by responders who are logged in to the dashboard.
import { short } from './enrichment';
import { alertCountText, flapCountText, type IncidentReport } from './report';
import { describeSuspect, formatDuration } from './timings';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** Only http(s) links become anchors: a `javascript:` runbook URL stays inert text. */
function link(url: string | null, text?: string): string {
  if (!url) return 'n/a';
  if (!/^https?:\/\//i.test(url)) return escapeHtml(text ?? url);
  return `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${escapeHtml(text ?? url)}</a>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.draft{color:#a15c00}.warn{color:#9b1c1c}code{font-size:90%}h2{margin-top:1.5rem}`;

export function renderHtml(report: IncidentReport): string {
  const title = `Incident ${report.id}${report.draft ? ' (draft)' : ''}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    report.draft ? '<p class="draft">Live draft: the incident is still open.</p>' : '',
    `<p class="summary">${escapeHtml(report.summary)}</p>`,
    facts(report),
    `<h2>Impact</h2><p>${escapeHtml(alertCountText(report))}, from ${escapeHtml(report.impact.startedAt ?? 'unknown')} to ${escapeHtml(report.impact.endedAt ?? 'not yet resolved')} (${escapeHtml(formatDuration(report.impact.durationMs))}).</p>`,
    timings(report),
    whatChanged(report),
    rollbacks(report),
    list(
      'Safety warnings',
      report.safetyWarnings.map(
        (w) => `${escapeHtml(w.at)}: <span class="warn">${escapeHtml(w.message)}</span>`,
      ),
    ),
    list(
      'Deploy freeze',
      report.freezes.map(
        (f) =>
          `on ${escapeHtml(f.on)}, ${f.off ? `lifted ${escapeHtml(f.off)}` : 'still on'}: ${escapeHtml(f.reason)}`,
      ),
    ),
    participants(report),
    list('Flaps', [
      ...((report.flapCount ?? 0) > report.flaps.length ? [escapeHtml(flapCountText(report))] : []),
      ...report.flaps.map((f) => `${escapeHtml(f.at)}: ${escapeHtml(f.summary)}`),
    ]),
    list(
      'Follow-ups',
      report.followUps.map((f) => `&#9744; ${escapeHtml(f)}`),
    ),
    list(
      'Links',
      report.links.more.map((l) => `${escapeHtml(l.label)}: ${link(l.url)}`),
    ),
    timeline(report),
    `<p><em>Generated ${escapeHtml(report.generatedAt)} by Firebreak.</em></p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function facts(report: IncidentReport): string {
  const rows: Array<[string, string]> = [
    ['Service', escapeHtml(report.service)],
    ['Severity', escapeHtml(report.severity)],
    ['Status', escapeHtml(report.status)],
  ];
  if (report.team) rows.push(['Team', escapeHtml(report.team)]);
  if (report.owners.length) rows.push(['Owners', escapeHtml(report.owners.join(', '))]);
  if (report.links.runbook) rows.push(['Runbook', link(report.links.runbook)]);
  if (report.links.dashboard) rows.push(['Dashboard', link(report.links.dashboard)]);
  if (report.links.pagerDuty) rows.push(['PagerDuty', link(report.links.pagerDuty)]);
  if (report.resolution) rows.push(['Resolution', escapeHtml(report.resolution)]);
  if (report.resolvedBy) rows.push(['Resolved by', escapeHtml(report.resolvedBy)]);
  return table(['', ''], rows, true);
}

function timings(report: IncidentReport): string {
  const t = report.timings;
  const rows: Array<[string, string]> = [
    ['impact start', t.impactStart ?? 'n/a'],
    ['suspect deploy', t.suspectDeploy ? describeSuspect(t.suspectDeploy) : 'none'],
    ['detected', t.detected ?? 'n/a'],
    ['TTD (impact → detected)', formatDuration(t.ttdMs)],
    ['TTD (deploy → detected)', formatDuration(t.ttdFromDeployMs)],
    ['TTA', formatDuration(t.ttaMs)],
    ['TTM', formatDuration(t.ttmMs)],
    ['TTR', formatDuration(t.ttrMs)],
    ['impact duration', formatDuration(t.impactDurationMs)],
    ['failed-deployment recovery time', formatDuration(t.failedDeploymentRecoveryMs)],
  ];
  return `<h2>Timings</h2>${table(
    ['measure', 'value'],
    rows.map(([k, v]) => [escapeHtml(k), escapeHtml(v)]),
  )}`;
}

function whatChanged(report: IncidentReport): string {
  const changed = report.whatChanged;
  if (!changed) return '<h2>What changed</h2><p>Enrichment did not finish; see the timeline.</p>';
  const age = changed.rollbackCandidateAgeMs;
  const items = [
    `Deploy history: ${escapeHtml(changed.deploysFrom)}`,
    `Current deploy: <code>${escapeHtml(short(changed.currentDeploy))}</code>`,
    `Rollback candidate: <code>${escapeHtml(short(changed.rollbackCandidate))}</code>${age === null ? '' : ` (${escapeHtml(formatDuration(age))} old)`}`,
  ];
  if (!changed.changesRead) {
    items.push('Commits and migrations since the candidate: unknown (see the timeline)');
  } else {
    const incomplete = changed.changesPossiblyIncomplete
      ? ' (GitHub listed 300 files: possibly incomplete)'
      : '';
    items.push(
      `Migrations since the candidate: ${changed.migrations.length ? escapeHtml(changed.migrations.join(', ')) : 'none'}${incomplete}`,
      `Commits since the candidate: ${changed.commits.length}${changed.compareUrl ? ` (${link(changed.compareUrl, 'compare')})` : ''}`,
    );
  }
  const commits = changed.changesRead
    ? changed.commits
        .slice(0, 20)
        .map(
          (c) => `<li><code>${escapeHtml(short(c.sha))}</code> ${escapeHtml(c.message.split('\n')[0])}</li>`,
        )
        .join('')
    : '';
  return `<h2>What changed</h2><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>${commits ? `<ul>${commits}</ul>` : ''}`;
}

function rollbacks(report: IncidentReport): string {
  return list(
    'Rollbacks',
    report.rollbacks.map((r) => {
      const by = r.automatic
        ? 'automatically, by the auto-rollback policy (no responder action in time)'
        : `by ${escapeHtml(r.requestedBy.by)} (${escapeHtml(r.requestedBy.channel)})`;
      const build = r.buildUrl
        ? link(r.buildUrl, `build #${r.buildNumber ?? '?'}`)
        : r.buildNumber
          ? `build #${r.buildNumber}`
          : 'no build';
      return `to <code>${escapeHtml(short(r.targetSha))}</code> ${by}${r.forced ? ', forced' : ''}: ${escapeHtml(r.result ?? 'running')}, ${build}`;
    }),
  );
}

function participants(report: IncidentReport): string {
  return list(
    'Who did what',
    report.participants.map(
      (p) =>
        `<strong>${escapeHtml(p.by)}</strong> (${escapeHtml(p.channel)})<ul>${p.entries
          .map((e) => `<li>${escapeHtml(e.at)} ${escapeHtml(e.kind)}: ${escapeHtml(e.message)}</li>`)
          .join('')}</ul>`,
    ),
  );
}

function timeline(report: IncidentReport): string {
  const rows: string[][] = report.timeline.map((e) => [
    `<time datetime="${escapeHtml(e.at)}">${escapeHtml(e.at)}</time> <small>(${escapeHtml(e.timeSource)})</small>`,
    escapeHtml(e.kind),
    `${escapeHtml(e.actor.by)} (${escapeHtml(e.actor.channel)})`,
    escapeHtml(e.message),
  ]);
  for (const row of report.omitted ?? []) {
    rows.push([
      `${escapeHtml(row.firstAt)} … ${escapeHtml(row.lastAt)}`,
      escapeHtml(row.kind),
      `${row.count} more, summarized`,
      `last: ${escapeHtml(row.lastMessage)}`,
    ]);
  }
  return `<h2>Timeline</h2>${table(['time', 'event', 'who', 'details'], rows)}`;
}

/** Cells are already escaped HTML. */
function table(headers: string[], rows: string[][], headerless = false): string {
  const head = headerless ? '' : `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (cells) =>
        `<tr>${cells.map((c, i) => (headerless && i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`,
    )
    .join('');
  return `<table>${head}${body}</table>`;
}

/** Items are already escaped HTML; an empty section is left out. */
function list(title: string, items: string[]): string {
  if (items.length === 0) return '';
  return `<h2>${escapeHtml(title)}</h2><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
}
