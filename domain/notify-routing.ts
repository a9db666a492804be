// Who hears about what: each audience of a service (its default stakeholders, support, leadership, ...)
// names the milestones and severities it wants and the channels it has. Pure, so the workflow routes a
// milestone deterministically from the routing it read when the incident started. Milestones are plain
// names: a new one (e.g. `freeze-on`) is routed by configuration alone.

/** What stakeholders hear about unless an audience says otherwise. */
export const DEFAULT_MILESTONES = [
  'opened',
  'acknowledged',
  'escalated',
  'action-chosen',
  'rollback-succeeded',
  'rollback-failed',
  // A successful rollback after which monitoring did not recover: everyone must hear it.
  'rollback-unverified',
  'hotfix-succeeded',
  'hotfix-failed',
  'freeze-on',
  'freeze-off',
  'resolved',
] as const;

/** In an audience's milestone list: every milestone, including ones added later. */
export const ALL_MILESTONES = '*';

/** The audience made of a service's top-level `notify.slackWebhook` and `notify.emails`. */
export const DEFAULT_AUDIENCE = 'stakeholders';

export type NotifyChannel = 'slack' | 'email';

/** An audience as the workflow sees it: no webhook URLs or addresses (those stay in the worker's config). */
export interface AudienceRoute {
  audience: string;
  channels: NotifyChannel[];
  /** Null: every severity. */
  severities: string[] | null;
  milestones: string[];
}

export interface StakeholderRouting {
  audiences: AudienceRoute[];
}

export interface Delivery {
  audience: string;
  channel: NotifyChannel;
}

/** Every (audience, channel) that hears about this milestone at this severity. */
export function routeMilestone(routing: StakeholderRouting, milestone: string, severity: string): Delivery[] {
  return routing.audiences
    .filter((a) => a.milestones.includes(ALL_MILESTONES) || a.milestones.includes(milestone))
    .filter((a) => a.severities === null || a.severities.includes(severity))
    .flatMap((a) => a.channels.map((channel) => ({ audience: a.audience, channel })));
}
