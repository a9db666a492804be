// Workers in processes of their own, for tests that SIGKILL one mid-step (tests/support/worker-process.ts
// is the process; this starts and kills it). Configuration goes over FIREBREAK_TEST_WORKER.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { temporalAddress, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../..');

export function startWorkerProcess(h: Harness): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(ROOT, 'tests/support/worker-process.ts')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        FIREBREAK_TEST_WORKER: JSON.stringify({
          config: h.config,
          extras: { ...h.sandbox.extras, jenkinsPollMs: 100 },
          address: temporalAddress(),
          bundlePath: process.env.FIREBREAK_TEST_WORKFLOW_BUNDLE,
        }),
      },
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) resolve(child);
    });
  });
}

/** SIGKILL: no shutdown, no goodbye to Temporal, whatever the worker was doing is cut off. */
export async function killWorker(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
