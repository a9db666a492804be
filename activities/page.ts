// Paging through the service's Pager (PagerDuty): trigger with the enrichment attached, acknowledge
// and resolve as the incident moves, change events for rollbacks, and who is on call; then, through
// the REST API, the PagerDuty incident behind a page, escalation one level up, and notes.
import { ApplicationFailure } from '@temporalio/common';
import type { Alert } from '../domain/alert';
import type { Enrichment } from '../domain/enrichment';
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
  alerts: Alert[];
  enrichment: Enrichment | null;
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
    async pageResponder(input: PageInput): Promise<{ dedupKey: string }> {
      const { pager, routingKey } = pagerFor(input.service);
      return callVendor(() =>
        pager.trigger({
          routingKey,
          dedupKey: input.dedupKey,
          summary: `[${input.severity}] ${input.service}: ${input.title}`,
          source: `firebreak/${input.service}`,
          severity: pagerSeverity(input.severity),
          ...(input.impactStart ? { timestamp: input.impactStart } : {}),
          component: input.service,
          customDetails: pageDetails(input),
          links: pageLinks(deps.publicUrl, input),
        }),
      );
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
  const e = input.enrichment;
  return {
    incident: input.incidentId,
    impact_start: input.impactStart,
    alerts: input.alerts.slice(0, 20).map((a) => `${a.status}: ${a.summary}`),
    alert_count: input.alerts.length,
    ...(e
      ? {
          repo: e.repo,
          latest_commit: e.latestCommit
            ? `${e.latestCommit.sha.slice(0, 12)} ${e.latestCommit.message.split('\n')[0]}`
            : null,
          current_deploy: e.currentDeploy
            ? `${e.currentDeploy.sha.slice(0, 12)} (finished ${e.currentDeploy.finishedAt})`
            : null,
          rollback_candidate: e.rollbackCandidate
            ? `${e.rollbackCandidate.sha.slice(0, 12)} (finished ${e.rollbackCandidate.finishedAt})`
            : null,
          migrations_since_candidate: e.migrations,
          commits_since_candidate: e.changes
            .slice(0, 10)
            .map((c) => `${c.sha.slice(0, 12)} ${c.message.split('\n')[0]}`),
          warnings: e.warnings,
        }
      : { enrichment: 'not available' }),
  };
}

function pageLinks(publicUrl: string, input: PageInput): PageLink[] {
  const links: PageLink[] = [
    { href: `${publicUrl}/#/incidents/${input.incidentId}`, text: 'Firebreak dashboard' },
    { href: `${publicUrl}/v1/incidents/${input.incidentId}/report`, text: 'Incident report' },
  ];
  const first = input.alerts.find((a) => a.links.runbook || a.links.dashboard);
  if (first?.links.runbook) links.push({ href: first.links.runbook, text: 'Runbook' });
  if (first?.links.dashboard) links.push({ href: first.links.dashboard, text: 'Monitoring dashboard' });
  return links;
}
