// Responder actions: one definition, one validation, used by the workflow's Update validator and by
// the API/CLI for their error messages. Pure, so the workflow can run it deterministically.
import type { IncidentStatus } from './incident';

export type Channel = 'api' | 'cli' | 'dashboard' | 'pagerduty' | 'workflow';

export interface Actor {
  /** Who: a person's email or handle, or a system name such as 'alertmanager'. */
  by: string;
  channel: Channel;
  /** The channel's own id for the person (a PagerDuty user id), when it has one: authorization uses it. */
  userId?: string;
}

export type ResponderAction =
  | { action: 'acknowledge' }
  | { action: 'rollback'; to?: string; force?: boolean }
  | { action: 'hotfix'; sha: string }
  | { action: 'lift-freeze' }
  | { action: 'resolve'; resolution?: string }
  | { action: 'escalate' }
  | { action: 'note'; text: string };

export type ActionName = ResponderAction['action'];

export const ACTION_NAMES: readonly ActionName[] = [
  'acknowledge',
  'rollback',
  'hotfix',
  'resolve',
  'escalate',
  'lift-freeze',
  'note',
];

export interface ActionRequest {
  actor: Actor;
  request: ResponderAction;
}

export interface ActionOutcome {
  incidentId: string;
  action: ActionName;
  status: IncidentStatus;
  message: string;
  /** What the safety checks want the actor to know (a stale target, what force overrode). */
  warnings?: string[];
}

/** What the validator needs to know about the incident. */
export interface ActionContext {
  status: IncidentStatus;
  currentDeploySha: string | null;
  rollbackCandidateSha: string | null;
  /**
   * Whether someone acknowledged already. An automatic rollback can be under way before anyone has,
   * so the status alone cannot tell; without it the status decides.
   */
  acknowledged?: boolean;
  /** Whether this incident holds a deploy freeze on its service (lift-freeze needs one). */
  frozen?: boolean;
}

/**
 * Why an action is refused: `conflict` = wrong moment (409), `invalid` = bad request (422),
 * `forbidden` = this person may not act on this service (403).
 */
export type RejectionKind = 'conflict' | 'invalid' | 'forbidden';

