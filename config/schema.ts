// Firebreak's configuration: one YAML file, validated at start with errors that name the path of
// each bad key. Secrets may only appear as ${ENV_VAR} references, never as literals in the file.
import { z } from 'zod';
import { ACTION_NAMES, type ActionName } from '../domain/actions';
import { DEFAULT_NOTE_COMMANDS } from '../domain/pagerduty-events';
import { parseDuration } from '../domain/policy';
import { freezeSchema, hotfixSchema, rollbackSchema } from './deploy-safety-schema';
import { intakeSchema } from './intake-schema';
import { metricsSchema } from './metrics-schema';
import { notifySchema } from './notify-schema';
import { reportsSchema } from './reports-schema';
import {
  jiraCloudSchema,
  jiraDataCenterSchema,
  serviceTicketsSchema,
  TRACKER_INTEGRATION,
} from './tickets-schema';
import { secret } from './secret';

const url = z.url({ message: 'must be an absolute URL' });
const repo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');
/** Kept as written ('10m'); domain/policy.ts turns it into milliseconds when an incident starts. */
const duration = z
  .string()
  .refine((text) => (parseDuration(text) ?? 0) > 0, "must be a duration such as '90s', '10m' or '1h30m'");
const actionName = z.enum(ACTION_NAMES as unknown as [ActionName, ...ActionName[]]);

const DEFAULT_POLICY = {
  migrationPaths: ['db/migrate/', 'migrations/'],
  enrichmentBudgetMs: 2000,
  suspectWindowMinutes: 120,
  pageSeverities: ['critical', 'error'],
};

/** Where a service's production deploy history lives: GitHub deployments (default) or a Jenkins job. */
const deployHistory = z.discriminatedUnion('source', [
  z.object({ source: z.literal('github') }).strict(),
  z
    .object({
      source: z.literal('jenkins'),
      /** The deploy job, folders slash-separated (e.g. `checkout/deploy`). */
      job: z.string().min(1),
      /** The build parameter that carries the deployed commit. */
      shaParameter: z.string().min(1).default('GIT_SHA'),
    })
    .strict(),
]);

