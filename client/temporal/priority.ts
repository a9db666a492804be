// CPU priority for the parts of Firebreak that can wait: on one machine, a storm's alerts must be taken
// (journaled and answered) first, and the incidents catch up a moment later. Priority only matters when
// the CPU is contended, so a lowered process costs nothing on an idle machine.
//
// On Linux a priority belongs to each thread, and a thread inherits it only when it starts: lowering a
// running process means lowering each of its threads. Elsewhere a process has one priority.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Lowers a running process, every thread it has now, to `niceness` (0–19; higher waits more). */
export function lowerPriority(pid: number, niceness: number): void {
  if (niceness <= 0) return;
  if (process.platform !== 'linux') return lower(pid, niceness);
  for (const thread of threadsOf(pid)) lower(thread, niceness);
}

/** This process's threads now (Linux; elsewhere none are known). */
export function ownThreads(): Set<number> {
  return new Set(process.platform === 'linux' ? threadsOf(process.pid) : []);
}

/**
 * Lowers the threads this process started since `before` was taken: a part that runs beside the API in
 * one process (the worker's core runtime and workflow thread) yields to it, while the API's own thread,
 * and Node's, keep their priority.
 */
export function lowerThreadsStartedSince(before: Set<number>, niceness: number): void {
  if (niceness <= 0 || before.size === 0) return;
  for (const thread of ownThreads()) if (!before.has(thread)) lower(thread, niceness);
}

function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return []; // The process is gone.
  }
}

function lower(id: number, niceness: number): void {
  try {
    setPriority(id, niceness);
  } catch {
    // Ended meanwhile, or not ours to change: it keeps its priority.
  }
}
