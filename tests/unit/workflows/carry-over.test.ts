// Alerts that fired while an incident closed travel to the group's next incident in one payload: repeats
// collapse to each alert's last state, and past the budget the rest are counted instead of carried.
import type { Alert, AlertBatch } from '../../../domain/alert';
import { utf8Bytes } from '../../../domain/incident-view';
import { carryOver, CARRY_OVER_BYTES } from '../../../workflows/carry-over';

function alert(n: number, status: Alert['status'] = 'firing', description = ''): Alert {
  return {
    source: 'alertmanager',
    service: 'shop',
    severity: 'critical',
    summary: `node ${n} unhealthy`,
    labels: { instance: `node-${n}` },
    annotations: description ? { description } : {},
    links: {},
    startsAt: '2026-11-20T10:00:00Z',
    endsAt: null,
    status,
    occurrenceKey: `fp${n}`,
  };
}

const batch = (id: string, alerts: Alert[], truncated = 0): AlertBatch => ({
  deliveryId: id,
  receivedAt: '2026-11-20T10:30:00.000Z',
  alerts,
  truncated,
});

describe('carrying alerts over to the next incident', () => {
  test('a few late alerts travel as they came', () => {
    const late = [batch('d1', [alert(1), alert(2)]), batch('d2', [alert(3)])];
    expect(carryOver(late)).toEqual({ carriedOver: late });
  });

  test('a repeated alert travels once, in its last state', () => {
    const late = [batch('d1', [alert(1), alert(2)]), batch('d2', [alert(1, 'resolved')])];
    expect(carryOver(late).carriedOver).toEqual([
      batch('d1', [alert(2)]),
      batch('d2', [alert(1, 'resolved')]),
    ]);
  });

  test('a storm while closing carries what fits in the budget and counts the rest', () => {
    const fat = 'x'.repeat(2_000);
    const late = Array.from({ length: 10 }, (_, d) =>
      batch(
        `d${d}`,
        Array.from({ length: 1_000 }, (_, i) => alert(d * 1_000 + i, 'firing', fat)),
      ),
    );
    const { carriedOver, leftOutOfCarryOver } = carryOver(late);
    const carried = carriedOver.reduce((n, b) => n + b.alerts.length, 0);
    expect(carried + (leftOutOfCarryOver ?? 0)).toBe(10_000);
    expect(leftOutOfCarryOver).toBeGreaterThan(0);
    expect(utf8Bytes(JSON.stringify(carriedOver))).toBeLessThan(CARRY_OVER_BYTES + 10_000);
  });
});
