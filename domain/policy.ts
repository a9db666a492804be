// An incident's policy: taken from the service's configuration when the incident starts and kept with
// it, so a config change never alters a running incident's behaviour (or its replay).

export interface IncidentPolicy {
  /** Severities that page; lower ones are recorded and notified, not paged. */
  pageSeverities: string[];
  /** After monitoring recovers, a re-fire within this window reopens the incident instead of a new one. */
  flapWindowMs: number;
}

export const DEFAULT_POLICY: IncidentPolicy = {
  pageSeverities: ['critical', 'error'],
  flapWindowMs: 5 * 60 * 1000,
};

export function pages(policy: IncidentPolicy, severity: string): boolean {
  return policy.pageSeverities.includes(severity);
}
