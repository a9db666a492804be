// What every alert source shares once its payload is parsed: the settings intake works with, the
// refusal it answers with, and the small normalizations (service, severity, timestamps, grouping)
// that make four different webhooks one alert model.
import type { IntakeConfig } from '../../config/intake-schema';
import type { Alert } from '../../domain/alert';
import { boundAlert } from './bounds';

export interface IntakeSettings {
  services: Set<string>;
  serviceLabel: string;
  severityLabel: string;
  defaultService?: string;
  /** `service` and/or label names whose values make the group key. */
  groupBy: string[];
}

export function intakeSettings(intake: IntakeConfig, services: Iterable<string>): IntakeSettings {
  return {
    services: new Set(services),
    serviceLabel: intake.serviceLabel,
    severityLabel: intake.severityLabel,
    groupBy: intake.groupBy,
    ...(intake.defaultService ? { defaultService: intake.defaultService } : {}),
  };
}

/** One webhook call's alerts, normalized. */
export interface NormalizedDelivery {
  alerts: Alert[];
  /** Alerts the sender left out (Alertmanager's truncatedAlerts): never treat them as resolved. */
  truncated: number;
}

/** A refusal that names the problem; the API turns it into a 4xx with this code and message. */
export class IntakeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

export function invalidPayload(
  where: string,
  message: string,
  details?: Record<string, unknown>,
): IntakeError {
  return new IntakeError(400, 'invalid_payload', `${where}: ${message}`, details);
}

export function resolveService(value: string | undefined, settings: IntakeSettings): string {
  if (value && settings.services.has(value)) return value;
  if (settings.defaultService) return settings.defaultService;
  const what = value ? `unknown service '${value}'` : `alert names no service (${settings.serviceLabel})`;
  throw new IntakeError(422, 'unknown_service', `${what} and no default service is configured`);
}

/** Alerts without a severity are treated as errors: they reached Firebreak to be acted on. */
export const DEFAULT_SEVERITY = 'error';

export function normalizeSeverity(value: string | undefined): string {
  const trimmed = value?.trim().toLowerCase();
  return trimmed ? trimmed : DEFAULT_SEVERITY;
}

/**
 * ISO 8601 with milliseconds from the forms senders use: RFC 3339 with 0, 3 or 9 fractional digits,
 * or epoch seconds / milliseconds (as numbers or strings).
 */
export function toIso(value: unknown, where: string): string {
  const ms = toEpochMs(value);
  if (ms === null) throw invalidPayload(where, `not a timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function toEpochMs(value: unknown): number | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return null;
    // Below 10^11 it can only be seconds (10^11 ms is 1973).
    const ms = n < 1e11 ? n * 1000 : n;
    return ms < 8.64e15 ? Math.round(ms) : null;
  }
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? ms : null;
}

/** The group an alert belongs to: the values of the configured `groupBy` keys. */
export function groupKeyOf(alert: Alert, groupBy: string[]): string {
  return groupBy.map((key) => (key === 'service' ? alert.service : (alert.labels[key] ?? ''))).join('/');
}

export interface AlertGroup {
  group: string;
  /** The group's service: incidents belong to one service (its config, pager, repo). */
  service: string;
  alerts: Alert[];
}

/**
 * Splits a delivery into groups; a group never spans services, whatever `groupBy` says. Each alert is
 * cut to the caps of client/intake/bounds.ts, after its group is known from its full labels.
 */
export function groupAlerts(alerts: Alert[], groupBy: string[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const alert of alerts) {
    const key = groupBy.includes('service')
      ? groupKeyOf(alert, groupBy)
      : `${alert.service}/${groupKeyOf(alert, groupBy)}`;
    const group = groups.get(key) ?? { group: key, service: alert.service, alerts: [] };
    group.alerts.push(boundAlert(alert));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** String values only: labels and annotations are string maps in every source. */
export function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== null && v !== undefined,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
