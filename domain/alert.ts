// The one alert model every monitoring source is normalized into before it reaches an incident.
// Pure data: shared by the intake (client/) and the incident workflow.

export type AlertSource = 'alertmanager' | 'grafana' | 'datadog' | 'generic';
export type AlertStatus = 'firing' | 'resolved';

export interface AlertLinks {
  runbook?: string;
  dashboard?: string;
  generator?: string;
}

export interface Alert {
  source: AlertSource;
  service: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: AlertLinks;
  /** ISO 8601: when the condition began, per the monitor. */
  startsAt: string;
  /** ISO 8601, or null while firing. */
  endsAt: string | null;
  status: AlertStatus;
  /** Identifies one occurrence of one alert: for Alertmanager, fingerprint + startsAt. */
  occurrenceKey: string;
}

/** What intake hands to the incident workflow: one delivery's alerts for one group. */
export interface AlertBatch {
  /** Unique per HTTP request, so the API can tell whether its delivery opened the incident. */
  deliveryId: string;
  /** ISO 8601, intake's clock: "detected" is when Firebreak received the first alert. */
  receivedAt: string;
  alerts: Alert[];
  /** Alertmanager's truncatedAlerts: alerts left out of this payload (never treat them as resolved). */
  truncated: number;
}

/** The first runbook and dashboard any of the alerts links to. */
export function alertLinks(alerts: Alert[]): { runbook: string | null; dashboard: string | null } {
  return {
    runbook: alerts.find((a) => a.links.runbook)?.links.runbook ?? null,
    dashboard: alerts.find((a) => a.links.dashboard)?.links.dashboard ?? null,
  };
}
