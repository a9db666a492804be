// Hands journaled alert batches to their incidents, one group at a time and in order. Whatever arrives
// for a group while its previous hand-off is in flight goes together in the next one, so a storm costs
// a few Temporal round trips per group instead of one per alert. A group handed off twice within
// `lingerMs` is in a storm: from then on it hands off at most once per `lingerMs` (its first alert, and
// a quick second one, still go at once). A failed hand-off is retried with backoff, never dropped: the
// journal keeps the batches until Temporal has them. A group hands its incident at most 1 MiB that the
// incident has not yet taken (caughtUp), so Temporal never buffers enough of it to force-fail a task.
import type { AlertBatch } from '../../domain/alert';
import type { IntakeResult } from '../incidents';
import type { JournalEntry } from './journal';

export type Deliver = (group: string, service: string, batch: AlertBatch) => Promise<IntakeResult>;
/** Resolves once the group's incident has taken every hand-off so far (never rejects). */
export type CaughtUp = (group: string) => Promise<void>;

interface Queued {
  entry: JournalEntry;
  resolve: (result: IntakeResult) => void;
}

interface GroupQueue {
  service: string;
  queued: Queued[];
  running: boolean;
  /** Alerts and journal bytes of what is queued, kept as it changes (checked on every submit). */
  alerts: number;
  bytes: number;
  /** Set while the group lingers: ends the wait early once a full hand-off is waiting. */
  wake: (() => void) | null;
}

/** A group's last hand-off, kept a while after its queue empties: the next one may be part of a storm. */
interface LastHandoff {
  at: number;
  storm: boolean;
  /** Bytes handed off since the incident last said it had caught up (kept while the queue comes and goes). */
  untaken: number;
}

/** Past this many remembered groups, the ones quiet for longer than the linger are forgotten. */
const REMEMBERED_GROUPS = 10_000;

export interface ForwarderOptions {
  deliver: Deliver;
  /** Asked before a hand-off would leave more than `maxUntakenBytes` with the incident (none: never waits). */
  caughtUp?: CaughtUp;
  /** Most bytes handed to a group's incident before it has taken them (default MAX_UNTAKEN_BYTES). */
  maxUntakenBytes?: number;
  /** Called once batches are safely in Temporal (the journal marks them done). */
  delivered: (seqs: number[]) => void;
  /** Called when a hand-off fails; it is retried. */
  failed?: (group: string, error: unknown) => void;
  retryInitialMs?: number;
  /** In a storm, a group's hand-offs are at least this far apart, so each gathers many alerts (asked anew each time). */
  lingerMs?: number | (() => number);
  retryMaxMs?: number;
  /** At most this many alerts per hand-off (default MAX_ALERTS_PER_HANDOFF). */
  maxAlertsPerHandoff?: number;
  /** At most this many bytes of journal lines per hand-off (default MAX_HANDOFF_BYTES). */
  maxHandoffBytes?: number;
}

/**
 * A hand-off is one signal, and Temporal refuses payloads over 2 MB ("Blob data size exceeds limit"): a
 * storm on one group must travel in several hand-offs, or its alerts would never leave the journal. An
 * alert is well under 1 KB of JSON, so 1,000 of them stay far below the limit.
 */
export const MAX_ALERTS_PER_HANDOFF = 1000;

/**
 * Fat alerts (long annotations, many labels) reach the 2 MB limit before the alert cap: a hand-off also
 * stops at 1 MiB. A refused hand-off would be retried for ever and its group's alerts never arrive. One
 * delivery always goes, however big: the API's 1 MiB body limit keeps it under the limit.
 */
export const MAX_HANDOFF_BYTES = 1024 * 1024;

/**
 * Temporal buffers the signals that reach a workflow while one of its tasks is open, and past 2 MB of them
 * it force-fails that task (WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND). The page's local activities
 * hold the incident's first task open for a second or more, and a storm on its group can send megabytes
 * meanwhile. The SDK then mishandles the replacement task of the cached run, and alerts went missing from
 * the live incident (tests/integration/storm-while-paging.test.ts). Half the limit leaves room for the
 * incident's other signals and activity results.
 */
export const MAX_UNTAKEN_BYTES = 1024 * 1024;

export class GroupForwarder {
  private readonly queues = new Map<string, GroupQueue>();
  private readonly lastHandoffs = new Map<string, LastHandoff>();
  private stopped = false;

  constructor(private readonly options: ForwarderOptions) {}

  /** Queues a journaled batch; resolves when its group's incident has it. */
  submit(entry: JournalEntry): Promise<IntakeResult> {
    return new Promise((resolve) => {
      const queue = this.queues.get(entry.group) ?? {
        service: entry.service,
        queued: [],
        running: false,
        alerts: 0,
        bytes: 0,
        wake: null,
      };
      this.queues.set(entry.group, queue);
      this.enqueue(queue, [{ entry, resolve }], 'end');
      if (!queue.running) void this.run(entry.group, queue);
      else if (queue.wake && this.fullHandoffWaiting(queue)) queue.wake();
    });
  }

  /** Groups with batches not yet handed over. */
  get pendingGroups(): number {
    return this.queues.size;
  }

  /** Stops retrying (shutdown): what is not handed over stays in the journal for the next start. */
  stop(): void {
    this.stopped = true;
    for (const queue of this.queues.values()) queue.wake?.();
  }

