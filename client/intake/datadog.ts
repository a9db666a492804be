// Datadog's webhook integration (the default payload; every value arrives as a string). One call is
// one monitor event; `$ALERT_CYCLE_KEY`, when the user adds it as `alert_cycle_key`, ties a trigger to
// its recovery, otherwise the monitor id and scope do.
import { z } from 'zod';
import type { Alert } from '../../domain/alert';
import { parseOrThrow } from './alertmanager';
import {
  DEFAULT_SEVERITY,
  resolveService,
  toIso,
  type IntakeSettings,
  type NormalizedDelivery,
} from './intake';

const text = z.string();

const datadogSchema = z.object({
  id: text.min(1, 'the event id ($ID) is required'),
  alert_id: text.min(1, 'the monitor id ($ALERT_ID) is required'),
  alert_transition: text.min(1, 'the transition ($ALERT_TRANSITION) is required'),
  date: z.union([text, z.number()]),
  title: text.optional(),
  alert_title: text.optional(),
  body: text.optional(),
  alert_type: text.optional(),
  alert_priority: text.optional(),
  priority: text.optional(),
  alert_scope: text.optional(),
  alert_metric: text.optional(),
  alert_status: text.optional(),
  host_name: text.optional(),
  tags: text.optional(),
  link: text.optional(),
  alert_cycle_key: text.optional(),
  org: z.object({ id: z.union([text, z.number()]).optional(), name: text.optional() }).optional(),
});

/** Transitions that end a cycle; every other one (Triggered, Re-Triggered, Warn, No Data…) fires. */
const RECOVERED = new Set(['recovered', 'resolved', 'ok']);

const PRIORITY_SEVERITY: Record<string, string> = {
  p1: 'critical',
  p2: 'error',
  p3: 'warning',
  p4: 'info',
  p5: 'info',
};
const TYPE_SEVERITY: Record<string, string> = {
  error: 'error',
  warning: 'warning',
  info: 'info',
  success: 'info',
};

export function normalizeDatadog(body: unknown, settings: IntakeSettings): NormalizedDelivery {
  const event = parseOrThrow(datadogSchema, body);
  const tags = parseTags(event.tags);
  const at = toIso(event.date, 'date');
  const resolved = RECOVERED.has(event.alert_transition.trim().toLowerCase());
  const cycle = event.alert_cycle_key?.trim() || `${event.alert_id}@${event.alert_scope ?? ''}`;
  const alert: Alert = {
    source: 'datadog',
    service: resolveService(tags[settings.serviceLabel], settings),
    severity: severityOf(event, tags[settings.severityLabel]),
    summary: event.alert_title || event.title || `Datadog monitor ${event.alert_id}`,
    labels: { ...tags, monitor_id: event.alert_id, ...(event.host_name ? { host: event.host_name } : {}) },
    annotations: {
      ...(event.body ? { description: event.body } : {}),
      ...(event.alert_metric ? { metric: event.alert_metric } : {}),
      ...(event.alert_scope ? { scope: event.alert_scope } : {}),
      transition: event.alert_transition,
    },
    links: event.link ? { dashboard: event.link } : {},
    // A recovery does not say when the cycle began; the incident keeps the trigger's start.
    startsAt: at,
    endsAt: resolved ? at : null,
    status: resolved ? 'resolved' : 'firing',
    occurrenceKey: `datadog:${cycle}`,
  };
  return { alerts: [alert], truncated: 0 };
}

/** `"service:checkout,env:prod,team"` → `{ service: 'checkout', env: 'prod', team: '' }`. */
export function parseTags(tags: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of (tags ?? '').split(',')) {
    const trimmed = tag.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    if (colon < 0) result[trimmed] = '';
    else result[trimmed.slice(0, colon)] = trimmed.slice(colon + 1);
  }
  return result;
}

function severityOf(event: z.infer<typeof datadogSchema>, tagged: string | undefined): string {
  if (tagged) return tagged.toLowerCase();
  const priority = (event.alert_priority || event.priority || '').trim().toLowerCase();
  if (PRIORITY_SEVERITY[priority]) return PRIORITY_SEVERITY[priority] as string;
  return TYPE_SEVERITY[(event.alert_type ?? '').toLowerCase()] ?? DEFAULT_SEVERITY;
}
