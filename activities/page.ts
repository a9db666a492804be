// Paging through the service's Pager (PagerDuty): trigger with the enrichment attached, a note on the
// PagerDuty incident for enrichment that arrived after the page, acknowledge and resolve as the incident
// moves, change events for rollbacks, and who is on call; then, through the REST API, the PagerDuty
// incident behind a page, escalation one level up, and notes.
import { ApplicationFailure } from '@temporalio/common';
import { alertLinks, type Alert } from '../domain/alert';
import { headline, short, type Enrichment } from '../domain/enrichment';
import type { ServiceProfile } from '../domain/incident';
import { describeSuspect, formatDuration, type SuspectDeploy } from '../domain/timings';
import type { PageLink, PageSeverity, Pager, PagerIncident } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor, notConfigured } from './failures';

export interface PageInput {
  incidentId: string;
  dedupKey: string;
  service: string;
  severity: string;
  title: string;
  impactStart: string | null;
  /** A few of the incident's alerts (workflows/page-alerts.ts); the page lists 20. */
  alerts: Alert[];
  /** How many alerts the incident has (absent from workflows that sent them all: `alerts.length`). */
  alertCount?: number;
  /** The runbook and dashboard of any of its alerts (absent: read from `alerts`). */
  alertLinks?: { runbook: string | null; dashboard: string | null };
  enrichment: Enrichment | null;
  /** True when enrichment was still being read at the page: the rest follows as a note. */
  enrichmentPending?: boolean;
  suspectDeploy?: SuspectDeploy | null;
  profile?: ServiceProfile | null;
}

export interface EnrichmentNoteInput {
  incidentId: string;
  dedupKey: string;
  enrichment: Enrichment;
  suspectDeploy: SuspectDeploy | null;
}

export interface PageTarget {
  service: string;
  dedupKey: string;
}

/** A page's PagerDuty incident: by id when Firebreak knows it, else found by the dedup key. */
export interface PagerDutyIncidentTarget extends PageTarget {
  pagerDutyIncidentId: string | null;
}

const PAGER_SEVERITY: Record<string, PageSeverity> = {
  critical: 'critical',
  page: 'critical',
  high: 'error',
  error: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  low: 'info',
};

export function pagerSeverity(severity: string): PageSeverity {
  return PAGER_SEVERITY[severity.toLowerCase()] ?? 'error';
}

