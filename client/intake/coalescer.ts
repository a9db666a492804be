// Storm protection: alerts for the same group that arrive while that group's previous hand-off to
// Temporal is still in flight are merged into ONE next hand-off, so a storm costs a few Temporal round
// trips per group instead of one per alert. Each caller still gets its own answer.
import type { AlertBatch } from '../../domain/alert';
import type { IntakeResult } from '../incidents';

export type Deliver = (group: string, service: string, batch: AlertBatch) => Promise<IntakeResult>;

interface Waiting {
  batch: AlertBatch;
  resolve: (result: IntakeResult) => void;
  reject: (error: unknown) => void;
}

interface GroupQueue {
  service: string;
  inFlight: boolean;
  waiting: Waiting[];
}

export class GroupCoalescer {
  private readonly queues = new Map<string, GroupQueue>();

  constructor(private readonly deliver: Deliver) {}

  submit(group: string, service: string, batch: AlertBatch): Promise<IntakeResult> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(group) ?? { service, inFlight: false, waiting: [] };
      this.queues.set(group, queue);
      queue.waiting.push({ batch, resolve, reject });
      if (!queue.inFlight) void this.flush(group, queue);
    });
  }

  /** Groups with a hand-off in flight or waiting (for tests and metrics). */
  get pendingGroups(): number {
    return this.queues.size;
  }

  private async flush(group: string, queue: GroupQueue): Promise<void> {
    queue.inFlight = true;
    while (queue.waiting.length > 0) {
      const entries = queue.waiting.splice(0);
      const merged = mergeBatches(entries.map((e) => e.batch));
      try {
        const result = await this.deliver(group, queue.service, merged);
        for (const entry of entries) {
          // Only the delivery the merged batch is named after can have opened the incident.
          entry.resolve({
            ...result,
            new: result.new === null ? null : result.new && entry.batch === entries[0]?.batch,
          });
        }
      } catch (error) {
        for (const entry of entries) entry.reject(error);
      }
    }
    queue.inFlight = false;
    this.queues.delete(group);
  }
}

export function mergeBatches(batches: AlertBatch[]): AlertBatch {
  const [first, ...rest] = batches;
  if (!first) throw new Error('nothing to merge');
  if (rest.length === 0) return first;
  return {
    deliveryId: first.deliveryId,
    receivedAt: batches.map((b) => b.receivedAt).sort()[0] ?? first.receivedAt,
    alerts: batches.flatMap((b) => b.alerts),
    truncated: batches.reduce((sum, b) => sum + b.truncated, 0),
  };
}
