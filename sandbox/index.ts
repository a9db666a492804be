// Sandbox mode: every outside service Firebreak talks to, as a local stand-in on loopback, and the
// configuration that points Firebreak's real clients at them. Used by `firebreak start` without a
// config file, by `npm run demo`, and by the tests. Nothing here reaches a real PagerDuty.
import { fieldMappingSchema, type IntakeConfig } from '../config/intake-schema';
import { DEFAULT_PRIORITY, type FirebreakConfig } from '../config/schema';
import { DEFAULT_NOTE_COMMANDS, PAGERDUTY_WEBHOOK_EVENTS } from '../domain/pagerduty-events';
import type { WiringExtras } from '../worker/wiring';
import { DEFAULT_MILESTONES } from '../domain/notify-routing';
import { GitHubStandIn } from './github';
import { JenkinsStandIn } from './jenkins';
import { JiraStandIn } from './jira';
import { PagerDutyStandIn } from './pagerduty';
import type { WebhookSubscription } from './pagerduty-webhooks';
import { SlackStandIn } from './slack';
import { SmtpStandIn } from './smtp';

export const SANDBOX_API_TOKEN = 'sandbox-api-token';
export const SANDBOX_ALERT_TOKEN = 'sandbox-alert-token';
/** Signs the stand-in PagerDuty's webhooks to Firebreak. */
export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';
/** The sandbox's PagerDuty incident workflows, as a responder would run them from an incident. */
export const SANDBOX_INCIDENT_WORKFLOWS = {
  rollback: { id: 'PWFROLL', name: 'Roll back' },
  escalate: { id: 'PWFESCL', name: 'Escalate' },
};
const PAGERDUTY_TOKEN = 'sandbox-pagerduty-token';
const GITHUB_TOKEN = 'sandbox-github-token';
const JENKINS_USER = 'firebreak';
const JENKINS_TOKEN = 'sandbox-jenkins-token';
const SMTP_USER = 'firebreak';
const SMTP_PASSWORD = 'sandbox-smtp-password';
const JIRA_EMAIL = 'firebreak@sandbox.test';
const JIRA_TOKEN = 'sandbox-jira-token';
/** The sandbox's Jira Cloud project for incident tickets. */
export const SANDBOX_JIRA_PROJECT = 'OPS';

export const SANDBOX_SERVICE = 'checkout';
/** What the sandbox's hotfix job skips to be fast (recorded as follow-ups). */
export const SANDBOX_HOTFIX_SKIPS = ['tests', 'canary'];
const ROLLBACK_PARAMETERS = [
  { name: 'TARGET_SHA', default: '' },
  { name: 'REQUEST_ID', default: '' },
  { name: 'INCIDENT_ID', default: '' },
];
export const SANDBOX_ROUTING_KEY = 'sandboxroutingkey000000000000000';

export interface SandboxOptions {
  dataDir: string;
  apiHost?: string;
  /** 0 picks a free port (tests). */
  apiPort: number;
  /** How long the sandbox's Jenkins rollback build runs. */
  rollbackBuildMs?: number;
  /** Jenkins quiet period before a queued build starts. */
  quietPeriodMs?: number;
  /** The sandbox service's name (tests use unique names so their incidents never meet). */
  service?: string;
  /** How long a recovered incident waits for its alerts to flap before it closes (default 300). */
  flapWindowSeconds?: number;
  /** More services configured like the first, each with its own repo, job and routing key (storms). */
  extraServices?: string[];
}

export interface Sandbox {
  config: FirebreakConfig;
  extras: WiringExtras;
  pagerduty: PagerDutyStandIn;
  github: GitHubStandIn;
  jenkins: JenkinsStandIn;
  slack: SlackStandIn;
  smtp: SmtpStandIn;
  jira: JiraStandIn;
  service: string;
  rollbackJob: string;
  hotfixJob: string;
  /** The history seeded for the sandbox service. */
  history: { currentSha: string; candidateSha: string };
  /** Subscribes the stand-in PagerDuty to Firebreak's webhook route, as an operator would. */
  subscribeWebhooks(apiUrl: string): WebhookSubscription;
  banner(apiUrl: string, temporalUiUrl: string | null): string;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const pagerduty = new PagerDutyStandIn({ apiToken: PAGERDUTY_TOKEN });
  const github = new GitHubStandIn({ token: GITHUB_TOKEN });
  const jenkins = new JenkinsStandIn({
    user: JENKINS_USER,
    apiToken: JENKINS_TOKEN,
    quietPeriodMs: options.quietPeriodMs ?? 1000,
  });
  const slack = new SlackStandIn();
  const smtp = new SmtpStandIn({ user: SMTP_USER, password: SMTP_PASSWORD });
  const jira = new JiraStandIn({
    flavor: 'cloud',
    email: JIRA_EMAIL,
    apiToken: JIRA_TOKEN,
    projects: [{ key: SANDBOX_JIRA_PROJECT, issueTypes: ['Task', 'Bug', 'Incident'] }],
  });
  await Promise.all([
    pagerduty.listen(),
    github.listen(),
    jenkins.listen(),
    slack.listen(),
    smtp.listen(),
    jira.listen(),
  ]);

