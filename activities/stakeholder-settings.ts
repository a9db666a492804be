// Who hears about the incident and where its ticket goes, read from the configuration once when the
// incident starts (a local activity: the worker's config, no network). The workflow gets names and
// channels only; webhook URLs and addresses stay in the worker and are looked up at send time.
import type { ServiceConfig } from '../config/schema';
import {
  DEFAULT_AUDIENCE,
  type AudienceRoute,
  type NotifyChannel,
  type StakeholderRouting,
} from '../domain/notify-routing';
import { serviceConfig, type ActivityDeps } from './deps';

export interface TicketSettings {
  tracker: 'jira' | 'jira-datacenter' | 'github';
  openOn: 'opened' | 'first-action';
}

export interface StakeholderSettings {
  routing: StakeholderRouting;
  /** Null when the service keeps no tickets (or its tracker's integration is not configured). */
  tickets: TicketSettings | null;
}

export function createStakeholderSettingsActivities(deps: ActivityDeps) {
  return {
    async readStakeholderSettings({ service }: { service: string }): Promise<StakeholderSettings> {
      const config = serviceConfig(deps, service);
      const tickets = config.tickets;
      return {
        routing: { audiences: audiences(config, deps.email !== null) },
        tickets:
          tickets && deps.trackers[tickets.tracker]
            ? { tracker: tickets.tracker, openOn: tickets.openOn }
            : null,
      };
    },
  };
}

function audiences(config: ServiceConfig, emailConfigured: boolean): AudienceRoute[] {
  const notify = config.notify;
  const named = [{ ...notify, name: DEFAULT_AUDIENCE }, ...notify.audiences];
  return named
    .map((a) => ({
      audience: a.name,
      channels: channels(a.slackWebhook, emailConfigured ? a.emails : []),
      severities: a.severities ?? null,
      milestones: a.milestones,
    }))
    .filter((a) => a.channels.length > 0);
}

function channels(slackWebhook: string | undefined, emails: string[]): NotifyChannel[] {
  return [...(slackWebhook ? (['slack'] as const) : []), ...(emails.length > 0 ? (['email'] as const) : [])];
}
