// Caps on what one alert carries into its incident. A monitor's payload may hold a megabyte-long
// annotation or thousands of labels, and an incident keeps every alert it has seen (in its state, its
// Temporal history and every read of it), so one such alert would weigh on all of them. PagerDuty itself
// cuts a summary at 1,024 characters. A cut value ends by saying how much was cut; an alert within the
// caps is passed on as it is.
import { createHash } from 'node:crypto';
import type { Alert, AlertLinks } from '../../domain/alert';

export const ALERT_BOUNDS = {
  summary: 1024,
  labelValue: 1024,
  annotationValue: 4096,
  link: 2048,
  /** Label or annotation names. */
  name: 256,
  /** Labels, and annotations, kept per alert (the first ones, in the sender's order). */
  entries: 100,
  /** Longer occurrence keys (a sender's huge id) are replaced by their SHA-256, which still tells them apart. */
  occurrenceKey: 512,
} as const;

/** The annotation that says what was left out of an alert. */
export const LEFT_OUT_ANNOTATION = 'firebreak_left_out';

export function boundAlert(alert: Alert): Alert {
  if (withinBounds(alert)) return alert;
  const labels = boundMap(alert.labels, ALERT_BOUNDS.labelValue);
  const annotations = boundMap(alert.annotations, ALERT_BOUNDS.annotationValue);
  const leftOut = [
    labels.dropped ? `${labels.dropped} label(s)` : '',
    annotations.dropped ? `${annotations.dropped} annotation(s)` : '',
  ].filter(Boolean);
  if (leftOut.length > 0)
    annotations.kept[LEFT_OUT_ANNOTATION] =
      `${leftOut.join(' and ')} beyond the first ${ALERT_BOUNDS.entries} left out by Firebreak`;
  return {
    ...alert,
    summary: cut(alert.summary, ALERT_BOUNDS.summary),
    labels: labels.kept,
    annotations: annotations.kept,
    links: boundLinks(alert.links),
    occurrenceKey:
      alert.occurrenceKey.length <= ALERT_BOUNDS.occurrenceKey
        ? alert.occurrenceKey
        : `sha256:${createHash('sha256').update(alert.occurrenceKey).digest('hex')}`,
  };
}

/** The common case, checked without copying anything. */
function withinBounds(alert: Alert): boolean {
  return (
    alert.summary.length <= ALERT_BOUNDS.summary &&
    alert.occurrenceKey.length <= ALERT_BOUNDS.occurrenceKey &&
    mapWithin(alert.labels, ALERT_BOUNDS.labelValue) &&
    mapWithin(alert.annotations, ALERT_BOUNDS.annotationValue) &&
    Object.values(alert.links).every((link) => link === undefined || link.length <= ALERT_BOUNDS.link)
  );
}

function mapWithin(map: Record<string, string>, maxValue: number): boolean {
  const entries = Object.entries(map);
  return (
    entries.length <= ALERT_BOUNDS.entries &&
    entries.every(([name, value]) => name.length <= ALERT_BOUNDS.name && value.length <= maxValue)
  );
}

function boundMap(
  map: Record<string, string>,
  maxValue: number,
): { kept: Record<string, string>; dropped: number } {
  const entries = Object.entries(map);
  const kept = entries
    .slice(0, ALERT_BOUNDS.entries)
    .map(([name, value]) => [cut(name, ALERT_BOUNDS.name), cut(value, maxValue)] as const);
  return { kept: Object.fromEntries(kept), dropped: Math.max(0, entries.length - ALERT_BOUNDS.entries) };
}

function boundLinks(links: AlertLinks): AlertLinks {
  // A cut URL would lead nowhere: an over-long link is left out instead.
  return Object.fromEntries(
    Object.entries(links).filter(([, link]) => link !== undefined && link.length <= ALERT_BOUNDS.link),
  );
}

/** Room kept at the end of a cut value for the note (47 characters at most). */
const NOTE_ROOM = 48;

/** At most `max` characters, the end saying how many were cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - NOTE_ROOM);
  return `${text.slice(0, keep)}… [${text.length - keep} more characters cut by Firebreak]`;
}
