// What a report reads out of the timeline beyond the state's own fields: who did what, the safety
// warnings, the deploy freeze, and every link an entry carried. Generic over entry kinds, so steps
// added later (hotfixes, tickets, notifications) show up without changes here.
import type { Actor } from './actions';
import type { TimelineEntry } from './incident';

export interface ParticipantActivity {
  by: string;
  channel: string;
  entries: Array<{ at: string; kind: string; message: string }>;
}

export interface ReportLink {
  /** The timeline entry's kind that carried it (e.g. `mitigated` for a build URL). */
  label: string;
  url: string;
}

export interface TimelineNote {
  at: string;
  message: string;
}

export interface FreezePeriod {
  on: string;
  off: string | null;
  reason: string;
}

/** People and outside systems that acted, in order of their first action; the engine's own steps are left out. */
export function participants(timeline: TimelineEntry[]): ParticipantActivity[] {
  const byPerson = new Map<string, ParticipantActivity>();
  for (const entry of timeline) {
    if (!isPerson(entry.actor)) continue;
    const key = `${entry.actor.by}\u0000${entry.actor.channel}`;
    let activity = byPerson.get(key);
    if (!activity) {
      activity = { by: entry.actor.by, channel: entry.actor.channel, entries: [] };
      byPerson.set(key, activity);
    }
    activity.entries.push({ at: entry.at, kind: entry.kind, message: entry.message });
  }
  return [...byPerson.values()];
}

function isPerson(actor: Actor): boolean {
  return actor.channel !== 'workflow';
}

export function entriesOfKind(timeline: TimelineEntry[], kind: string): TimelineNote[] {
  return timeline.filter((e) => e.kind === kind).map((e) => ({ at: e.at, message: e.message }));
}

/** Freeze on/off entries paired into periods; a freeze still on has `off: null`. */
export function freezePeriods(timeline: TimelineEntry[]): FreezePeriod[] {
  const periods: FreezePeriod[] = [];
  for (const entry of timeline) {
    if (entry.kind === 'freeze-on') periods.push({ on: entry.at, off: null, reason: entry.message });
    const open = periods.at(-1);
    if (entry.kind === 'freeze-off' && open && open.off === null) open.off = entry.at;
  }
  return periods;
}

/** Every http(s) URL an entry's data carried (build, PagerDuty incident, compare, ticket…), once each. */
export function timelineLinks(timeline: TimelineEntry[]): ReportLink[] {
  const seen = new Set<string>();
  const links: ReportLink[] = [];
  for (const entry of timeline) {
    for (const value of Object.values(entry.data ?? {})) {
      if (typeof value !== 'string' || !/^https?:\/\//i.test(value) || seen.has(value)) continue;
      seen.add(value);
      links.push({ label: entry.kind, url: value });
    }
  }
  return links;
}

/** Follow-ups may be plain text or records with a text field (hotfix skipped checks); shown as text. */
export function followUpText(followUp: unknown): string {
  if (typeof followUp === 'string') return followUp;
  if (followUp && typeof followUp === 'object') {
    const record = followUp as Record<string, unknown>;
    for (const key of ['text', 'message', 'summary', 'what'])
      if (typeof record[key] === 'string') return record[key] as string;
  }
  return JSON.stringify(followUp);
}
