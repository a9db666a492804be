// Where an Alertmanager webhook (payload version 4) becomes Firebreak alerts: validated, normalized
// and split into one batch per alert group (by default, per service).
import { z } from 'zod';
import type { Alert, AlertBatch } from '../../domain/alert';
import { IntakeError, type IntakeSettings } from './intake';

const labelMap = z.record(z.string(), z.string());

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().default('0001-01-01T00:00:00Z'),
  generatorURL: z.string().default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/i, 'must be a hex fingerprint'),
});

const payloadSchema = z.object({
  version: z.literal('4', { message: "only Alertmanager webhook payload version '4' is supported" }),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  alerts: z.array(alertSchema).min(1, 'a notification needs at least one alert'),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().default(''),
  groupKey: z.string().default(''),
  truncatedAlerts: z.number().int().min(0).default(0),
});

type AlertmanagerAlert = z.infer<typeof alertSchema>;

/** Parses one webhook body into alert batches keyed by group; throws IntakeError on bad input. */
export function parseAlertmanager(
  body: unknown,
  settings: IntakeSettings,
  receivedAt: string,
  deliveryId: string,
) {
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new IntakeError(400, 'invalid_payload', `${where}: ${issue?.message ?? 'invalid'}`, {
      issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const payload = parsed.data;
  const batches = new Map<string, AlertBatch>();
  for (const raw of payload.alerts) {
    const alert = normalize(raw, settings);
    const batch = batches.get(alert.service) ?? {
      deliveryId,
      receivedAt,
      alerts: [],
      truncated: payload.truncatedAlerts,
    };
    batch.alerts.push(alert);
    batches.set(alert.service, batch);
  }
  return batches;
}

function normalize(raw: AlertmanagerAlert, settings: IntakeSettings): Alert {
  const service = resolveService(raw.labels[settings.serviceLabel], settings);
  const startsAt = toIso(raw.startsAt, 'startsAt');
  const firing = raw.status === 'firing';
  return {
    source: 'alertmanager',
    service,
    severity: (raw.labels[settings.severityLabel] ?? 'error').toLowerCase(),
    summary: raw.annotations.summary ?? raw.annotations.description ?? raw.labels.alertname ?? 'alert',
    labels: raw.labels,
    annotations: raw.annotations,
    links: {
      ...(raw.annotations.runbook_url ? { runbook: raw.annotations.runbook_url } : {}),
      ...(raw.annotations.dashboard_url ? { dashboard: raw.annotations.dashboard_url } : {}),
      ...(raw.generatorURL ? { generator: raw.generatorURL } : {}),
    },
    startsAt,
    endsAt: firing ? null : toIso(raw.endsAt, 'endsAt'),
    status: raw.status,
    // The fingerprint repeats when the same alert fires again later: startsAt tells occurrences apart.
    occurrenceKey: `${raw.fingerprint}@${startsAt}`,
  };
}

function resolveService(labelValue: string | undefined, settings: IntakeSettings): string {
  if (labelValue && settings.services.has(labelValue)) return labelValue;
  if (settings.defaultService) return settings.defaultService;
  const what = labelValue
    ? `unknown service '${labelValue}'`
    : `alert has no '${settings.serviceLabel}' label`;
  throw new IntakeError(422, 'unknown_service', `${what} and no default service is configured`);
}

/** Alertmanager sends 0, 3 or 9 fractional digits; keep milliseconds. */
function toIso(text: string, field: string): string {
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  if (!Number.isFinite(ms))
    throw new IntakeError(400, 'invalid_payload', `alerts.${field}: not a timestamp: '${text}'`);
  return new Date(ms).toISOString();
}
