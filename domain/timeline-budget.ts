// Keeps the timeline of a very long or very noisy incident bounded (it lives in the workflow's state,
// in every query answer and in the report) without losing what a report needs: the repetitive kinds
// (alert changes, flaps, notifications, vendor chatter) are kept up to a cap per occurrence and per
// kind, and whatever is left out is counted, with its first and last time and the last message.
// Entries that carry the incident's story (pages, acknowledgements, actions, rollbacks, resolution,
// timings) are never left out. Pure: the workflow calls it from record().
import type { TimelineEntry } from './incident';

export interface OmittedEntries {
  kind: string;
  /** The alert occurrence they were about, when they were about one. */
  occurrence: string | null;
  count: number;
  firstAt: string;
  lastAt: string;
  lastMessage: string;
}

export interface TimelineLimits {
  /** Entries kept per kind and occurrence (an alert flipping firing/resolved all night). */
  perOccurrence: number;
  /** Entries kept per repetitive kind, over all occurrences (a storm of distinct alerts). */
  perKind: number;
  /** Past this many entries in all, repetitive kinds are only counted. */
  total: number;
}

export const TIMELINE_LIMITS: TimelineLimits = { perOccurrence: 6, perKind: 300, total: 2000 };

/** Kinds that repeat with the noise of the monitored system, not with what people and the engine decide. */
export const REPETITIVE_KINDS: ReadonlySet<string> = new Set([
  'alert',
  'flap',
  'alerts-truncated',
  'severity-raised',
  'notified',
  'pagerduty',
  'enrichment-warning',
  'optional-step-failed',
]);

export interface BoundedTimeline {
  timeline: TimelineEntry[];
  /** Counts of what was left out, by kind and occurrence; absent until something is. */
  timelineOmitted?: Record<string, OmittedEntries>;
}

/**
 * True when the entry should be added to the timeline; false when it was counted instead. Counting is
 * O(1) per entry from `state.timelineOmitted` and a per-key tally kept alongside it.
 */
export function admitToTimeline(
  state: BoundedTimeline,
  entry: TimelineEntry,
  limits: TimelineLimits = TIMELINE_LIMITS,
): boolean {
  if (!REPETITIVE_KINDS.has(entry.kind)) return true;
  const occurrence = typeof entry.data?.occurrence === 'string' ? entry.data.occurrence : null;
  const kept = keptCounts(state);
  const kindCount = kept.get(entry.kind) ?? 0;
  const occurrenceKey = `${entry.kind}\u0000${occurrence ?? ''}`;
  const occurrenceCount = kept.get(occurrenceKey) ?? 0;
  const over =
    state.timeline.length >= limits.total ||
    kindCount >= limits.perKind ||
    (occurrence !== null && occurrenceCount >= limits.perOccurrence);
  if (!over) {
    kept.set(entry.kind, kindCount + 1);
    if (occurrence !== null) kept.set(occurrenceKey, occurrenceCount + 1);
    return true;
  }
  countOmitted(state, entry, occurrence, kindCount >= limits.perKind);
  return false;
}

/**
 * Past the per-kind cap, occurrences are no longer told apart, so the omitted map stays as small as
 * the kept entries (each kept occurrence has at most one row, plus one row per kind).
 */
function countOmitted(
  state: BoundedTimeline,
  entry: TimelineEntry,
  occurrence: string | null,
  kindFull: boolean,
): void {
  const keptOccurrence = kindFull ? null : occurrence;
  const key = `${entry.kind}\u0000${keptOccurrence ?? ''}`;
  const omitted = (state.timelineOmitted ??= {});
  const row = omitted[key];
  if (!row) {
    omitted[key] = {
      kind: entry.kind,
      occurrence: keptOccurrence,
      count: 1,
      firstAt: entry.at,
      lastAt: entry.at,
      lastMessage: entry.message,
    };
    return;
  }
  row.count += 1;
  if (Date.parse(entry.at) < Date.parse(row.firstAt)) row.firstAt = entry.at;
  if (Date.parse(entry.at) >= Date.parse(row.lastAt)) {
    row.lastAt = entry.at;
    row.lastMessage = entry.message;
  }
}

/** Counts of kept repetitive entries, derived once from the timeline (after a replay or a query) and then kept up to date. */
const tallies = new WeakMap<TimelineEntry[], Map<string, number>>();

function keptCounts(state: BoundedTimeline): Map<string, number> {
  let counts = tallies.get(state.timeline);
  if (counts) return counts;
  counts = new Map();
  for (const entry of state.timeline) {
    if (!REPETITIVE_KINDS.has(entry.kind)) continue;
    counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
    const occurrence = typeof entry.data?.occurrence === 'string' ? entry.data.occurrence : null;
    if (occurrence === null) continue;
    const key = `${entry.kind}\u0000${occurrence}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  tallies.set(state.timeline, counts);
  return counts;
}

/** What was left out, largest first, for the report. */
export function omittedSummary(state: BoundedTimeline): OmittedEntries[] {
  return Object.values(state.timelineOmitted ?? {}).sort((a, b) => b.count - a.count);
}
