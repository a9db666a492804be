// The incident as the workflow keeps it and every reader sees it: status, alerts, timeline, timings.
// Pure data and pure functions only (this module is bundled into workflow code).
import type { Actor } from './actions';
import type { Alert } from './alert';
import type { Enrichment } from './enrichment';
import type { IncidentFreeze } from './freeze';
import { DEFAULT_POLICY, type IncidentPolicy } from './policy';
import type { OmittedEntries } from './timeline-budget';

export type IncidentStatus =
  | 'triggered'
  | 'paged'
  | 'acknowledged'
  | 'mitigating'
  | 'mitigated'
  | 'mitigation-failed'
  | 'resolved'
  | 'closed';

/** Where a timestamp came from, so a reader can judge it. */
export type TimeSource = 'workflow' | 'alert' | 'intake' | 'vendor';

export interface TimelineEntry {
  /** ISO 8601. */
  at: string;
  timeSource: TimeSource;
  kind: string;
  message: string;
  actor: Actor;
  data?: Record<string, unknown>;
}

export interface AlertOccurrence {
  key: string;
  alert: Alert;
  firstSeenAt: string;
  /** When its state last changed (firing → resolved); repeats of the same state change nothing. */
  changedAt: string;
}

/** An alert that fired again within the flap window after monitoring had recovered. */
export interface Flap {
  at: string;
  occurrence: string;
  summary: string;
}

export interface RollbackRecord {
  /** A rollback (absent, for records from before hotfixes) or the hotfix fast path. */
  kind?: 'rollback' | 'hotfix';
  requestId: string;
  targetSha: string;
  requestedBy: Actor;
  requestedAt: string;
  forced: boolean;
  /** Started by the engine's auto-rollback policy, not by a person. */
  automatic?: boolean;
  queueId?: number;
  buildNumber?: number;
  buildUrl?: string;
  result?: string;
  finishedAt?: string;
  consoleTail?: string;
  /** Hotfix: the checks its job skips, to be run afterwards. */
  skippedChecks?: string[];
  /** What the safety checks warned about when it was accepted. */
  warnings?: string[];
}

export interface IncidentTimes {
  impactStart: string | null;
  detected: string | null;
  paged: string | null;
  acknowledged: string | null;
  mitigated: string | null;
  resolved: string | null;
  closed: string | null;
}

/** The service's configuration as it was when the incident started, kept with the incident. */
export interface ServiceProfile {
  owners: string[];
  team: string | null;
  /** How long the page may wait for enrichment. */
  enrichmentBudgetMs: number;
  /** How far before impact start a deploy is the suspect. */
  suspectWindowMs: number;
}

/** The PagerDuty side of the incident: learnt after paging, needed for REST calls and webhooks. */
export interface PagerDutyLink {
  incidentId: string | null;
  incidentNumber: number | null;
  url: string | null;
  /** The escalation level Firebreak last paged or escalated to (1 = the first responders). */
  escalationLevel: number;
}

/** The incident's ticket (Jira or GitHub Issues), once opened. */
export interface TicketLink {
  tracker: string;
  key: string;
  url: string;
}

export interface IncidentState {
  id: string;
  workflowId: string;
  service: string;
  severity: string;
  title: string;
  status: IncidentStatus;
  alerts: AlertOccurrence[];
  /** Null until read at the start (and for incidents started before profiles existed). */
  profile: ServiceProfile | null;
  enrichment: Enrichment | null;
  /** The service's policy as it was when the incident started. */
  policy: IncidentPolicy;
  pagerDuty: PagerDutyLink;
  times: IncidentTimes;
  rollbacks: RollbackRecord[];
  resolution: string | null;
  resolvedBy: Actor | null;
  followUps: string[];
  flaps: Flap[];
  /** The deploy freeze this incident holds on its service (absent: never frozen). */
  freeze?: IncidentFreeze;
  /** Absent on incidents started before tickets existed. */
  ticket?: TicketLink | null;
  timeline: TimelineEntry[];
  /** Repetitive entries counted instead of kept (domain/timeline-budget.ts); absent until there are some. */
  timelineOmitted?: Record<string, OmittedEntries>;
}

/** An incident's times before anything happened (a fresh object: the workflow fills it in). */
export function noTimesYet(): IncidentTimes {
  return {
    impactStart: null,
    detected: null,
    paged: null,
    acknowledged: null,
    mitigated: null,
    resolved: null,
    closed: null,
  };
}

/** An incident as its workflow starts it: nothing known yet but who it is and for which service. */
export function newIncidentState(who: { id: string; workflowId: string; service: string }): IncidentState {
  return {
    ...who,
    severity: 'info',
    title: '',
    status: 'triggered',
    alerts: [],
    profile: null,
    enrichment: null,
    policy: { ...DEFAULT_POLICY },
    pagerDuty: { incidentId: null, incidentNumber: null, url: null, escalationLevel: 1 },
    times: noTimesYet(),
    rollbacks: [],
    resolution: null,
    resolvedBy: null,
    followUps: [],
    flaps: [],
    ticket: null,
    timeline: [],
  };
}

/** Short view for lists. */
export interface IncidentSummary {
  id: string;
  service: string;
  severity: string;
  title: string;
  status: IncidentStatus;
  detected: string | null;
  resolved: string | null;
}

const SEVERITY_RANK: Record<string, number> = { critical: 4, error: 3, warning: 2, info: 1 };

/** True when `b` is more severe than `a`. */
export function isMoreSevere(b: string, a: string): boolean {
  return (SEVERITY_RANK[b] ?? 0) > (SEVERITY_RANK[a] ?? 0);
}

/** The more severe of two severities; unknown severities rank lowest. */
export function higherSeverity(a: string, b: string): string {
  return (SEVERITY_RANK[b] ?? 0) > (SEVERITY_RANK[a] ?? 0) ? b : a;
}

export function summarize(state: IncidentState): IncidentSummary {
  return {
    id: state.id,
    service: state.service,
    severity: state.severity,
    title: state.title,
    status: state.status,
    detected: state.times.detected,
    resolved: state.times.resolved,
  };
}

/** True when every alert occurrence the incident has seen is resolved. */
export function allAlertsResolved(alerts: AlertOccurrence[]): boolean {
  return alerts.length > 0 && alerts.every((o) => o.alert.status === 'resolved');
}
