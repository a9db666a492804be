// A service's response policy as an incident keeps it: read from the configuration once, when the
// incident starts, and never re-read (a config change mid-incident must not change its rules, and
// workflow code may not read files). Pure, so the workflow can use it deterministically.
import type { Actor } from './actions';

export interface ResponderPolicy {
  /** PagerDuty user ids and email addresses (or handles) of people who may always act. */
  users: string[];
  /** Whoever is on call for the service's escalation policy may act too. */
  onCall: boolean;
}

export interface IncidentPolicy {
  /** No acknowledgement within this long: escalate one level. */
  ackTimeoutMs: number;
  /** How many times the engine escalates by itself, one level every ackTimeout. */
  maxEscalations: number;
  /** With a suspect deploy and no responder action within this long, roll back; null = never. */
  autoRollbackAfterMs: number | null;
  /** Who may act; null = anyone who reaches a channel (an API token, the PagerDuty incident). */
  responders: ResponderPolicy | null;
  /** Severities that page; lower ones are recorded and notified, not paged. */
  pageSeverities: string[];
  /** After monitoring recovers, a re-fire within this window reopens the incident instead of a new one. */
  flapWindowMs: number;
}

export const DEFAULT_ACK_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_ESCALATIONS = 2;

export const DEFAULT_POLICY: IncidentPolicy = {
  ackTimeoutMs: DEFAULT_ACK_TIMEOUT_MS,
  maxEscalations: DEFAULT_MAX_ESCALATIONS,
  autoRollbackAfterMs: null,
  responders: null,
  pageSeverities: ['critical', 'error'],
  flapWindowMs: 5 * 60_000,
};

/** Whether an incident of this severity pages, under the policy. */
export function pages(policy: IncidentPolicy, severity: string): boolean {
  return policy.pageSeverities.includes(severity);
}

/** '90s', '10m', '1h30m', '2h': the only duration format the configuration accepts. */
export const DURATION_PATTERN = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNIT_MS = [60 * 60_000, 60_000, 1000];

/** Milliseconds of a duration such as '10m' or '1h30m'; null when it is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match || text.trim() === '') return null;
  return match.slice(1).reduce((ms, part, i) => ms + Number(part ?? 0) * (UNIT_MS[i] as number), 0);
}

/** True when the policy lists the actor by name, email or PagerDuty user id (case-insensitive). */
export function isListedResponder(policy: ResponderPolicy, actor: Actor): boolean {
  const names = [actor.by, actor.userId].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  return policy.users.some((user) => names.includes(user.toLowerCase()));
}