  const service = options.service ?? SANDBOX_SERVICE;
  const rollbackJob = `${service}/rollback`;
  const hotfixJob = `${service}/hotfix`;
  const history = seedHistory(github, service);
  for (const job of [rollbackJob, hotfixJob]) {
    jenkins.defineJob(job, {
      parameters: ROLLBACK_PARAMETERS,
      durationMs: options.rollbackBuildMs ?? 3000,
      result: 'SUCCESS',
    });
  }
  const config = sandboxConfig(options, service, { pagerduty, github, jenkins, slack, smtp, jira });
  for (const extra of options.extraServices ?? []) addService(config, extra, { github, jenkins });
  const sandbox: Sandbox = {
    config,
    extras: { pagerDutyCaCert: pagerduty.caCert },
    pagerduty,
    github,
    jenkins,
    slack,
    smtp,
    jira,
    service,
    rollbackJob,
    hotfixJob,
    history,
    subscribeWebhooks: (apiUrl) =>
      pagerduty.subscribe(
        `${apiUrl}/v1/pagerduty/webhook`,
        [SANDBOX_WEBHOOK_SECRET],
        PAGERDUTY_WEBHOOK_EVENTS,
      ),
    banner: (apiUrl, uiUrl) => banner(sandbox, apiUrl, uiUrl),
    close: async () => {
      await Promise.all([
        pagerduty.close(),
        github.close(),
        jenkins.close(),
        slack.close(),
        smtp.close(),
        jira.close(),
      ]);
    },
  };
  return sandbox;
}

/** A realistic deploy history: a healthy deploy three hours ago, then the current one 20 minutes ago. */
function seedHistory(github: GitHubStandIn, service: string): { currentSha: string; candidateSha: string } {
  const seeded = github.seedServiceHistory({
    repo: `acme/${service}`,
    candidateDeployedAgoMs: 3 * 60 * 60_000,
    currentDeployedAgoMs: 20 * 60_000,
    failedDeploy: true,
  });
  return { currentSha: seeded.current.sha, candidateSha: seeded.candidate.sha };
}

interface StandIns {
  pagerduty: PagerDutyStandIn;
  github: GitHubStandIn;
  jenkins: JenkinsStandIn;
  slack: SlackStandIn;
  smtp: SmtpStandIn;
  jira: JiraStandIn;
}

function sandboxConfig(options: SandboxOptions, service: string, s: StandIns): FirebreakConfig {
  return {
    api: { host: options.apiHost ?? '127.0.0.1', port: options.apiPort, tokens: [SANDBOX_API_TOKEN] },
    intake: sandboxIntake(options.flapWindowSeconds ?? 300),
    temporal: { namespace: 'default', taskQueue: 'firebreak' },
    priority: DEFAULT_PRIORITY,
    dataDir: options.dataDir,
    integrations: {
      pagerduty: {
        eventsUrl: s.pagerduty.url,
        apiUrl: s.pagerduty.url,
        apiToken: PAGERDUTY_TOKEN,
        fromEmail: 'firebreak@sandbox.test',
        eventsPerMinute: 120,
        webhookSecrets: [SANDBOX_WEBHOOK_SECRET],
        incidentWorkflows: {
          [SANDBOX_INCIDENT_WORKFLOWS.rollback.name]: 'rollback',
          [SANDBOX_INCIDENT_WORKFLOWS.escalate.id]: 'escalate',
        },
        noteCommands: DEFAULT_NOTE_COMMANDS,
      },
      github: { baseUrl: s.github.url, token: GITHUB_TOKEN },
      jenkins: { baseUrl: s.jenkins.url, user: JENKINS_USER, apiToken: JENKINS_TOKEN },
      email: {
        host: '127.0.0.1',
        port: s.smtp.port,
        secure: false,
        user: SMTP_USER,
        password: SMTP_PASSWORD,
        from: 'Firebreak <firebreak@sandbox.test>',
      },
      jira: { baseUrl: s.jira.url, email: JIRA_EMAIL, apiToken: JIRA_TOKEN },
    },
    services: {
      [service]: {
        owners: ['ada@sandbox.test'],
        team: 'payments',
        pagerduty: { routingKey: SANDBOX_ROUTING_KEY, escalationPolicy: 'PSANDBOX' },
        github: { repo: `acme/${service}`, branch: 'main', environment: 'production' },
        jenkins: { rollbackJob: `${service}/rollback`, shaParameter: 'TARGET_SHA' },
        rollback: { staleAfter: '1h', verifyWithin: '10m' },
        hotfix: { job: `${service}/hotfix`, skips: SANDBOX_HOTFIX_SKIPS },
        freeze: { label: 'deploy-freeze', whilePaging: false },
        notify: {
          slackWebhook: `${s.slack.url}/services/T000SANDBOX/B000SANDBOX/sandboxwebhook`,
          emails: ['stakeholders@sandbox.test'],
          milestones: [...DEFAULT_MILESTONES],
          audiences: [],
        },
        tickets: {
          tracker: 'jira',
          project: SANDBOX_JIRA_PROJECT,
          issueType: 'Incident',
          priorities: { critical: 'Highest', error: 'High', warning: 'Medium', info: 'Low' },
          doneTransitions: ['Done'],
          openOn: 'opened',
        },
        deployHistory: { source: 'github' },
        policy: {
          migrationPaths: ['db/migrate/', 'migrations/'],
          enrichmentBudgetMs: 2000,
          suspectWindowMinutes: 120,
          pageSeverities: ['critical', 'error'],
        },
      },
    },
  };
}

