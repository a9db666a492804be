// What a reader of an open incident gets (the workflow's state query, the API, the CLI, the dashboard,
// the report): the incident's state with its alerts cut to a bounded, most useful selection, and exact
// counts beside them. A storm on one group puts 10,000 alerts in one incident; the whole state would be
// past Temporal's 2 MB payload limit, so the query, and everything built from it, would fail.
// Pure: the workflow's query handler calls it, and so does the report.
//
// The state's other lists, and why they need no cut here: the timeline is bounded where it is written
// (domain/timeline-budget.ts: 2,000 entries); flaps are cut below (each needs monitoring to recover and
// fire again, but a flapping check over a week adds up); rollbacks grow only by a responder's decision
// or the auto-rollback policy, one Jenkins build at a time, each with a console tail capped by
// activities/rollback.ts; follow-ups grow only with failed optional steps, which follow milestones
// and responder commands, not alerts; the enrichment's commits and migrations come from one GitHub
// compare (at most 250 commits and 300 files).
import type { AlertOccurrence, Flap, IncidentState } from './incident';

/**
 * The incident's alerts as readers see them. An object, not an array, on purpose: nobody can take the
 * selection's length for the number of alerts; `total` is that number, and `total = shown + omitted`.
 */
export interface AlertsView {
  /** Every alert occurrence the incident has seen, exactly. */
  total: number;
  firing: number;
  resolved: number;
  /** How many of them `items` holds. */
  shown: number;
  /** How many were left out of `items` (0 for all but very large incidents). */
  omitted: number;
  /**
   * The alerts shown: all of them while the incident is small; past the bounds, the firing ones before
   * the resolved ones, most recently changed first. Always in the order the incident saw them.
   */
  items: AlertOccurrence[];
}

export type IncidentView = Omit<IncidentState, 'alerts' | 'flaps'> & {
  alerts: AlertsView;
  /** The most recent flaps (at most VIEW_LIMITS.flaps); `flapCount` says how many there were. */
  flaps: Flap[];
  flapCount: number;
};

export interface ViewLimits {
  /** Alerts shown at most: enough to read, page through or grep a storm's pattern; the counts say the rest. */
  alerts: number;
  /**
   * UTF-8 bytes the shown alerts may take at most: alert labels and annotations have no size cap at
   * intake (only the 1 MB request), so the count alone does not bound the answer. 500 lean alerts
   * (about 500 bytes each) fit; fat ones (many labels, a long description) are shown fewer, never cut.
   */
  alertBytes: number;
  /** Flaps shown at most: each needs monitoring to recover and fire again, but a week of it adds up. */
  flaps: number;
}

/**
 * A full timeline (2,000 entries) of realistic entries takes about 0.9 MB; with at most 256 KiB of
 * alerts the view stays near 1.2 MB at worst (tests/unit/domain/incident-view.test.ts measures it),
 * well under Temporal's 2 MB.
 */
export const VIEW_LIMITS: ViewLimits = { alerts: 500, alertBytes: 256 * 1024, flaps: 100 };

export function incidentView(state: IncidentState, limits: ViewLimits = VIEW_LIMITS): IncidentView {
  const { alerts, flaps, ...rest } = state;
  const flapList = flaps ?? [];
  return {
    ...rest,
    alerts: alertsView(alerts, limits),
    flaps: flapList.slice(Math.max(0, flapList.length - limits.flaps)),
    flapCount: flapList.length,
  };
}

/** Counts every alert, and selects the ones to show within the limits. */
export function alertsView(
  alerts: AlertOccurrence[],
  limits: Pick<ViewLimits, 'alerts' | 'alertBytes'> = VIEW_LIMITS,
): AlertsView {
  const firing = alerts.filter((o) => o.alert.status === 'firing').length;
  const items = selectAlerts(alerts, limits);
  return {
    total: alerts.length,
    firing,
    resolved: alerts.length - firing,
    shown: items.length,
    omitted: alerts.length - items.length,
    items,
  };
}

/**
 * Firing before resolved (what still hurts), then the most recently changed (what is happening now),
 * taken in that order while they fit, then put back in the incident's order so every reader sees the
 * same sequence whether or not the incident was cut.
 */
function selectAlerts(
  alerts: AlertOccurrence[],
  limits: Pick<ViewLimits, 'alerts' | 'alertBytes'>,
): AlertOccurrence[] {
  const size = (o: AlertOccurrence) => utf8Bytes(JSON.stringify(o));
  if (alerts.length <= limits.alerts && alerts.reduce((sum, o) => sum + size(o), 0) <= limits.alertBytes)
    return alerts;
  const changedAt = alerts.map((o) => Date.parse(o.changedAt));
  const byUse = alerts.map((_, index) => index).sort((a, b) => usefulness(alerts, changedAt, a, b));
  const chosen: number[] = [];
  let bytes = 0;
  let skipped = 0;
  // Sizes are measured only for the alerts considered (at most twice the cap), so a query over 10,000
  // alerts costs milliseconds.
  for (const index of byUse) {
    if (chosen.length >= limits.alerts || skipped >= limits.alerts) break;
    const bytesOfThis = size(alerts[index] as AlertOccurrence);
    // An alert that does not fit is skipped, so one oversized alert cannot crowd out all the others.
    if (bytes + bytesOfThis > limits.alertBytes) {
      skipped += 1;
      continue;
    }
    chosen.push(index);
    bytes += bytesOfThis;
  }
  return chosen.sort((a, b) => a - b).map((index) => alerts[index] as AlertOccurrence);
}

function usefulness(alerts: AlertOccurrence[], changedAt: number[], a: number, b: number): number {
  const firing =
    Number((alerts[b] as AlertOccurrence).alert.status === 'firing') -
    Number((alerts[a] as AlertOccurrence).alert.status === 'firing');
  if (firing !== 0) return firing;
  const changed = (changedAt[b] as number) - (changedAt[a] as number);
  if (changed !== 0 && Number.isFinite(changed)) return changed;
  // Same moment (one delivery): the later arrival is the more recent.
  return b - a;
}

/** The size Temporal counts: JSON is sent as UTF-8, where a character takes one to four bytes. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: one four-byte character.
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}
