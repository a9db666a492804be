// Builds the activities' dependencies from the configuration: one real client per role, each
// pointed at its vendor's base URL (production, an enterprise install, or a sandbox stand-in).
import type { ActivityDeps } from '../activities';
import type { FirebreakConfig } from '../config/schema';
import { EmailNotifier } from '../integrations/email';
import { GitHubClient } from '../integrations/github';
import { GitHubDeployGate } from '../integrations/github-deploy-gate';
import { GitHubIssuesTracker } from '../integrations/github-tickets';
import { JenkinsClient } from '../integrations/jenkins';
import { JiraClient } from '../integrations/jira';
import { PagerDutyClient } from '../integrations/pagerduty';
import { reportsDir } from '../config/reports-schema';
import { FileReportArchive } from '../integrations/report-archive';
import { SlackNotifier } from '../integrations/slack';

export interface WiringExtras {
  /** Trust this CA for PagerDuty (the sandbox's self-signed certificate). */
  pagerDutyCaCert?: string;
  jenkinsPollMs?: number;
}

/** Vendor calls time out well before the activities' 30 s start-to-close timeout. */
const VENDOR_TIMEOUT_MS = 10_000;

export function buildActivityDeps(config: FirebreakConfig, extras: WiringExtras = {}): ActivityDeps {
  const { pagerduty, github, jenkins, email, jira, jiraDataCenter } = config.integrations;
  const githubClient = github
    ? new GitHubClient({ baseUrl: github.baseUrl, token: github.token, timeoutMs: VENDOR_TIMEOUT_MS })
    : null;
  return {
    config,
    publicUrl: publicUrl(config),
    pager: pagerduty
      ? new PagerDutyClient({
          eventsUrl: pagerduty.eventsUrl,
          apiUrl: pagerduty.apiUrl,
          ...(pagerduty.apiToken ? { apiToken: pagerduty.apiToken } : {}),
          ...(pagerduty.fromEmail ? { fromEmail: pagerduty.fromEmail } : {}),
          timeoutMs: VENDOR_TIMEOUT_MS,
          eventsPerMinute: pagerduty.eventsPerMinute,
          ...(extras.pagerDutyCaCert ? { caCert: extras.pagerDutyCaCert } : {}),
        })
      : null,
    sourceHistory: githubClient,
    deployGate: githubClient ? new GitHubDeployGate(githubClient) : null,
    deployTool: jenkins
      ? new JenkinsClient({
          baseUrl: jenkins.baseUrl,
          user: jenkins.user,
          apiToken: jenkins.apiToken,
          timeoutMs: VENDOR_TIMEOUT_MS,
        })
      : null,
    slack: new SlackNotifier({ timeoutMs: VENDOR_TIMEOUT_MS }),
    email: email
      ? new EmailNotifier({
          host: email.host,
          port: email.port,
          secure: email.secure,
          ...(email.user ? { user: email.user } : {}),
          ...(email.password ? { pass: email.password } : {}),
          from: email.from,
          // Well under the notification activity's 20 s start-to-close timeout.
          socketTimeoutMs: VENDOR_TIMEOUT_MS,
        })
      : null,
    trackers: {
      ...(jira
        ? {
            jira: new JiraClient({
              baseUrl: jira.baseUrl,
              auth: { flavor: 'cloud', email: jira.email, apiToken: jira.apiToken },
              timeoutMs: VENDOR_TIMEOUT_MS,
            }),
          }
        : {}),
      ...(jiraDataCenter
        ? {
            'jira-datacenter': new JiraClient({
              baseUrl: jiraDataCenter.baseUrl,
              auth: { flavor: 'datacenter', personalAccessToken: jiraDataCenter.personalAccessToken },
              timeoutMs: VENDOR_TIMEOUT_MS,
            }),
          }
        : {}),
      ...(githubClient ? { github: new GitHubIssuesTracker(githubClient) } : {}),
    },
    archive: new FileReportArchive(reportsDir(config)),
    jenkinsPollMs: extras.jenkinsPollMs ?? 2000,
  };
}

export function publicUrl(config: FirebreakConfig): string {
  return (config.api.publicUrl ?? `http://${config.api.host}:${config.api.port}`).replace(/\/$/, '');
}
