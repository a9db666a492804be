// The intake part of the configuration: which alert sources are enabled, how each authenticates,
// where service and severity come from, how alerts are grouped into incidents, and flap handling.
import { z } from 'zod';
import { secret } from './secret';

/**
 * How a sender proves who it is. Several entries of a kind may be valid at once (rotation); a source
 * needs at least one.
 */
export const credentialsSchema = z
  .object({
    bearerTokens: z.array(secret).default([]),
    basic: z.array(z.object({ user: z.string().min(1), password: secret }).strict()).default([]),
    /** HMAC-SHA256 of the raw body, hex, in `header` (optionally after `prefix`, e.g. `sha256=`). */
    hmac: z
      .object({
        header: z.string().min(1).default('x-firebreak-signature'),
        prefix: z.string().default('sha256='),
        secrets: z.array(secret).min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.bearerTokens.length > 0 || c.basic.length > 0 || c.hmac !== undefined, {
    message: 'a source needs at least one credential: bearerTokens, basic or hmac',
  });

/** Dotted paths into a generic source's JSON (`detail.labels.service`, `alerts.0.id`). */
const path = z.string().min(1);

/** Where a generic source keeps each field of Firebreak's alert model. */
export const fieldMappingSchema = z
  .object({
    /** Path of the array of alerts; the body itself (one alert) when absent. */
    alerts: path.optional(),
    service: path.default('service'),
    severity: path.default('severity'),
    summary: path.default('summary'),
    status: path.default('status'),
    /** Status values that mean "resolved" (case-insensitive); anything else is firing. */
    resolvedValues: z.array(z.string()).default(['resolved', 'ok', 'recovered', 'closed']),
    /** Identifies one occurrence of one alert, stable from firing to resolved. */
    id: path.default('id'),
    startsAt: path.default('startsAt'),
    endsAt: path.default('endsAt'),
    labels: path.default('labels'),
    annotations: path.default('annotations'),
    runbook: path.default('links.runbook'),
    dashboard: path.default('links.dashboard'),
    generator: path.default('links.generator'),
  })
  .strict();

const genericSourceSchema = z
  .object({
    credentials: credentialsSchema,
    mapping: fieldMappingSchema.default(fieldMappingSchema.parse({})),
  })
  .strict();

export const intakeSchema = z
  .object({
    alertmanager: credentialsSchema.optional(),
    grafana: credentialsSchema.optional(),
    datadog: credentialsSchema.optional(),
    /** Named generic sources: POST /v1/alerts/generic/<name> (or ?source=<name>). */
    generic: z
      .record(
        z.string().regex(/^[a-z0-9-]+$/, 'source names are lower-case letters, digits and dashes'),
        genericSourceSchema,
      )
      .default({}),
    /** Alert label (Datadog: tag key) that names the service. */
    serviceLabel: z.string().default('service'),
    severityLabel: z.string().default('severity'),
    /** Service for alerts whose service is unknown; without it they are refused (422). */
    defaultService: z.string().optional(),
    /** What makes alerts one incident: `service` and/or label names. Default: one incident per service. */
    groupBy: z.array(z.string().min(1)).min(1).default(['service']),
    /** After monitoring recovers, an alert that fires again within this many seconds reopens the incident. */
    flapWindowSeconds: z.number().int().min(0).default(300),
  })
  .strict()
  .refine((i) => i.alertmanager || i.grafana || i.datadog || Object.keys(i.generic).length > 0, {
    message: 'enable at least one alert source: alertmanager, grafana, datadog or generic',
  });

export type Credentials = z.output<typeof credentialsSchema>;
export type FieldMapping = z.output<typeof fieldMappingSchema>;
export type IntakeConfig = z.output<typeof intakeSchema>;
