// Where an Alertmanager webhook (payload version 4) becomes Firebreak alerts. Grafana's unified
// alerting webhook has the same shape plus a few fields (grafana.ts reuses this parser).
import { z } from 'zod';
import type { Alert, AlertSource } from '../../domain/alert';
import {
  invalidPayload,
  normalizeSeverity,
  resolveService,
  toIso,
  type IntakeSettings,
  type NormalizedDelivery,
} from './intake';

const labelMap = z.record(z.string(), z.string());

export const prometheusAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().default('0001-01-01T00:00:00Z'),
  generatorURL: z.string().default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/i, 'must be a hex fingerprint'),
  // Grafana's additions (absent from Alertmanager's payload).
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
});

const alertmanagerSchema = z.object({
  version: z.literal('4', { message: "only Alertmanager webhook payload version '4' is supported" }),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(prometheusAlertSchema).min(1, 'a notification needs at least one alert'),
  truncatedAlerts: z.number().int().min(0).default(0),
});

export type PrometheusAlert = z.infer<typeof prometheusAlertSchema>;

export function normalizeAlertmanager(body: unknown, settings: IntakeSettings): NormalizedDelivery {
  const payload = parseOrThrow(alertmanagerSchema, body);
  return {
    alerts: payload.alerts.map((raw, i) =>
      normalizePrometheusAlert(raw, 'alertmanager', settings, `alerts.${i}`),
    ),
    truncated: payload.truncatedAlerts,
  };
}

export function normalizePrometheusAlert(
  raw: PrometheusAlert,
  source: AlertSource,
  settings: IntakeSettings,
  where: string,
): Alert {
  const startsAt = toIso(raw.startsAt, `${where}.startsAt`);
  const firing = raw.status === 'firing';
  const dashboard = raw.panelURL || raw.dashboardURL || raw.annotations.dashboard_url;
  return {
    source,
    service: resolveService(raw.labels[settings.serviceLabel], settings),
    severity: normalizeSeverity(raw.labels[settings.severityLabel]),
    summary: raw.annotations.summary ?? raw.annotations.description ?? raw.labels.alertname ?? 'alert',
    labels: raw.labels,
    annotations: raw.annotations,
    links: {
      ...(raw.annotations.runbook_url ? { runbook: raw.annotations.runbook_url } : {}),
      ...(dashboard ? { dashboard } : {}),
      ...(raw.generatorURL ? { generator: raw.generatorURL } : {}),
    },
    startsAt,
    endsAt: firing ? null : toIso(raw.endsAt, `${where}.endsAt`),
    status: raw.status,
    // The fingerprint repeats when the same alert fires again later: startsAt tells occurrences apart.
    occurrenceKey: `${raw.fingerprint}@${startsAt}`,
  };
}

/** Validates with a schema; the first problem, with its path, becomes the 400's message. */
export function parseOrThrow<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  throw invalidPayload(where, issue?.message ?? 'invalid', {
    issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}
