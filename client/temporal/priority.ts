// CPU priority for the parts of Firebreak that can wait: on one machine, a storm's alerts must be taken
// (journaled and answered) first, and the incidents catch up a moment later. Priority only matters when
// the CPU is contended, so a lowered process costs nothing on an idle machine.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers a running process to `niceness` (0–19, higher waits more). On Linux a priority belongs to each
 * thread, and threads inherit it only when they start, so every thread present is lowered; call it again
 * once the process has started its threads. Failing (the process is gone) is not an error.
 */
export function lowerPriority(pid: number, niceness: number): void {
  if (niceness <= 0) return;
  try {
    if (process.platform !== 'linux') return setPriority(pid, niceness);
    for (const thread of readdirSync(`/proc/${pid}/task`)) setPriority(Number(thread), niceness);
  } catch {
    // Gone already, or not ours to change: it runs at normal priority.
  }
}

/** This process's threads now (Linux; elsewhere none are known, and nothing is lowered). */
export function ownThreads(): Set<number> {
  if (process.platform !== 'linux') return new Set();
  try {
    return new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return new Set();
  }
}

/**
 * Lowers the threads this process started since `before` was taken: a part that runs beside the API in
 * one process (the worker's core runtime and workflow thread) yields to it, while the API's own thread,
 * and Node's, keep their priority. Returns how many were lowered.
 */
export function lowerThreadsStartedSince(before: Set<number>, niceness: number): number {
  if (niceness <= 0 || before.size === 0) return 0;
  let lowered = 0;
  for (const thread of ownThreads()) {
    if (before.has(thread)) continue;
    try {
      setPriority(thread, niceness);
      lowered += 1;
    } catch {
      // Ended meanwhile.
    }
  }
  return lowered;
}