export function createPageActivities(deps: ActivityDeps) {
  const pagerFor = (service: string): { pager: Pager; routingKey: string } => {
    const routingKey = serviceConfig(deps, service).pagerduty?.routingKey;
    if (!deps.pager || !routingKey)
      throw notConfigured(`no PagerDuty routing key configured for service '${service}'`);
    return { pager: deps.pager, routingKey };
  };

  /** The PagerDuty incident of a page; retryable while PagerDuty has not opened it yet (Events v2 is async). */
  const incidentOf = async (pager: Pager, target: PageTarget): Promise<PagerIncident> => {
    const found = await callVendor(() => pager.incidentByDedupKey(target.dedupKey));
    if (!found) {
      throw ApplicationFailure.retryable(
        `PagerDuty has no incident for dedup key ${target.dedupKey} yet`,
        'PagerDutyIncidentNotOpenYet',
      );
    }
    return found;
  };

  return {
    /** `acceptedAt`: when PagerDuty took the event (the workflow clock stands still in a local activity). */
    async pageResponder(input: PageInput): Promise<{ dedupKey: string; acceptedAt: string }> {
      const { pager, routingKey } = pagerFor(input.service);
      const suspect = input.suspectDeploy ? ` (suspect deploy ${short(input.suspectDeploy.sha)})` : '';
      const receipt = await callVendor(() =>
        pager.trigger({
          routingKey,
          dedupKey: input.dedupKey,
          summary: `[${input.severity}] ${input.service}: ${input.title}${suspect}`,
          source: `firebreak/${input.service}`,
          severity: pagerSeverity(input.severity),
          ...(input.impactStart ? { timestamp: input.impactStart } : {}),
          component: input.service,
          customDetails: pageDetails(input),
          links: pageLinks(deps.publicUrl, input),
        }),
      );
      return { dedupKey: receipt.dedupKey, acceptedAt: new Date().toISOString() };
    },

    /**
     * Adds enrichment that arrived after the page to the PagerDuty incident as a note. At most once per
     * incident: the note carries a marker, and a retry that finds it (the first POST landed but its
     * answer was lost) adds nothing. Two attempts running at the same moment could still both add one.
     */
    async noteLateEnrichment(input: EnrichmentNoteInput): Promise<{ noteId: string; added: boolean }> {
      if (!deps.pager) throw notConfigured('no PagerDuty integration is configured');
      const pager = deps.pager;
      const marker = `[firebreak:enrichment:${input.incidentId}]`;
      const incident = await callVendor(() => pager.incidentByDedupKey(input.dedupKey));
      // Events v2 is asynchronous: the incident may not exist yet, so this is worth retrying.
      if (!incident)
        throw ApplicationFailure.retryable(
          `PagerDuty has no incident for dedup key ${input.dedupKey} yet`,
          'PageNotFound',
        );
      const notes = await callVendor(() => pager.notes(incident.id));
      const earlier = notes.find((n) => n.content.includes(marker));
      if (earlier) return { noteId: earlier.id, added: false };
      const content = [...enrichmentNote(input.enrichment, input.suspectDeploy), '', marker].join('\n');
      const note = await callVendor(() => pager.addNote(incident.id, content));
      return { noteId: note.id, added: true };
    },

    async acknowledgePage({ service, dedupKey }: PageTarget): Promise<void> {
      const { pager, routingKey } = pagerFor(service);
      await callVendor(() => pager.acknowledge(routingKey, dedupKey));
    },

    async resolvePage({ service, dedupKey }: PageTarget): Promise<void> {
      const { pager, routingKey } = pagerFor(service);
      await callVendor(() => pager.resolve(routingKey, dedupKey));
    },

    async recordChangeEvent(input: {
      service: string;
      summary: string;
      details: Record<string, unknown>;
      links?: PageLink[];
    }): Promise<void> {
      const { pager, routingKey } = pagerFor(input.service);
      await callVendor(() =>
        pager.recordChange({
          routingKey,
          summary: input.summary,
          source: `firebreak/${input.service}`,
          customDetails: input.details,
          links: input.links ?? [],
        }),
      );
    },

    /** The PagerDuty incident a page opened; null when no REST API token is configured. */
    async findPagerDutyIncident(target: PageTarget): Promise<PagerIncident | null> {
      if (!deps.pager || !deps.config.integrations.pagerduty?.apiToken) return null;
      return incidentOf(deps.pager, target);
    },

    /** Escalates the page's PagerDuty incident to `level`; returns the incident it escalated. */
    async escalatePage(input: PagerDutyIncidentTarget & { level: number }): Promise<{ id: string }> {
      const { pager } = pagerFor(input.service);
      const id = input.pagerDutyIncidentId ?? (await incidentOf(pager, input)).id;
      await callVendor(() => pager.escalate(id, input.level));
      return { id };
    },

    /** A note on the page's PagerDuty incident, e.g. why Firebreak refused an action asked for there. */
    async notePagerDuty(input: PagerDutyIncidentTarget & { text: string }): Promise<void> {
      const { pager } = pagerFor(input.service);
      const id = input.pagerDutyIncidentId ?? (await incidentOf(pager, input)).id;
      await callVendor(() => pager.addNote(id, input.text));
    },

    /** Names of whoever is on call for the service's escalation policy; null when none is configured. */
    async lookUpOnCall({ service }: { service: string }): Promise<string[] | null> {
      const policy = serviceConfig(deps, service).pagerduty?.escalationPolicy;
      if (!deps.pager || !policy) return null;
      const pager = deps.pager;
      const onCall = await callVendor(() => pager.whoIsOnCall(policy));
      return onCall.map((o) => `${o.userName} (level ${o.escalationLevel})`);
    },
  };
}

