// The deploy freeze of a service: who holds it and why. A service is frozen while any hold stands:
// a rollback in effect (until a hotfix succeeds or a responder lifts it) or, where the service opts in,
// an open paging incident. Pure data and functions (bundled into workflow code).

export type FreezeKind = 'rollback' | 'paging';

export interface FreezeHold {
  incidentId: string;
  kind: FreezeKind;
  /** ISO 8601, by the placing incident's workflow clock. */
  since: string;
  reason: string;
}

/** Lifts the holds of one incident (all its kinds unless `kind`), or every hold when `incidentId` is absent. */
export interface FreezeLift {
  incidentId?: string;
  kind?: FreezeKind;
  by: string;
  reason: string;
}

export interface FreezeEvent {
  at: string;
  what: string;
}

export interface FreezeState {
  service: string;
  frozen: boolean;
  holds: FreezeHold[];
  /** The GitHub issue CI sees, while it is open. */
  flag: { number: number; url: string } | null;
  /** What happened to this freeze, oldest first. */
  events: FreezeEvent[];
}

/** The freeze's part of the incident state: what this incident holds, for the API and the validator. */
export interface IncidentFreeze {
  kinds: FreezeKind[];
  since: string | null;
}

/** A service's rollback, hotfix and freeze settings as the incident keeps them. */
export interface DeploySafetySettings {
  staleAfterMs: number;
  verifyWithinMs: number;
  hotfixJob: string | null;
  hotfixSkips: string[];
  freezeLabel: string;
  freezeWhilePaging: boolean;
  repo: string | null;
}

export const FREEZE_WORKFLOW_PREFIX = 'firebreak-freeze-';

/** One freeze workflow per service: its id is derived from the service, so every incident meets it. */
export function freezeWorkflowId(service: string): string {
  return `${FREEZE_WORKFLOW_PREFIX}${service}`;
}

export function serviceOfFreezeWorkflow(workflowId: string): string | null {
  return workflowId.startsWith(FREEZE_WORKFLOW_PREFIX)
    ? workflowId.slice(FREEZE_WORKFLOW_PREFIX.length)
    : null;
}

/** True when the lift applies to the hold. */
export function liftCovers(lift: FreezeLift, hold: FreezeHold): boolean {
  if (lift.incidentId !== undefined && lift.incidentId !== hold.incidentId) return false;
  return lift.kind === undefined || lift.kind === hold.kind;
}

/** Adds a hold; the same incident and kind twice is one hold (a retried or replayed placement). */
export function withHold(holds: FreezeHold[], hold: FreezeHold): FreezeHold[] {
  if (holds.some((h) => h.incidentId === hold.incidentId && h.kind === hold.kind)) return holds;
  return [...holds, hold];
}
