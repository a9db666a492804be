// Handing journaled batches to incidents: coalesced per group while a hand-off is in flight, in order,
// and retried (never dropped) when Temporal fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GroupForwarder } from '../../../client/intake/forwarder';
import type { IntakeResult } from '../../../client/incidents';
import { IntakeJournal, type JournalEntry } from '../../../client/intake/journal';
import type { AlertBatch } from '../../../domain/alert';

/** A journaled one-alert batch (its size as the journal would count it). */
const entry = (seq: number, group = 'g'): JournalEntry => {
  const stored = { seq, group, service: 's', batch: batch(seq) };
  return { ...stored, bytes: Buffer.byteLength(`${JSON.stringify({ entry: stored })}\n`) };
};

const batch = (seq: number): AlertBatch => ({
  deliveryId: `d${seq}`,
  receivedAt: `2026-11-20T10:00:0${seq}.000Z`,
  truncated: 0,
  alerts: [
    {
      source: 'generic',
      service: 's',
      severity: 'error',
      summary: `alert ${seq}`,
      labels: {},
      annotations: {},
      links: {},
      startsAt: '2026-11-20T10:00:00.000Z',
      endsAt: null,
      status: 'firing',
      occurrenceKey: `k${seq}`,
    },
  ],
});

const opened = (batch: AlertBatch): IntakeResult => ({
  id: 'g-1',
  status: 'triggered',
  new: batch.deliveryId === 'd1',
});

/**
 * Submits the entries while the first hand-off waits, then lets it go: what each hand-off carried, which
 * journal entries were marked done, what each submitter was answered, and what is still pending.
 */
async function sendWhileFirstHandoffWaits(
  entries: JournalEntry[],
  caps: { maxAlertsPerHandoff?: number; maxHandoffBytes?: number } = {},
): Promise<{ sent: AlertBatch[]; done: number[][]; answers: IntakeResult[]; pendingGroups: number }> {
  const sent: AlertBatch[] = [];
  const done: number[][] = [];
  let release: () => void = () => undefined;
  const forwarder = new GroupForwarder({
    deliver: async (_group, _service, batch) => {
      sent.push(batch);
      if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return opened(batch);
    },
    delivered: (seqs) => done.push(seqs),
    ...caps,
  });
  const results = entries.map((e) => forwarder.submit(e));
  release();
  const answers = await Promise.all(results);
  return { sent, done, answers, pendingGroups: forwarder.pendingGroups };
}

