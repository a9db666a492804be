// The generic source: Firebreak's own documented alert schema, or any tool's webhook mapped onto it
// field by field in the config (dotted paths), so a new tool needs configuration, not code.
//
// Default schema (one alert, or `alerts: [...]` with mapping `alerts: alerts`):
//   { "id": "disk-full@db-1", "service": "checkout", "severity": "critical", "status": "firing",
//     "summary": "disk 95% full", "startsAt": "2026-11-20T10:00:00Z", "endsAt": null,
//     "labels": {...}, "annotations": {...}, "links": { "runbook": "...", "dashboard": "..." } }
import type { FieldMapping } from '../../config/intake-schema';
import type { Alert } from '../../domain/alert';
import {
  invalidPayload,
  normalizeSeverity,
  resolveService,
  stringMap,
  toIso,
  type IntakeSettings,
  type NormalizedDelivery,
} from './intake';

const MAX_ALERTS = 1000;

export function normalizeGeneric(
  body: unknown,
  source: string,
  mapping: FieldMapping,
  settings: IntakeSettings,
): NormalizedDelivery {
  if (!body || typeof body !== 'object') throw invalidPayload('body', 'must be a JSON object or array');
  const items = mapping.alerts ? valueAt(body, mapping.alerts) : body;
  const list = Array.isArray(items) ? items : [items];
  if (mapping.alerts && !Array.isArray(items))
    throw invalidPayload(mapping.alerts, 'must be an array of alerts');
  if (list.length === 0)
    throw invalidPayload(mapping.alerts ?? 'body', 'a notification needs at least one alert');
  if (list.length > MAX_ALERTS)
    throw invalidPayload(mapping.alerts ?? 'body', `at most ${MAX_ALERTS} alerts per call`);
  // Problems are named by their path in the body: `Records.0.Sns.MessageId`, or just `id` for one alert.
  const where = (i: number): string =>
    mapping.alerts ? `${mapping.alerts}.${i}` : Array.isArray(items) ? `${i}` : '';
  return {
    alerts: list.map((item, i) => normalizeItem(item, source, mapping, settings, where(i))),
    truncated: 0,
  };
}

function normalizeItem(
  item: unknown,
  source: string,
  m: FieldMapping,
  settings: IntakeSettings,
  where: string,
): Alert {
  if (!item || typeof item !== 'object')
    throw invalidPayload(where || 'body', 'each alert must be a JSON object');
  const field = (path: string): unknown => valueAt(item, path);
  const at = (path: string): string => (where ? `${where}.${path}` : path);
  const id = requiredText(field(m.id), at(m.id));
  const status = m.resolvedValues.some(
    (v) => v.toLowerCase() === (optionalText(field(m.status)) ?? 'firing').toLowerCase(),
  )
    ? 'resolved'
    : 'firing';
  const startsAt = toIso(field(m.startsAt), at(m.startsAt));
  const endsRaw = field(m.endsAt);
  const labels = stringMap(field(m.labels));
  return {
    source: 'generic',
    service: resolveService(optionalText(field(m.service)) ?? labels[settings.serviceLabel], settings),
    severity: normalizeSeverity(optionalText(field(m.severity)) ?? labels[settings.severityLabel]),
    summary: optionalText(field(m.summary)) ?? id,
    labels,
    annotations: stringMap(field(m.annotations)),
    links: links({ runbook: field(m.runbook), dashboard: field(m.dashboard), generator: field(m.generator) }),
    startsAt,
    endsAt: status === 'resolved' ? (endsRaw ? toIso(endsRaw, at(m.endsAt)) : startsAt) : null,
    status,
    occurrenceKey: `${source}:${id}`,
  };
}

/** `a.b.0.c` into nested objects and arrays; undefined when any step is missing. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

function optionalText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function requiredText(value: unknown, where: string): string {
  const text = optionalText(value);
  if (!text) throw invalidPayload(where, 'is required (the alert id, stable from firing to resolved)');
  return text;
}

function links(candidates: Record<'runbook' | 'dashboard' | 'generator', unknown>): Alert['links'] {
  const result: Alert['links'] = {};
  for (const [key, value] of Object.entries(candidates) as Array<[keyof Alert['links'], unknown]>) {
    const text = optionalText(value);
    if (text) result[key] = text;
  }
  return result;
}
