// The intake journal: every accepted alert batch is appended to a local file and fsync'd (many requests
// share one fsync) before the sender gets its 202, and marked done once Temporal has it. If the API
// process dies in between, the next start replays what was not yet handed over. This is what lets
// intake answer a storm at disk speed instead of at Temporal round-trip speed without losing an alert.
import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { AlertBatch } from '../../domain/alert';

export interface JournalEntry {
  seq: number;
  group: string;
  service: string;
  batch: AlertBatch;
}

type Line = { entry: JournalEntry } | { done: number[] };

/** Once everything is handed over and the file is this big, it starts afresh. */
const COMPACT_AT_BYTES = 8 * 1024 * 1024;

export class IntakeJournal {
  private readonly fd: number;
  private nextSeq: number;
  private readonly pending = new Map<number, JournalEntry>();
  private buffered: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushScheduled = false;

  private constructor(
    readonly file: string,
    recovered: { pending: JournalEntry[]; lastSeq: number },
  ) {
    this.fd = openSync(file, 'a');
    for (const entry of recovered.pending) this.pending.set(entry.seq, entry);
    this.nextSeq = recovered.lastSeq + 1;
  }

  /** Opens (or creates) the journal; entries a previous process did not hand over are pending again. */
  static open(dir: string, name = 'intake.journal'): IntakeJournal {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    return new IntakeJournal(file, readPending(file));
  }

  /** Entries not yet handed over to Temporal, oldest first (after a restart: what to replay). */
  unfinished(): JournalEntry[] {
    return [...this.pending.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Durably records a batch; resolves once it is on disk. */
  async append(group: string, service: string, batch: AlertBatch): Promise<JournalEntry> {
    const entry: JournalEntry = { seq: this.nextSeq++, group, service, batch };
    this.pending.set(entry.seq, entry);
    this.buffered.push(`${JSON.stringify({ entry } satisfies Line)}\n`);
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.scheduleFlush();
    });
    return entry;
  }

  /** Marks entries handed over. Not fsync'd on its own: a lost mark only means a harmless replay. */
  done(seqs: number[]): void {
    for (const seq of seqs) this.pending.delete(seq);
    this.buffered.push(`${JSON.stringify({ done: seqs } satisfies Line)}\n`);
    this.scheduleFlush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One write and one fsync for everything appended in this turn of the event loop (group commit).
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const waiters = this.waiters.splice(0);
    try {
      if (this.buffered.length > 0) writeSync(this.fd, this.buffered.splice(0).join(''));
      if (waiters.length > 0) fdatasyncSync(this.fd);
      this.compactIfIdle();
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  private compactIfIdle(): void {
    if (this.pending.size === 0 && this.buffered.length === 0 && fstatSync(this.fd).size > COMPACT_AT_BYTES) {
      ftruncateSync(this.fd, 0);
    }
  }
}

function readPending(file: string): { pending: JournalEntry[]; lastSeq: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pending: [], lastSeq: 0 };
    throw error;
  }
  const pending = new Map<number, JournalEntry>();
  let lastSeq = 0;
  for (const line of text.split('\n')) {
    const parsed = parseLine(line);
    if (parsed && 'entry' in parsed) {
      pending.set(parsed.entry.seq, parsed.entry);
      lastSeq = Math.max(lastSeq, parsed.entry.seq);
    }
    if (parsed && 'done' in parsed) for (const seq of parsed.done) pending.delete(seq);
  }
  return { pending: [...pending.values()], lastSeq };
}

/** A torn last line (the process died mid-write, before its fsync and so before any 202) is skipped. */
function parseLine(line: string): Line | null {
  if (!line.trim()) return null;
  try {
    return JSON.parse(line) as Line;
  } catch {
    return null;
  }
}
