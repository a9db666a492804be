// Stakeholder notifications (Slack, email): optional steps. Each (audience, channel) is its own
// activity so a retry of one never re-sends another. The webhook URL and the addresses are looked up
// here, from the worker's config, by audience name; `false` means that audience or channel is gone.
import { DEFAULT_AUDIENCE } from '../domain/notify-routing';
import type { StakeholderMessage } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor } from './failures';

export interface NotifyInput {
  service: string;
  message: StakeholderMessage;
  /** The audience's name (default: the service's top-level `notify` settings). */
  audience?: string;
}

export function createNotifyActivities(deps: ActivityDeps) {
  const withLinks = (message: StakeholderMessage): StakeholderMessage => ({
    ...message,
    links: [
      ...message.links,
      { href: `${deps.publicUrl}/#/incidents/${message.incidentId}`, text: 'Dashboard' },
      { href: `${deps.publicUrl}/v1/incidents/${message.incidentId}/report`, text: 'Report' },
    ],
  });
  const audienceOf = (service: string, name = DEFAULT_AUDIENCE) => {
    const notify = serviceConfig(deps, service).notify;
    return name === DEFAULT_AUDIENCE ? notify : notify.audiences.find((a) => a.name === name);
  };

  return {
    async notifySlack({ service, message, audience }: NotifyInput): Promise<boolean> {
      const webhookUrl = audienceOf(service, audience)?.slackWebhook;
      if (!webhookUrl) return false;
      await callVendor(() => deps.slack.send({ kind: 'slack', webhookUrl }, withLinks(message)));
      return true;
    },

    async notifyEmail({ service, message, audience }: NotifyInput): Promise<boolean> {
      const to = audienceOf(service, audience)?.emails ?? [];
      const email = deps.email;
      if (!email || to.length === 0) return false;
      await callVendor(() => email.send({ kind: 'email', to }, withLinks(message)));
      return true;
    },
  };
}
