// The intake journal: every accepted alert batch is written to a local file before the sender gets its
// 202, and marked done once Temporal has it. If the API process dies in between, the next start replays
// what was not yet handed over. This is what lets intake answer a storm at disk speed instead of at
// Temporal round-trip speed without losing an alert.
//
// Durability matches the embedded Temporal server's SQLite (WAL, synchronous=NORMAL): a written entry
// survives the process crashing; the file is fsync'd every SYNC_INTERVAL_MS (off the event loop), so an
// operating-system crash loses at most that much. `sync: 'always'` fsyncs before every answer instead.
import {
  closeSync,
  fdatasync,
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

/** What one journal line keeps of an accepted batch. */
interface StoredEntry {
  seq: number;
  group: string;
  service: string;
  batch: AlertBatch;
}

export interface JournalEntry extends StoredEntry {
  /** The size of its journal line, which the forwarder's byte cap counts (known once it is written). */
  bytes: number;
}

type Line = { entry: StoredEntry } | { done: number[] };

/** `interval`: fsync every SYNC_INTERVAL_MS; `always`: fsync before a sender is answered. */
export type JournalSync = 'interval' | 'always';

const SYNC_INTERVAL_MS = 200;

/** Once everything is handed over and the file is this big, it starts afresh. */
const COMPACT_AT_BYTES = 8 * 1024 * 1024;

export class IntakeJournal {
  private readonly fd: number;
  private nextSeq: number;
  private readonly pending = new Map<number, JournalEntry>();
  private buffered: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushScheduled = false;
  private syncing = false;
  private dirty = false;
  /** After close nothing more is written: a done mark that arrives late only means a harmless replay. */
  private closed = false;
  private readonly syncTimer: NodeJS.Timeout;

  private constructor(
    readonly file: string,
    recovered: { pending: JournalEntry[]; lastSeq: number },
    private readonly mode: JournalSync,
  ) {
    this.fd = openSync(file, 'a');
    this.syncTimer = setInterval(() => this.dirty && !this.syncing && this.sync(), SYNC_INTERVAL_MS);
    this.syncTimer.unref();
    for (const entry of recovered.pending) this.pending.set(entry.seq, entry);
    this.nextSeq = recovered.lastSeq + 1;
  }

  /** Opens (or creates) the journal; entries a previous process did not hand over are pending again. */
  static open(dir: string, mode: JournalSync = 'interval', name = 'intake.journal'): IntakeJournal {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    return new IntakeJournal(file, readPending(file), mode);
  }

  /** Entries not yet handed over to Temporal, oldest first (after a restart: what to replay). */
  unfinished(): JournalEntry[] {
    return [...this.pending.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Durably records a batch; resolves once it is on disk. */
  async append(group: string, service: string, batch: AlertBatch): Promise<JournalEntry> {
    if (this.closed) throw new Error('the intake journal is closed (shutting down)');
    const stored: StoredEntry = { seq: this.nextSeq++, group, service, batch };
    const line = `${JSON.stringify({ entry: stored } satisfies Line)}\n`;
    const entry: JournalEntry = { ...stored, bytes: Buffer.byteLength(line) };
    this.pending.set(entry.seq, entry);
    this.buffered.push(line);
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
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    // A last synchronous flush: whatever is still buffered reaches the disk before the file closes.
    const waiters = this.waiters.splice(0);
    if (this.buffered.length > 0) writeSync(this.fd, this.buffered.splice(0).join(''));
    fdatasyncSync(this.fd);
    for (const waiter of waiters) waiter.resolve();
    closeSync(this.fd);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.syncing || this.closed) return;
    this.flushScheduled = true;
    // One write and one fsync for everything appended meanwhile (group commit); the fsync runs off the
    // event loop, and whatever arrives while it runs goes in the next one.
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.closed) this.flush();
    });
  }

  private flush(): void {
    const waiters = this.waiters.splice(0);
    try {
      if (this.buffered.length > 0) writeSync(this.fd, this.buffered.splice(0).join(''));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    this.dirty = true;
    if (waiters.length === 0 || this.mode === 'interval') {
      for (const waiter of waiters) waiter.resolve();
      this.compactIfIdle();
      return;
    }
    this.syncing = true;
    this.sync((error) => {
      this.syncing = false;
      // Closed meanwhile: close() wrote and fsync'd everything itself.
      if (this.closed) return waiters.forEach((waiter) => waiter.resolve());
      for (const waiter of waiters) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      if (!error) this.compactIfIdle();
      if (this.buffered.length > 0 || this.waiters.length > 0) this.scheduleFlush();
    });
  }

  /** fsync off the event loop; concurrent requests share one. */
  private sync(done: (error: NodeJS.ErrnoException | null) => void = () => undefined): void {
    this.dirty = false;
    fdatasync(this.fd, done);
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
      // The line and its newline, as append counted it.
      pending.set(parsed.entry.seq, { ...parsed.entry, bytes: Buffer.byteLength(line) + 1 });
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
