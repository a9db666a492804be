// A very noisy incident (an alert storm of 400 distinct alerts, one of them flapping) keeps a bounded
// timeline, and its report still says what happened: the kept entries, and how many were summarized.
import { TIMELINE_LIMITS } from '../../domain/timeline-budget';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const STORM = 400;

function storm(service: string): Record<string, unknown> {
  const one = alertmanagerPayload(service) as { alerts: Array<Record<string, unknown>> };
  const template = one.alerts[0] as Record<string, unknown>;
  return {
    ...one,
    alerts: Array.from({ length: STORM }, (_, i) => ({
      ...template,
      fingerprint: i.toString(16).padStart(16, '0'),
      annotations: { summary: `${service} node ${i} unhealthy` },
    })),
  };
}

describe('a very noisy incident', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('keeps its timeline bounded and its report counts what it summarized', async () => {
    const opened = await h.post('/v1/alerts/alertmanager', storm(h.service));
    expect(opened.status).toBe(202);
    const id = opened.body.incidents[0].id as string;
    // One more alert flaps: resolved and firing again, 20 changes in all (420 alert entries).
    for (let i = 0; i < 20; i += 1) {
      const status = i % 2 === 0 ? 'resolved' : 'firing';
      const flip = await h.post(
        '/v1/alerts/alertmanager',
        alertmanagerPayload(h.service, { status, fingerprint: 'f1a99ff1a99f0001', summary: 'flappy check' }),
      );
      expect(flip.status).toBe(202);
    }
    const state = await h.waitForState(
      id,
      (s) =>
        s.times.paged !== null &&
        Object.values(s.timelineOmitted ?? {}).reduce((n, row) => n + row.count, 0) >=
          STORM + 20 - TIMELINE_LIMITS.perKind,
      'the storm and the flaps applied',
    );
    const alertEntries = state.timeline.filter((e) => e.kind === 'alert');
    expect(alertEntries).toHaveLength(TIMELINE_LIMITS.perKind);
    expect(state.timeline.length).toBeLessThan(TIMELINE_LIMITS.perKind + 50);
    expect(state.alerts).toMatchObject({ total: STORM + 1 });
    // Nothing the report needs was lost: the page is there, and so is the first alert.
    expect(state.timeline.filter((e) => e.kind === 'paged')).toHaveLength(1);

    const resolved = await h.post(`/v1/incidents/${id}/actions`, {
      action: 'resolve',
      by: 'ada',
      resolution: 'node pool replaced',
    });
    expect(resolved.status).toBe(200);
    const markdown = (await h.get(`/v1/incidents/${id}/report?format=md`)).text;
    const summarized = /\| alert \| \((\d+) more, summarized\) \|/.exec(markdown);
    expect(Number(summarized?.[1])).toBe(STORM + 20 - TIMELINE_LIMITS.perKind);
    expect(markdown).toContain('- **Resolution:** node pool replaced');
  });
});
