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
