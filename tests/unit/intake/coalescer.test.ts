// Storm protection: alerts for a group that arrive while its previous hand-off is in flight travel together.
import { GroupCoalescer } from '../../../client/intake/coalescer';
import type { AlertBatch } from '../../../domain/alert';
import type { IntakeResult } from '../../../client/incidents';

const batch = (n: number): AlertBatch => ({
  deliveryId: `d${n}`,
  receivedAt: `2026-11-20T10:00:0${n}.000Z`,
  truncated: 0,
  alerts: [
    {
      source: 'generic',
      service: 's',
      severity: 'error',
      summary: `alert ${n}`,
      labels: {},
      annotations: {},
      links: {},
      startsAt: '2026-11-20T10:00:00.000Z',
      endsAt: null,
      status: 'firing',
      occurrenceKey: `k${n}`,
    },
  ],
});

describe('the group coalescer', () => {
  test('while one hand-off is in flight, the next ones for the group go as one merged batch', async () => {
    const sent: AlertBatch[] = [];
    let release: () => void = () => undefined;
    const coalescer = new GroupCoalescer(async (_group, _service, b) => {
      sent.push(b);
      if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return { id: 'g-1', status: 'paged', new: b.deliveryId === 'd1' } satisfies IntakeResult;
    });
    const first = coalescer.submit('g', 's', batch(1));
    const others = [2, 3, 4].map((n) => coalescer.submit('g', 's', batch(n)));
    release();
    const results = await Promise.all([first, ...others]);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.alerts.map((a) => a.occurrenceKey)).toEqual(['k2', 'k3', 'k4']);
    expect(results.map((r) => r.new)).toEqual([true, false, false, false]);
    expect(coalescer.pendingGroups).toBe(0);
  });

  test('different groups never wait for each other', async () => {
    const sent: string[] = [];
    const coalescer = new GroupCoalescer(async (group) => {
      sent.push(group);
      return { id: group, status: 'paged', new: true };
    });
    await Promise.all([coalescer.submit('a', 's', batch(1)), coalescer.submit('b', 's', batch(2))]);
    expect(sent.sort()).toEqual(['a', 'b']);
  });

  test('a failed hand-off fails every caller in it, and the next one is tried afresh', async () => {
    let calls = 0;
    const coalescer = new GroupCoalescer(async () => {
      calls += 1;
      if (calls === 1) throw new Error('Temporal unavailable');
      return { id: 'g', status: 'paged', new: false };
    });
    await expect(coalescer.submit('g', 's', batch(1))).rejects.toThrow('Temporal unavailable');
    await expect(coalescer.submit('g', 's', batch(2))).resolves.toMatchObject({ id: 'g' });
  });
});
