// Grafana unified alerting's webhook contact point: Alertmanager's shape with Grafana's additions
// (dashboard and panel links, `state`, `orgId`), version "1".
import { z } from 'zod';
import { normalizePrometheusAlert, parseOrThrow, prometheusAlertSchema } from './alertmanager';
import type { IntakeSettings, NormalizedDelivery } from './intake';

const grafanaSchema = z.object({
  version: z.literal('1', { message: "only Grafana webhook payload version '1' is supported" }),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(prometheusAlertSchema).min(1, 'a notification needs at least one alert'),
  truncatedAlerts: z.number().int().min(0).default(0),
  orgId: z.number().optional(),
  state: z.string().optional(),
  title: z.string().optional(),
});

export function normalizeGrafana(body: unknown, settings: IntakeSettings): NormalizedDelivery {
  const payload = parseOrThrow(grafanaSchema, body);
  return {
    alerts: payload.alerts.map((raw, i) => normalizePrometheusAlert(raw, 'grafana', settings, `alerts.${i}`)),
    truncated: payload.truncatedAlerts,
  };
}
