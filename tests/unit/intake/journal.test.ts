// The intake journal: what was accepted but not yet handed to Temporal survives a process restart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IntakeJournal } from '../../../client/intake/journal';
import type { AlertBatch } from '../../../domain/alert';

const batch = (id: string): AlertBatch => ({
  deliveryId: id,
  receivedAt: '2026-11-20T10:00:00.000Z',
  truncated: 0,
  alerts: [],
});

describe('the intake journal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'firebreak-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a batch appended but never handed over is pending again after a restart', async () => {
    const first = IntakeJournal.open(dir);
    const a = await first.append('g', 's', batch('a'));
    const b = await first.append('g', 's', batch('b'));
    first.done([a.seq]);
    first.close(); // the process "dies" here: b was never handed to Temporal
    const reopened = IntakeJournal.open(dir);
    expect(reopened.unfinished().map((e) => e.batch.deliveryId)).toEqual(['b']);
    const c = await reopened.append('g', 's', batch('c'));
    expect(c.seq).toBeGreaterThan(b.seq);
    reopened.close();
  });

  test('closing with a done mark still to be written keeps the mark and writes nothing after', async () => {
    const journal = IntakeJournal.open(dir);
    const a = await journal.append('g', 's', batch('a'));
    journal.done([a.seq]); // its write is scheduled for the next turn of the event loop
    journal.close();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(journal.append('g', 's', batch('late'))).rejects.toThrow(/closed/);
    expect(IntakeJournal.open(dir).unfinished()).toEqual([]);
  });

  test('an entry is sized by its line, the same when written and when replayed (the hand-off byte cap)', async () => {
    const first = IntakeJournal.open(dir);
    const written = await first.append('g', 's', batch('a'));
    first.close();
    expect(written.bytes).toBe(readFileSync(path.join(dir, 'intake.journal')).length);
    const reopened = IntakeJournal.open(dir);
    expect(reopened.unfinished()[0]?.bytes).toBe(written.bytes);
    reopened.close();
  });

  test('append resolves only after the entry is in the file', async () => {
    const journal = IntakeJournal.open(dir);
    await journal.append('g', 's', batch('durable'));
    expect(readFileSync(journal.file, 'utf8')).toContain('"deliveryId":"durable"');
    journal.close();
  });

  test('a torn last line from a crash mid-write is ignored', async () => {
    const journal = IntakeJournal.open(dir);
    await journal.append('g', 's', batch('whole'));
    journal.close();
    appendFileSync(journal.file, '{"entry":{"seq":2,"gro');
    expect(
      IntakeJournal.open(dir)
        .unfinished()
        .map((e) => e.batch.deliveryId),
    ).toEqual(['whole']);
  });

  test('an empty directory starts an empty journal', () => {
    writeFileSync(path.join(dir, 'unrelated'), 'x');
    expect(IntakeJournal.open(dir).unfinished()).toEqual([]);
  });
});
