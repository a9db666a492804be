// What a sender is told: the incident's own answer when all is calm, and an answer from the journal at
// once in a storm, including to the calm deliveries still waiting when it begins.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IntakeResult } from '../../../client/incidents';
import type { AlertGroup } from '../../../client/intake/intake';
import { IntakeJournal } from '../../../client/intake/journal';
import { IntakePipeline } from '../../../client/intake/pipeline';
import type { AlertBatch } from '../../../domain/alert';

const group = (n: number, name = 'checkout'): AlertGroup => ({
  group: name,
  service: name,
  alerts: [
    {
      source: 'alertmanager',
      service: name,
      severity: 'critical',
      summary: `host-${n} down`,
      labels: { instance: `host-${n}` },
      annotations: {},
      links: {},
      startsAt: '2026-12-02T10:00:00.000Z',
      endsAt: null,
      status: 'firing',
      occurrenceKey: `k${n}`,
    },
  ],
});

const base = (n: number): Omit<AlertBatch, 'alerts'> => ({
  deliveryId: `d${n}`,
  receivedAt: '2026-12-02T10:00:01.000Z',
  truncated: 0,
});

/** Temporal that takes each hand-off only when the test lets it. */
function heldTemporal(): {
  ingest: () => Promise<IntakeResult>;
  caughtUp: () => Promise<void>;
  release: () => void;
  handoffs: () => number;
} {
  const waiting: Array<() => void> = [];
  let handoffs = 0;
  return {
    ingest: () => {
      handoffs += 1;
      const answer: IntakeResult =
        handoffs === 1
          ? { id: 'checkout-1', status: 'triggered', new: true }
          : { id: 'checkout-1', status: 'open', new: false };
      return new Promise((resolve) => waiting.push(() => resolve(answer)));
    },
    caughtUp: async () => undefined,
    release: () => waiting.splice(0).forEach((go) => go()),
    handoffs: () => handoffs,
  };
}

describe('intake answers', () => {
  let dir: string;
  let pipeline: IntakePipeline;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'firebreak-pipeline-'))));
  afterEach(() => {
    pipeline.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (temporal: ReturnType<typeof heldTemporal>) =>
    (pipeline = new IntakePipeline(IntakeJournal.open(dir), temporal, { lingerMs: 0, log: () => undefined }));

  it('a calm delivery is told the incident Temporal opened for it', async () => {
    const temporal = heldTemporal();
    start(temporal);
    const answer = pipeline.accept([group(1)], base(1));
    await until(() => temporal.handoffs() === 1);
    temporal.release();
    await expect(answer).resolves.toEqual([
      { group: 'checkout', id: 'checkout-1', status: 'triggered', new: true },
    ]);
  });

  it('a calm delivery Temporal is too slow to answer is told accepted, not a group incident that may have closed', async () => {
    const temporal = heldTemporal();
    pipeline = new IntakePipeline(IntakeJournal.open(dir), temporal, {
      lingerMs: 0,
      answerWithinMs: 50,
      log: () => undefined,
    });
    const first = pipeline.accept([group(1)], base(1));
    await until(() => temporal.handoffs() === 1);
    temporal.release();
    await first;
    // The group's incident is known now; the next delivery's hand-off is slow.
    await expect(pipeline.accept([group(2)], base(2))).resolves.toEqual([
      { group: 'checkout', id: null, status: 'accepted', new: null },
    ]);
    temporal.release();
  });

  it('a storm that begins answers the deliveries still waiting, as the storm is answered', async () => {
    const temporal = heldTemporal();
    start(temporal);
    // Group a's incident is known from an earlier delivery.
    const earlier = pipeline.accept([group(0, 'a')], base(0));
    await until(() => temporal.handoffs() === 1);
    temporal.release();
    await earlier;
    // Four calm deliveries wait for Temporal, which is slow to answer.
    const calm = ['a', 'b', 'c', 'd'].map((name, i) => pipeline.accept([group(i + 1, name)], base(i + 1)));
    await until(() => temporal.handoffs() === 5);
    // A fifth at once is a storm: it, and the four still waiting, are answered from the journal.
    await expect(pipeline.accept([group(5, 'e')], base(5))).resolves.toEqual([
      { group: 'e', id: null, status: 'accepted', new: null },
    ]);
    expect((await Promise.all(calm)).flat()).toEqual([
      { group: 'a', id: 'checkout-1', status: 'open', new: false },
      { group: 'b', id: null, status: 'accepted', new: null },
      { group: 'c', id: null, status: 'accepted', new: null },
      { group: 'd', id: null, status: 'accepted', new: null },
    ]);
    temporal.release();
    await until(() => temporal.handoffs() === 6);
    temporal.release();
  });
});

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
