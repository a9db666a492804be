// Stakeholder notifications (Slack, email): optional steps. Each channel is its own activity so a
// retry of one never re-sends the other. `false` means the service has no such channel configured.
import type { StakeholderMessage } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor } from './failures';

export interface NotifyInput {
  service: string;
  message: StakeholderMessage;
}

export function createNotifyActivities(deps: ActivityDeps) {
  const withLinks = (message: StakeholderMessage): StakeholderMessage => ({
    ...message,
    links: [
      ...message.links,
      { href: `${deps.publicUrl}/v1/incidents/${message.incidentId}`, text: 'Incident' },
      { href: `${deps.publicUrl}/v1/incidents/${message.incidentId}/report`, text: 'Report' },
    ],
  });

  return {
    async notifySlack({ service, message }: NotifyInput): Promise<boolean> {
      const webhookUrl = serviceConfig(deps, service).notify.slackWebhook;
      if (!webhookUrl) return false;
      await callVendor(() => deps.slack.send({ kind: 'slack', webhookUrl }, withLinks(message)));
      return true;
    },

    async notifyEmail({ service, message }: NotifyInput): Promise<boolean> {
      const to = serviceConfig(deps, service).notify.emails;
      const email = deps.email;
      if (!email || to.length === 0) return false;
      await callVendor(() => email.send({ kind: 'email', to }, withLinks(message)));
      return true;
    },
  };
}