describe('the group forwarder', () => {
  test('a storm on one group travels in hand-offs of at most the alert cap, in order, none lost', async () => {
    const { sent } = await sendWhileFirstHandoffWaits(
      Array.from({ length: 8 }, (_, i) => entry(i + 1)),
      { maxAlertsPerHandoff: 3 },
    );
    expect(sent.map((b) => b.alerts.map((a) => a.occurrenceKey))).toEqual([
      ['k1'],
      ['k2', 'k3', 'k4'],
      ['k5', 'k6', 'k7'],
      ['k8'],
    ]);
  });

  test('fat alerts travel in hand-offs under the byte cap, in order, none lost', async () => {
    // Each alert ~1 KB of JSON, sized by the journal that wrote it: two fit under 3,000 bytes, three do
    // not (the alert cap is far off).
    const dir = mkdtempSync(path.join(tmpdir(), 'firebreak-forwarder-'));
    const journal = IntakeJournal.open(dir);
    const entries: JournalEntry[] = [];
    for (let seq = 1; seq <= 6; seq++) {
      const fat = batch(seq);
      const alert = fat.alerts[0];
      if (alert) alert.annotations = { description: 'x'.repeat(1000) };
      entries.push(await journal.append('g', 's', fat));
    }
    journal.close();
    rmSync(dir, { recursive: true, force: true });
    const { sent } = await sendWhileFirstHandoffWaits(entries, { maxHandoffBytes: 3000 });
    expect(sent.map((b) => b.alerts.map((a) => a.occurrenceKey))).toEqual([
      ['k1'],
      ['k2', 'k3'],
      ['k4', 'k5'],
      ['k6'],
    ]);
    for (const batch of sent) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(3000 + 200);
  });

  test('a group waits for its incident to catch up before it would hold more than the untaken cap', async () => {
    // Room for two one-alert hand-offs untaken: every third waits for the incident. Each is sent on its own,
    // so the group's queue empties between them and what the incident has not taken must be remembered.
    const entries = Array.from({ length: 7 }, (_, i) => entry(i + 1));
    const size = entries[0]?.bytes ?? 0;
    const log: string[] = [];
    const forwarder = new GroupForwarder({
      deliver: async (_group, _service, batch) => {
        log.push(batch.alerts.map((a) => a.occurrenceKey).join());
        return opened(batch);
      },
      caughtUp: async (group) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        log.push(`caught up ${group}`);
      },
      delivered: () => undefined,
      maxUntakenBytes: Math.floor(size * 2.5),
    });
    for (const e of entries) await forwarder.submit(e);
    expect(forwarder.pendingGroups).toBe(0);
    expect(log).toEqual([
      'k1',
      'k2',
      'caught up g',
      'k3',
      'k4',
      'caught up g',
      'k5',
      'k6',
      'caught up g',
      'k7',
    ]);
  });

  test('while one hand-off is in flight, the next batches of the group go as one merged batch', async () => {
    const { sent, done, answers, pendingGroups } = await sendWhileFirstHandoffWaits(
      [1, 2, 3, 4].map((n) => entry(n)),
    );
    expect(sent.map((b) => b.alerts.map((a) => a.occurrenceKey))).toEqual([['k1'], ['k2', 'k3', 'k4']]);
    expect(done).toEqual([[1], [2, 3, 4]]);
    expect(answers.map((a) => a.new)).toEqual([true, false, false, false]);
    expect(pendingGroups).toBe(0);
  });

  test('a lingering group hands off at once when a full hand-off is waiting', async () => {
    const sent: string[][] = [];
    const forwarder = new GroupForwarder({
      deliver: async (_group, _service, batch) => {
        sent.push(batch.alerts.map((a) => a.occurrenceKey));
        return opened(batch);
      },
      delivered: () => undefined,
      lingerMs: 60_000,
      maxAlertsPerHandoff: 2,
    });
    await forwarder.submit(entry(1));
    await forwarder.submit(entry(2)); // a quick second hand-off: the group is in a storm from here on
    void forwarder.submit(entry(3)); // lingers, to gather what follows
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([['k1'], ['k2']]);
    void forwarder.submit(entry(4));
    void forwarder.submit(entry(5)); // more than one hand-off takes: the linger ends now
    const deadline = Date.now() + 1000;
    while (sent.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sent).toEqual([['k1'], ['k2'], ['k3', 'k4']]);
    forwarder.stop(); // k5 lingers; it stays in the journal for the next start
  });

  test('different groups never wait for each other', async () => {
    const sent: string[] = [];
    const forwarder = new GroupForwarder({
      deliver: async (group) => {
        sent.push(group);
        return { id: group, status: 'triggered', new: true };
      },
      delivered: () => undefined,
    });
    await Promise.all([forwarder.submit(entry(1, 'a')), forwarder.submit(entry(2, 'b'))]);
    expect(sent.sort()).toEqual(['a', 'b']);
  });

  test('a failed hand-off is retried until it succeeds, keeping the order of the group', async () => {
    const sent: string[][] = [];
    let failures = 2;
    const forwarder = new GroupForwarder({
      deliver: async (_group, _service, batch) => {
        if (failures-- > 0) throw new Error('Temporal unavailable');
        sent.push(batch.alerts.map((a) => a.occurrenceKey));
        return opened(batch);
      },
      delivered: () => undefined,
      retryInitialMs: 5,
    });
    const first = forwarder.submit(entry(1));
    const second = forwarder.submit(entry(2));
    await Promise.all([first, second]);
    expect(sent.flat()).toEqual(['k1', 'k2']);
  });
});
