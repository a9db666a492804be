// The parts of Firebreak that can wait run at a lower CPU priority: every thread of the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { lowerPriority, lowerThreadsStartedSince, ownThreads } from '../../../client/temporal/priority';

/** A thread's nice value, from /proc (field 19 of its stat line). */
function niceOf(pid: number, thread: number | string): number {
  const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

function niceOfThreads(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((thread) => niceOf(pid, thread));
}

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('lowering a process priority', () => {
  let child: ChildProcess;
  beforeEach(async () => {
    // Node starts several threads of its own (V8 platform, libuv): a multi-threaded process.
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  afterEach(() => {
    child.kill('SIGKILL');
  });

  it('lowers every thread of the process, not only its main one', () => {
    lowerPriority(child.pid as number, 7);
    const nice = niceOfThreads(child.pid as number);
    expect(nice.length).toBeGreaterThan(1);
    expect(new Set(nice)).toEqual(new Set([7]));
  });

  it('leaves the process alone at niceness 0', () => {
    const before = niceOfThreads(child.pid as number);
    lowerPriority(child.pid as number, 0);
    expect(niceOfThreads(child.pid as number)).toEqual(before);
  });

  it('ignores a process that is already gone', () => {
    expect(() => lowerPriority(2 ** 22 + 12345, 7)).not.toThrow();
  });
});

linux('lowering the threads a part of this process started', () => {
  it('lowers the new threads and leaves the ones before, this one included', async () => {
    // Node's thread pool started first, as the engine does: only the new thread is lowered, and this test
    // process's own pool keeps its priority for the tests after it.
    await access(process.cwd());
    const before = ownThreads();
    const mainNice = niceOf(process.pid, process.pid);
    const thread = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => thread.once('online', resolve));
    try {
      lowerThreadsStartedSince(before, 7);
      const started = [...ownThreads()].filter((t) => !before.has(t));
      expect(started.length).toBeGreaterThan(0);
      expect(started.map((t) => niceOf(process.pid, t))).toEqual(started.map(() => 7));
      expect(niceOf(process.pid, process.pid)).toBe(mainNice);
    } finally {
      await thread.terminate();
    }
  });
});