/** Another service shaped like the sandbox's first one, with its own history, job and routing key. */
function addService(config: FirebreakConfig, name: string, s: Pick<StandIns, 'github' | 'jenkins'>): void {
  const template = Object.values(config.services)[0];
  if (!template) throw new Error('the sandbox has no service to copy');
  seedHistory(s.github, name);
  for (const job of [`${name}/rollback`, `${name}/hotfix`]) {
    s.jenkins.defineJob(job, { parameters: ROLLBACK_PARAMETERS, durationMs: 3000, result: 'SUCCESS' });
  }
  config.services[name] = {
    ...template,
    pagerduty: { routingKey: `rk-${name}`.padEnd(32, '0').slice(0, 32), escalationPolicy: 'PSANDBOX' },
    github: { repo: `acme/${name}`, branch: 'main', environment: 'production' },
    jenkins: { rollbackJob: `${name}/rollback`, shaParameter: 'TARGET_SHA' },
    hotfix: { job: `${name}/hotfix`, skips: SANDBOX_HOTFIX_SKIPS },
  };
}

/** Every source enabled, each with the credential its sender can use. */
function sandboxIntake(flapWindowSeconds: number): IntakeConfig {
  const bearer = { bearerTokens: [SANDBOX_ALERT_TOKEN], basic: [] };
  return {
    alertmanager: bearer,
    grafana: {
      bearerTokens: [SANDBOX_ALERT_TOKEN],
      basic: [{ user: 'grafana', password: SANDBOX_ALERT_TOKEN }],
    },
    datadog: {
      ...bearer,
      hmac: { header: 'x-firebreak-signature', prefix: 'sha256=', secrets: [SANDBOX_ALERT_TOKEN] },
    },
    generic: { sandbox: { credentials: bearer, mapping: fieldMappingSchema.parse({}) } },
    serviceLabel: 'service',
    severityLabel: 'severity',
    groupBy: ['service'],
    flapWindowSeconds,
  };
}

function banner(sandbox: Sandbox, apiUrl: string, temporalUiUrl: string | null): string {
  const line = '='.repeat(78);
  return [
    line,
    ' FIREBREAK SANDBOX MODE: no config file, so every outside service is a local stand-in.',
    ' NO REAL PAGE IS SENT. PagerDuty, GitHub, Jenkins, Jira, Slack and email stay on this machine.',
    line,
    ` API            ${apiUrl}   (token: ${SANDBOX_API_TOKEN})`,
    ` Alert intake   POST ${apiUrl}/v1/alerts/{alertmanager,grafana,datadog,generic/sandbox}   (token: ${SANDBOX_ALERT_TOKEN})`,
    ` Temporal UI    ${temporalUiUrl ?? 'off'}`,
    ` Stand-ins (GET <url>/_sandbox/received shows what Firebreak sent):`,
    `   PagerDuty    ${sandbox.pagerduty.url}   (self-signed HTTPS; webhooks to ${apiUrl}/v1/pagerduty/webhook)`,
    `                play the responder: POST <url>/_sandbox/incidents/<incident id>/responder {"do":"acknowledge"}`,
    `   GitHub       ${sandbox.github.url}   (repo acme/${sandbox.service})`,
    `   Jenkins      ${sandbox.jenkins.url}   (jobs ${sandbox.rollbackJob}, ${sandbox.hotfixJob})`,
    `   Slack        ${sandbox.slack.url}`,
    `   SMTP         127.0.0.1:${sandbox.smtp.port}`,
    `   Jira Cloud   ${sandbox.jira.url}   (project ${SANDBOX_JIRA_PROJECT}; incident tickets)`,
    ` Service '${sandbox.service}': current deploy ${sandbox.history.currentSha.slice(0, 12)}, rollback candidate ${sandbox.history.candidateSha.slice(0, 12)}`,
    line,
  ].join('\n');
}
