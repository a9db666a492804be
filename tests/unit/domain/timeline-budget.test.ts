// A noisy incident's timeline stays bounded: repetitive entries are kept up to a cap per occurrence
// and per kind, the rest counted with their first and last time; the story entries are always kept.
import type { TimelineEntry } from '../../../domain/incident';
import { admitToTimeline, omittedSummary, type BoundedTimeline } from '../../../domain/timeline-budget';

const LIMITS = { perOccurrence: 3, perKind: 5, total: 20 };

function entry(i: number, kind: string, occurrence?: string): TimelineEntry {
  return {
    at: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(),
    timeSource: 'workflow',
    kind,
    message: `${kind} ${i}`,
    actor: { by: 'monitoring', channel: 'workflow' },
    ...(occurrence ? { data: { occurrence } } : {}),
  };
}

function record(state: BoundedTimeline, e: TimelineEntry): void {
  if (admitToTimeline(state, e, LIMITS)) state.timeline.push(e);
}

describe('the timeline budget', () => {
  test('an alert flipping all night keeps its first changes and counts the rest, with the last one', () => {
    const state: BoundedTimeline = { timeline: [] };
    for (let i = 0; i < 10; i += 1) record(state, entry(i, 'alert', 'flappy'));
    expect(state.timeline).toHaveLength(3);
    expect(omittedSummary(state)).toEqual([
      {
        kind: 'alert',
        occurrence: 'flappy',
        count: 7,
        firstAt: '2026-11-20T10:00:03.000Z',
        lastAt: '2026-11-20T10:00:09.000Z',
        lastMessage: 'alert 9',
      },
    ]);
  });

  test('a storm of distinct alerts keeps the per-kind cap and counts the rest in one row', () => {
    const state: BoundedTimeline = { timeline: [] };
    for (let i = 0; i < 12; i += 1) record(state, entry(i, 'alert', `occurrence-${i}`));
    expect(state.timeline).toHaveLength(5);
    expect(omittedSummary(state)).toMatchObject([{ kind: 'alert', occurrence: null, count: 7 }]);
  });

  test('pages, actions and resolution are never left out, even past the total', () => {
    const state: BoundedTimeline = { timeline: [] };
    for (let i = 0; i < 30; i += 1) record(state, entry(i, 'acknowledged'));
    record(state, entry(31, 'resolved'));
    expect(state.timeline).toHaveLength(31);
    record(state, entry(32, 'notified'));
    expect(state.timeline).toHaveLength(31);
    expect(omittedSummary(state)).toMatchObject([{ kind: 'notified', count: 1 }]);
  });

  test('after a replay or a query the tally is rebuilt from the timeline itself', () => {
    const state: BoundedTimeline = { timeline: [] };
    for (let i = 0; i < 3; i += 1) record(state, entry(i, 'alert', 'k'));
    const copy: BoundedTimeline = { timeline: [...state.timeline] };
    expect(admitToTimeline(copy, entry(9, 'alert', 'k'), LIMITS)).toBe(false);
  });
});
