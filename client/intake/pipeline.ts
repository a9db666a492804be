// Where an accepted delivery goes: into the journal (durable before the 202), then to the group's
// incident through the forwarder. A sender waits for the incident's answer only when Firebreak does not
// already know the group's open incident; in a storm it is answered as soon as its alerts are on disk.
import type { AlertBatch } from '../../domain/alert';
import type { IncidentService, IntakeResult } from '../incidents';
import { GroupForwarder } from './forwarder';
import type { AlertGroup } from './intake';
import { IntakeJournal } from './journal';

/** What a sender is told for one group of its delivery. */
export interface IntakeAnswer {
  group: string;
  /** The incident; null when Temporal did not answer in time (the alerts are journaled and will arrive). */
  id: string | null;
  status: IntakeResult['status'] | 'accepted';
  new: boolean | null;
}

export interface PipelineOptions {
  /** How long a sender waits for the incident's answer before it is told `accepted`. */
  answerWithinMs?: number;
  /** How long a group's known incident is trusted for answering without waiting. */
  knownForMs?: number;
  log?: (message: string) => void;
  /** How long a busy group waits between hand-offs to gather alerts (default: CALM_ or STORM_LINGER_MS). */
  lingerMs?: number;
}

/**
 * A group that hands off twice within its linger hands off at most that often from then on (its first
 * alerts go at once). Every hand-off is a signal, and each costs the worker and Temporal a workflow task:
 * while the intake is in a storm the linger is longer, since at 2 s a 10,000-alert storm for 100 groups
 * sent about 750 of them and their CPU was the intake's. Calm, a quick follow-up (a resolve after a fire)
 * still arrives within CALM_LINGER_MS.
 */
export const CALM_LINGER_MS = 2000;
export const STORM_LINGER_MS = 5000;
/** The intake counts as in a storm this long after it last saw one. */
const STORM_LASTS_MS = 5000;

/** This many deliveries in progress at once means a storm: answer from the journal, do not wait. */
const STORM_CONCURRENCY = 4;

interface Known {
  id: string;
  at: number;
}

export class IntakePipeline {
  private readonly forwarder: GroupForwarder;
  private readonly known = new Map<string, Known>();
  private readonly answerWithinMs: number;
  private readonly knownForMs: number;
  /** Deliveries accepted but not yet answered. */
  private inProgress = 0;
  /** Calm deliveries waiting for their incident's answer: a storm that begins answers them at once. */
  private readonly calmWaiters = new Set<() => void>();
  private stormSeenAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly journal: IntakeJournal,
    incidents: Pick<IncidentService, 'ingest' | 'caughtUp'>,
    options: PipelineOptions = {},
  ) {
    this.answerWithinMs = options.answerWithinMs ?? 2000;
    this.knownForMs = options.knownForMs ?? 5000;
    const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
    this.forwarder = new GroupForwarder({
      deliver: (group, service, batch) => incidents.ingest(group, service, batch),
      caughtUp: (group) => incidents.caughtUp(group),
      delivered: (seqs) => this.journal.done(seqs),
      lingerMs: options.lingerMs ?? (() => this.linger()),
      failed: (group, error) =>
        log(`intake: handing alerts of group ${group} to Temporal failed, retrying: ${String(error)}`),
    });
  }

  /** Hands over what a previous process journaled but never delivered. */
  replay(): number {
    const unfinished = this.journal.unfinished();
    for (const entry of unfinished) void this.forward(entry.group, this.forwarder.submit(entry));
    return unfinished.length;
  }

  async accept(groups: AlertGroup[], base: Omit<AlertBatch, 'alerts'>): Promise<IntakeAnswer[]> {
    // Decided on arrival: with several deliveries already in progress, this is a storm.
    // Once seen, a storm lasts a while: between its bursts fewer deliveries are in progress at once.
    const busy = this.inProgress >= STORM_CONCURRENCY;
    if (busy) {
      this.stormSeenAt = Date.now();
      this.releaseCalmWaiters();
    }
    const storm = busy || this.inStorm();
    this.inProgress += 1;
    try {
      const entries = await Promise.all(
        groups.map((g) => this.journal.append(g.group, g.service, { ...base, alerts: g.alerts })),
      );
      return await Promise.all(
        entries.map((entry) =>
          this.answer(entry.group, storm, this.forward(entry.group, this.forwarder.submit(entry))),
        ),
      );
    } finally {
      this.inProgress -= 1;
    }
  }

  stop(): void {
    this.forwarder.stop();
    this.journal.close();
  }

  private forward(group: string, delivered: Promise<IntakeResult>): Promise<IntakeResult> {
    return delivered.then((result) => {
      this.known.set(group, { id: result.id, at: Date.now() });
      return result;
    });
  }

  /**
   * In a storm the sender is answered as soon as its alerts are journaled, naming the group's incident
   * as last known (or none yet: `accepted`); otherwise it waits for the incident's own answer.
   */
  private async answer(
    group: string,
    storm: boolean,
    delivered: Promise<IntakeResult>,
  ): Promise<IntakeAnswer> {
    if (storm) return this.fromJournal(group);
    let timer: NodeJS.Timeout | undefined;
    let release: () => void = () => undefined;
    const stopWaiting = new Promise<'storm' | 'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.answerWithinMs);
      release = () => resolve('storm');
      this.calmWaiters.add(release);
    });
    const result = await Promise.race([delivered, stopWaiting]);
    clearTimeout(timer);
    this.calmWaiters.delete(release);
    if (result === 'storm') return this.fromJournal(group);
    // Too late: the incident may be a new one, so the group's last known is not named.
    if (result === 'late') return { group, id: null, status: 'accepted', new: null };
    return { group, ...result };
  }

  private inStorm(): boolean {
    return Date.now() - this.stormSeenAt < STORM_LASTS_MS;
  }

  private linger(): number {
    return this.inStorm() ? STORM_LINGER_MS : CALM_LINGER_MS;
  }

  /** The group's last known incident, or none yet (`accepted`): its alerts are journaled and will arrive. */
  private fromJournal(group: string): IntakeAnswer {
    const known = this.known.get(group);
    if (known && Date.now() - known.at < this.knownForMs)
      return { group, id: known.id, status: 'open', new: false };
    return { group, id: null, status: 'accepted', new: null };
  }

  /** A storm began: the senders still waiting for Temporal are answered now, so they can send on. */
  private releaseCalmWaiters(): void {
    for (const release of this.calmWaiters) release();
    this.calmWaiters.clear();
  }
}
