// The service's response policy, read from the configuration when an incident starts, and the one
// authorization question that needs PagerDuty: is this person on call (or listed by an email that
// only PagerDuty can tell us)?
import type { Actor } from '../domain/actions';
import {
  DEFAULT_POLICY,
  isListedResponder,
  parseDuration,
  type IncidentPolicy,
  type ResponderPolicy,
} from '../domain/policy';
import type { Pager } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor } from './failures';

export interface ResponderCheck {
  service: string;
  actor: Actor;
  responders: ResponderPolicy;
}

export interface ResponderVerdict {
  allowed: boolean;
  /** Why, in words a responder reads in a 403 or a PagerDuty note. */
  reason: string;
}

export function createPolicyActivities(deps: ActivityDeps) {
  return {
    async readIncidentPolicy({ service }: { service: string }): Promise<IncidentPolicy> {
      const policy = serviceConfig(deps, service).policy;
      return {
        ackTimeoutMs: policy.ackTimeout
          ? (parseDuration(policy.ackTimeout) ?? 0)
          : DEFAULT_POLICY.ackTimeoutMs,
        maxEscalations: policy.escalations ?? DEFAULT_POLICY.maxEscalations,
        autoRollbackAfterMs: policy.autoRollbackAfter ? parseDuration(policy.autoRollbackAfter) : null,
        responders: policy.responders
          ? { users: policy.responders.users, onCall: policy.responders.onCall }
          : null,
        pageSeverities: policy.pageSeverities,
        flapWindowMs: deps.config.intake.flapWindowSeconds * 1000,
      };
    },

    /** Called only for actors the policy does not list by name or id (the workflow checks that itself). */
    async checkResponder({ service, actor, responders }: ResponderCheck): Promise<ResponderVerdict> {
      const pager = deps.pager;
      if (pager && actor.userId && responders.users.some((user) => user.includes('@'))) {
        const email = await callVendor(() => pager.userEmail(actor.userId as string));
        if (email && isListedResponder(responders, { ...actor, by: email })) {
          return { allowed: true, reason: `${email} is listed as a responder` };
        }
      }
      if (!responders.onCall) {
        return { allowed: false, reason: `${actor.by} is not listed among ${service}'s responders` };
      }
      return onCallVerdict(deps, pager, service, actor);
    },
  };
}

async function onCallVerdict(
  deps: ActivityDeps,
  pager: Pager | null,
  service: string,
  actor: Actor,
): Promise<ResponderVerdict> {
  const policyId = serviceConfig(deps, service).pagerduty?.escalationPolicy;
  if (!pager || !policyId) {
    return {
      allowed: false,
      reason: `${actor.by} is not listed among ${service}'s responders, and no escalation policy is configured to tell who is on call`,
    };
  }
  const onCall = await callVendor(() => pager.whoIsOnCall(policyId));
  const by = actor.by.toLowerCase();
  const match = onCall.find(
    (o) => (actor.userId && o.userId === actor.userId) || o.userEmail?.toLowerCase() === by,
  );
  if (match)
    return { allowed: true, reason: `${match.userName} is on call (level ${match.escalationLevel})` };
  return {
    allowed: false,
    reason: `${actor.by} is neither on call for ${service} nor listed among its responders`,
  };
}