const serviceSchema = z
  .object({
    /** Who owns the service: shown in the page and the report. */
    owners: z.array(z.string().min(1)).default([]),
    team: z.string().min(1).optional(),
    pagerduty: z
      .object({
        routingKey: secret,
        escalationPolicy: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    github: z
      .object({
        repo,
        branch: z.string().min(1).default('main'),
        environment: z.string().min(1).default('production'),
      })
      .strict()
      .optional(),
    jenkins: z
      .object({
        rollbackJob: z.string().min(1),
        shaParameter: z.string().min(1).default('TARGET_SHA'),
      })
      .strict()
      .optional(),
    notify: notifySchema,
    /** Where the service's incident tickets go (Jira Cloud, Jira Data Center or GitHub Issues). */
    tickets: serviceTicketsSchema.optional(),
    deployHistory: deployHistory.default({ source: 'github' }),
    rollback: rollbackSchema,
    hotfix: hotfixSchema,
    freeze: freezeSchema,
    policy: z
      .object({
        migrationPaths: z.array(z.string().min(1)).default(DEFAULT_POLICY.migrationPaths),
        /** How long the page may wait for enrichment; later results follow as a PagerDuty note. */
        enrichmentBudgetMs: z.number().int().min(0).max(60_000).default(DEFAULT_POLICY.enrichmentBudgetMs),
        /** A production deploy that finished this long before impact start is the suspect. */
        suspectWindowMinutes: z
          .number()
          .positive()
          .max(7 * 24 * 60)
          .default(DEFAULT_POLICY.suspectWindowMinutes),
        /** Severities that page; lower ones are recorded and notified, not paged. */
        pageSeverities: z.array(z.string().min(1)).default(DEFAULT_POLICY.pageSeverities),
        /** No acknowledgement within this long escalates one level (default 10m). */
        ackTimeout: duration.optional(),
        /** How many levels the engine escalates by itself, one every ackTimeout (default 2). */
        escalations: z.number().int().min(0).max(10).optional(),
        /** Off unless set: with a suspect deploy and no responder action within this long, roll back. */
        autoRollbackAfter: duration.optional(),
        /** Who may act on this service's incidents; without it, anyone who reaches a channel. */
        responders: z
          .object({
            /** PagerDuty user ids or email addresses. */
            users: z.array(z.string().min(1)).default([]),
            /** Anyone on call for the service's escalation policy. */
            onCall: z.boolean().default(false),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default(DEFAULT_POLICY),
  })
  .strict();

/** Lower CPU priority (nice) for what can wait in a storm: see `priority` below. */
export const DEFAULT_PRIORITY = { embeddedTemporal: 19, worker: 5 };

export const configSchema = z
  .object({
    api: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Tokens for the API and the CLI (`Authorization: Bearer …`). */
        tokens: z.array(secret).min(1),
        /** Where people reach Firebreak, for links in pages, messages and reports. */
        publicUrl: url.optional(),
      })
      .strict(),
    intake: intakeSchema,
    temporal: z
      .object({
        /** An existing cluster; without it Firebreak embeds a dev server. TEMPORAL_ADDRESS overrides. */
        address: z.string().optional(),
        namespace: z.string().default('default'),
        taskQueue: z.string().default('firebreak'),
      })
      .strict()
      .default({ namespace: 'default', taskQueue: 'firebreak' }),
    /**
     * CPU priority (nice, 0–19: higher yields more) of the parts that can wait, so that on one machine a
     * storm's alerts are taken first and the incidents catch up a moment later.
     */
    priority: z
      .object({
        /** The embedded Temporal dev server (not an external cluster). */
        embeddedTemporal: z.number().int().min(0).max(19).default(DEFAULT_PRIORITY.embeddedTemporal),
        /** All of `firebreak worker`; inside `firebreak start`, the worker's own threads (its activities share the API's). */
        worker: z.number().int().min(0).max(19).default(DEFAULT_PRIORITY.worker),
      })
      .strict()
      .default(DEFAULT_PRIORITY),
    dataDir: z.string().default('.firebreak'),
    reports: reportsSchema.optional(),
    metrics: metricsSchema.optional(),
    integrations: z
      .object({
        pagerduty: z
          .object({
            eventsUrl: url.default('https://events.pagerduty.com'),
            apiUrl: url.default('https://api.pagerduty.com'),
            apiToken: secret.optional(),
            fromEmail: z.email().optional(),
            /** Events Firebreak sends per routing key per minute at most (PagerDuty allows about 120). */
            eventsPerMinute: z.number().int().min(1).max(10_000).default(120),
            /** Signing secrets of the v3 webhook subscription; several while one is being rotated. */
            webhookSecrets: z.array(secret).default([]),
            /** PagerDuty incident workflow id or name → the action it asks for. */
            incidentWorkflows: z.record(z.string().min(1), actionName).default({}),
            /** Note commands: a note starting with the key (e.g. '/rollback') asks for the action. */
            noteCommands: z
              .record(z.string().regex(/^\/\S+$/, "commands start with '/'"), actionName)
              .default(DEFAULT_NOTE_COMMANDS),
          })
          .strict()
          .optional(),
        github: z
          .object({ baseUrl: url.default('https://api.github.com'), token: secret })
          .strict()
          .optional(),
        jenkins: z
          .object({ baseUrl: url, user: z.string().min(1), apiToken: secret })
          .strict()
          .optional(),
        email: z
          .object({
            host: z.string().min(1),
            port: z.number().int().min(1).max(65535).default(587),
            secure: z.boolean().default(false),
            user: z.string().optional(),
            password: secret.optional(),
            from: z.string().min(3),
          })
          .strict()
          .optional(),
        jira: jiraCloudSchema.optional(),
        jiraDataCenter: jiraDataCenterSchema.optional(),
      })
      .strict()
      .default({}),
    services: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'service names are lower-case letters, digits and dashes'),
      serviceSchema,
    ),
  })
  .strict()
  .superRefine((config, context) => {
    // A Jenkins deploy history is read with the Jenkins integration's credentials.
    for (const [name, service] of Object.entries(config.services)) {
      if (service.deployHistory.source === 'jenkins' && !config.integrations.jenkins) {
        context.addIssue({
          code: 'custom',
          path: ['services', name, 'deployHistory'],
          message: 'a Jenkins deploy history needs integrations.jenkins (baseUrl, user, apiToken)',
        });
      }
      // Otherwise the addresses would be dropped without a word.
      const mails = [service.notify, ...service.notify.audiences].some((a) => a.emails.length > 0);
      if (mails && !config.integrations.email) {
        context.addIssue({
          code: 'custom',
          path: ['services', name, 'notify'],
          message: 'email recipients need integrations.email (host, from)',
        });
      }
      const needs = service.tickets ? TRACKER_INTEGRATION[service.tickets.tracker] : null;
      if (needs && !config.integrations[needs]) {
        context.addIssue({
          code: 'custom',
          path: ['services', name, 'tickets', 'tracker'],
          message: `tracker '${service.tickets?.tracker}' needs integrations.${needs}`,
        });
      }
    }
  });

/** The config as written in the file (secrets still as references). */
export type ConfigFile = z.input<typeof configSchema>;
/** The config after validation and defaults. */
export type FirebreakConfig = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
