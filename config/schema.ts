// Firebreak's configuration: one YAML file, validated at start with errors that name the path of
// each bad key. Secrets may only appear as ${ENV_VAR} references, never as literals in the file.
import { z } from 'zod';
import { intakeSchema } from './intake-schema';
import { secret } from './secret';

const url = z.url({ message: 'must be an absolute URL' });
const repo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name');

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
        /** Severities that page; lower ones are recorded and notified, not paged. */
        pageSeverities: z.array(z.string().min(1)).default(['critical', 'error']),
      })
      .strict()
      .default({ migrationPaths: ['db/migrate/', 'migrations/'], pageSeverities: ['critical', 'error'] }),
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
    dataDir: z.string().default('.firebreak'),
    integrations: z
      .object({
        pagerduty: z
          .object({
            eventsUrl: url.default('https://events.pagerduty.com'),
            apiUrl: url.default('https://api.pagerduty.com'),
            apiToken: secret.optional(),
            fromEmail: z.email().optional(),
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
