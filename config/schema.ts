// Firebreak's configuration: one YAML file, validated at start with errors that name the path of
// each bad key. Secrets may only appear as ${ENV_VAR} references, never as literals in the file.
import { z } from 'zod';
import { ACTION_NAMES, type ActionName } from '../domain/actions';
import { DEFAULT_NOTE_COMMANDS } from '../domain/pagerduty-events';
import { parseDuration } from '../domain/policy';

const SECRET_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** A secret field: in the file it must be a `${ENV_VAR}` reference (resolved by the loader). */
const secret = z
  .string()
  .regex(SECRET_REFERENCE, 'secrets must be ${ENV_VAR} references, not literal values');

const url = z.url({ message: 'must be an absolute URL' });
const repo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');
/** Kept as written ('10m'); domain/policy.ts turns it into milliseconds when an incident starts. */
const duration = z
  .string()
  .refine((text) => (parseDuration(text) ?? 0) > 0, "must be a duration such as '90s', '10m' or '1h30m'");
const actionName = z.enum(ACTION_NAMES as unknown as [ActionName, ...ActionName[]]);

const serviceSchema = z
  .object({
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
    notify: z
      .object({
        slackWebhook: secret.optional(),
        emails: z.array(z.email()).default([]),
      })
      .strict()
      .default({ emails: [] }),
    policy: z
      .object({
        migrationPaths: z.array(z.string().min(1)).default(['db/migrate/', 'migrations/']),
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
      .default({ migrationPaths: ['db/migrate/', 'migrations/'] }),
  })
  .strict();

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
    intake: z
      .object({
        alertmanager: z.object({ bearerTokens: z.array(secret).min(1) }).strict(),
        /** Alert label that names the service. */
        serviceLabel: z.string().default('service'),
        severityLabel: z.string().default('severity'),
        /** Service for alerts whose service is unknown; without it they are refused (422). */
        defaultService: z.string().optional(),
      })
      .strict(),
    temporal: z
      .object({
        /** An existing cluster; without it Firebreak embeds a dev server. TEMPORAL_ADDRESS overrides. */
        address: z.string().optional(),
        namespace: z.string().default('default'),
        taskQueue: z.string().default('firebreak'),
      })
      .strict()
      .default({ namespace: 'default', taskQueue: 'firebreak' }),
    dataDir: z.string().default('.firebreak'),
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
      })
      .strict()
      .default({}),
    services: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'service names are lower-case letters, digits and dashes'),
      serviceSchema,
    ),
  })
  .strict();

/** The config as written in the file (secrets still as references). */
export type ConfigFile = z.input<typeof configSchema>;
/** The config after validation and defaults. */
export type FirebreakConfig = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