  /** The queued batches the next hand-off takes (at least one, then up to the alert and byte caps), and their bytes. */
  private nextHandoff(queued: Queued[]): { count: number; bytes: number } {
    const cap = this.options.maxAlertsPerHandoff ?? MAX_ALERTS_PER_HANDOFF;
    const byteCap = this.options.maxHandoffBytes ?? MAX_HANDOFF_BYTES;
    let alerts = 0;
    let bytes = 0;
    let count = 0;
    for (const q of queued) {
      if (count > 0 && (alerts + q.entry.batch.alerts.length > cap || bytes + q.entry.bytes > byteCap)) break;
      alerts += q.entry.batch.alerts.length;
      bytes += q.entry.bytes;
      count += 1;
    }
    return { count, bytes };
  }

  private async run(group: string, queue: GroupQueue): Promise<void> {
    queue.running = true;
    let delay = this.options.retryInitialMs ?? 200;
    while (queue.queued.length > 0 && !this.stopped) {
      const holdUntil = this.stormHoldUntil(group);
      if (holdUntil > 0) {
        await this.holdUntil(holdUntil, queue);
        if (this.stopped) break;
        this.remember(group, { at: Date.now(), storm: true });
      }
      // Only awaited when it must wait: a hand-off that may go at once goes in the same turn.
      if (this.mustWaitUntilTaken(group, this.nextHandoff(queue.queued).bytes)) {
        await this.waitUntilTaken(group);
        if (this.stopped) break;
      }
      const { taken, bytes } = this.take(queue);
      try {
        const result = await this.options.deliver(
          group,
          queue.service,
          mergeBatches(taken.map((q) => q.entry.batch)),
        );
        this.handedOff(group, bytes);
        this.options.delivered(taken.map((q) => q.entry.seq));
        taken.forEach((q, i) => q.resolve(i === 0 ? result : { ...result, new: false, status: 'open' }));
        delay = this.options.retryInitialMs ?? 200;
      } catch (error) {
        this.options.failed?.(group, error);
        this.enqueue(queue, taken, 'front');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 30_000);
      }
    }
    queue.running = false;
    if (queue.queued.length === 0) this.queues.delete(group);
  }

  /**
   * When the group is in a storm, the time its next hand-off may go: `lingerMs` after its last one, so
   * that it carries everything that arrived meanwhile. Zero otherwise.
   */
  private stormHoldUntil(group: string): number {
    const linger = this.linger();
    const last = this.lastHandoffs.get(group);
    const storm = linger > 0 && last !== undefined && Date.now() - last.at < linger;
    this.remember(group, { at: Date.now(), storm });
    return storm && last.storm ? last.at + linger : 0;
  }

  /** Whether a hand-off of this many bytes would leave the incident holding too much not yet taken. */
  private mustWaitUntilTaken(group: string, bytes: number): boolean {
    const untaken = this.untaken(group);
    const max = this.options.maxUntakenBytes ?? MAX_UNTAKEN_BYTES;
    return this.options.caughtUp !== undefined && untaken > 0 && untaken + bytes > max;
  }

  private async waitUntilTaken(group: string): Promise<void> {
    await this.options.caughtUp?.(group);
    const last = this.lastHandoffs.get(group);
    if (last) last.untaken = 0;
  }

  private handedOff(group: string, bytes: number): void {
    const last = this.lastHandoffs.get(group);
    if (last) last.untaken += bytes;
  }

  private untaken(group: string): number {
    return this.lastHandoffs.get(group)?.untaken ?? 0;
  }

  /** Holds until then, unless a full hand-off is waiting (already, or once a submit makes one). */
  private async holdUntil(until: number, queue: GroupQueue): Promise<void> {
    if (this.stopped || this.fullHandoffWaiting(queue)) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, until - Date.now()));
      queue.wake = resolve;
    });
    clearTimeout(timer);
    queue.wake = null;
  }

  /** More is queued than one hand-off takes (the same rule as nextHandoff, from the running totals). */
  private fullHandoffWaiting(queue: GroupQueue): boolean {
    const cap = this.options.maxAlertsPerHandoff ?? MAX_ALERTS_PER_HANDOFF;
    const byteCap = this.options.maxHandoffBytes ?? MAX_HANDOFF_BYTES;
    return queue.queued.length > 1 && (queue.alerts > cap || queue.bytes > byteCap);
  }

  private enqueue(queue: GroupQueue, items: Queued[], where: 'end' | 'front'): void {
    if (where === 'end') queue.queued.push(...items);
    else queue.queued.unshift(...items);
    for (const { entry } of items) {
      queue.alerts += entry.batch.alerts.length;
      queue.bytes += entry.bytes;
    }
  }

  private take(queue: GroupQueue): { taken: Queued[]; bytes: number } {
    const { count, bytes } = this.nextHandoff(queue.queued);
    const taken = queue.queued.splice(0, count);
    for (const { entry } of taken) queue.alerts -= entry.batch.alerts.length;
    queue.bytes -= bytes;
    return { taken, bytes };
  }

  private linger(): number {
    const linger = this.options.lingerMs ?? 0;
    return typeof linger === 'function' ? linger() : linger;
  }

  /** Notes the group's hand-off time and storm state; what its incident has not taken carries over. */
  private remember(group: string, handoff: Omit<LastHandoff, 'untaken'>): void {
    const untaken = this.lastHandoffs.get(group)?.untaken ?? 0;
    this.lastHandoffs.set(group, { ...handoff, untaken });
    if (this.lastHandoffs.size <= REMEMBERED_GROUPS) return;
    const linger = this.linger();
    for (const [name, { at }] of this.lastHandoffs) {
      if (handoff.at - at >= linger) this.lastHandoffs.delete(name);
    }
  }
}

/** One batch from several, named after the first: only it can have opened the incident. */
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