function pageDetails(input: PageInput): Record<string, unknown> {
  const links = input.alertLinks ?? alertLinks(input.alerts);
  return {
    incident: input.incidentId,
    impact_start: input.impactStart,
    suspect_deploy: input.suspectDeploy ? describeSuspect(input.suspectDeploy) : null,
    team: input.profile?.team ?? null,
    owners: input.profile?.owners ?? [],
    runbook: links.runbook,
    dashboard: links.dashboard,
    alerts: input.alerts.slice(0, 20).map((a) => `${a.status}: ${a.summary}`),
    alert_count: input.alertCount ?? input.alerts.length,
    ...enrichmentDetails(input.enrichment, input.enrichmentPending === true),
  };
}

function enrichmentDetails(e: Enrichment | null, pending: boolean): Record<string, unknown> {
  const later = 'still being read: it will follow as a note on this incident';
  if (!e) return { enrichment: pending ? later : 'not available' };
  return {
    repo: e.repo,
    deploy_history: e.deploysFrom,
    latest_commit: e.latestCommit ? `${short(e.latestCommit.sha)} ${headline(e.latestCommit.message)}` : null,
    current_deploy: e.currentDeploy
      ? `${short(e.currentDeploy.sha)} (finished ${e.currentDeploy.finishedAt})`
      : null,
    rollback_candidate: e.rollbackCandidate
      ? `${short(e.rollbackCandidate.sha)} (finished ${e.rollbackCandidate.finishedAt})`
      : null,
    rollback_candidate_age:
      e.rollbackCandidateAgeMs === null ? null : formatDuration(e.rollbackCandidateAgeMs),
    ...(e.changesRead
      ? {
          migrations_since_candidate: e.migrations,
          commits_since_candidate: e.changes
            .slice(0, 10)
            .map((c) => `${short(c.sha)} ${headline(c.message)}`),
          ...(e.changesPossiblyIncomplete ? { changes_possibly_incomplete: true } : {}),
        }
      : { changes_since_candidate: pending ? later : 'unknown' }),
    warnings: e.warnings,
  };
}

/** The note's text: what a responder would have seen in the page, had it been ready. */
function enrichmentNote(e: Enrichment, suspect: SuspectDeploy | null): string[] {
  const lines = [`Firebreak enrichment (arrived after the page), from ${e.deploysFrom}:`];
  lines.push(
    `Suspect deploy: ${suspect ? describeSuspect(suspect) : 'none in the window before impact start'}`,
  );
  if (e.latestCommit)
    lines.push(`Latest commit: ${short(e.latestCommit.sha)} ${headline(e.latestCommit.message)}`);
  lines.push(
    `Current deploy: ${e.currentDeploy ? `${short(e.currentDeploy.sha)} (finished ${e.currentDeploy.finishedAt})` : 'unknown'}`,
  );
  const age = e.rollbackCandidateAgeMs === null ? '' : `, ${formatDuration(e.rollbackCandidateAgeMs)} old`;
  lines.push(
    `Rollback candidate: ${e.rollbackCandidate ? `${short(e.rollbackCandidate.sha)}${age}` : 'none'}`,
  );
  if (e.changesRead) {
    lines.push(`Migrations since the candidate: ${e.migrations.length ? e.migrations.join(', ') : 'none'}`);
    lines.push(`Commits since the candidate: ${e.changes.length}`);
    for (const c of e.changes.slice(0, 10)) lines.push(`  ${short(c.sha)} ${headline(c.message)}`);
  }
  for (const warning of e.warnings) lines.push(`Warning: ${warning}`);
  return lines;
}

function pageLinks(publicUrl: string, input: PageInput): PageLink[] {
  const links: PageLink[] = [
    { href: `${publicUrl}/#/incidents/${input.incidentId}`, text: 'Firebreak dashboard' },
    { href: `${publicUrl}/v1/incidents/${input.incidentId}/report`, text: 'Incident report' },
  ];
  const { runbook, dashboard } = input.alertLinks ?? alertLinks(input.alerts);
  if (runbook) links.push({ href: runbook, text: 'Runbook' });
  if (dashboard) links.push({ href: dashboard, text: 'Dashboard' });
  return links;
}