export class ActionRejection extends Error {
  constructor(
    readonly kind: RejectionKind,
    message: string,
    /** What the refusal has to say beyond its message (a safety check's instructions). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ActionRejection';
  }
}

const SHA_PATTERN = /^[0-9a-f]{7,40}$/i;
const CLOSED: readonly IncidentStatus[] = ['resolved', 'closed'];

/** Throws ActionRejection when the action may not run now; returns the rollback target otherwise. */
export function validateAction(request: ResponderAction, context: ActionContext): void {
  // A resolved incident still holds its freeze while it waits out the flap window: it may be lifted.
  const liftingAfterResolution = request.action === 'lift-freeze' && context.status === 'resolved';
  if (CLOSED.includes(context.status) && !liftingAfterResolution) {
    throw new ActionRejection('conflict', `incident is already ${context.status}`);
  }
  switch (request.action) {
    case 'acknowledge':
      if (context.acknowledged ?? (context.status !== 'triggered' && context.status !== 'paged')) {
        const state = context.status === 'paged' ? 'acknowledged' : context.status;
        throw new ActionRejection('conflict', `incident is already ${state}`);
      }
      return;
    case 'rollback':
      validateRollback(request, context);
      return;
    case 'hotfix':
      validateHotfix(request, context);
      return;
    case 'lift-freeze':
      if (context.status === 'mitigating') {
        throw new ActionRejection('conflict', 'a rollback or hotfix is running: the freeze protects it');
      }
      if (!context.frozen) {
        throw new ActionRejection('conflict', 'this incident holds no deploy freeze');
      }
      return;
    case 'resolve':
      return;
    case 'escalate':
      if (context.status === 'triggered') {
        throw new ActionRejection('conflict', 'nothing to escalate: nobody has been paged yet');
      }
      return;
    case 'note':
      if (typeof request.text !== 'string' || request.text.trim() === '') {
        throw new ActionRejection('invalid', 'note needs a non-empty text');
      }
      return;
    default:
      throw new ActionRejection('invalid', `unknown action '${(request as { action: string }).action}'`);
  }
}

function validateRollback(
  request: Extract<ResponderAction, { action: 'rollback' }>,
  context: ActionContext,
): void {
  if (context.status === 'mitigating') {
    throw new ActionRejection('conflict', 'already mitigating: a rollback or hotfix is in progress');
  }
  if (request.to !== undefined && !SHA_PATTERN.test(request.to)) {
    throw new ActionRejection(
      'invalid',
      `'to' must be a commit SHA (7-40 hex characters), got '${request.to}'`,
    );
  }
  const target = request.to ?? context.rollbackCandidateSha;
  if (!target) {
    throw new ActionRejection(
      'invalid',
      "no rollback candidate is known for this service: name one with 'to'",
    );
  }
  if (context.currentDeploySha && sameCommit(target, context.currentDeploySha)) {
    throw new ActionRejection(
      'invalid',
      `target equals the current deploy (${context.currentDeploySha.slice(0, 12)})`,
    );
  }
}

function validateHotfix(
  request: Extract<ResponderAction, { action: 'hotfix' }>,
  context: ActionContext,
): void {
  if (typeof request.sha !== 'string' || !SHA_PATTERN.test(request.sha)) {
    throw new ActionRejection(
      'invalid',
      `'sha' must be a commit SHA (7-40 hex characters), got '${String(request.sha)}'`,
    );
  }
  if (context.status === 'mitigating') {
    throw new ActionRejection('conflict', 'already mitigating: a rollback or hotfix is in progress');
  }
  if (context.currentDeploySha && sameCommit(request.sha, context.currentDeploySha)) {
    throw new ActionRejection(
      'invalid',
      `${request.sha.slice(0, 12)} is the current deploy already: a hotfix ships a new commit`,
    );
  }
}

/** Short SHAs match their full form. */
export function sameCommit(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long.toLowerCase().startsWith(short.toLowerCase());
}

/** Checks an untrusted JSON body and returns a typed action; throws ActionRejection('invalid'). */
export function parseAction(body: unknown): ResponderAction {
  if (!body || typeof body !== 'object') throw new ActionRejection('invalid', 'body must be a JSON object');
  const raw = body as Record<string, unknown>;
  switch (raw.action) {
    case 'acknowledge':
      return { action: 'acknowledge' };
    case 'rollback':
      if (raw.to !== undefined && typeof raw.to !== 'string')
        throw new ActionRejection('invalid', "'to' must be a string");
      if (raw.force !== undefined && typeof raw.force !== 'boolean') {
        throw new ActionRejection('invalid', "'force' must be a boolean");
      }
      return { action: 'rollback', ...(raw.to ? { to: raw.to } : {}), ...(raw.force ? { force: true } : {}) };
    case 'hotfix':
      if (typeof raw.sha !== 'string') throw new ActionRejection('invalid', "hotfix needs 'sha', a string");
      return { action: 'hotfix', sha: raw.sha };
    case 'lift-freeze':
      return { action: 'lift-freeze' };
    case 'resolve':
      if (raw.resolution !== undefined && typeof raw.resolution !== 'string') {
        throw new ActionRejection('invalid', "'resolution' must be a string");
      }
      return { action: 'resolve', ...(raw.resolution ? { resolution: raw.resolution } : {}) };
    case 'escalate':
      return { action: 'escalate' };
    case 'note':
      if (typeof raw.text !== 'string') throw new ActionRejection('invalid', "'text' must be a string");
      return { action: 'note', text: raw.text };
    default:
      throw new ActionRejection(
        'invalid',
        `'action' must be one of ${ACTION_NAMES.join(', ')}; got ${JSON.stringify(raw.action)}`,
      );
  }
}
