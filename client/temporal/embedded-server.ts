// The one-machine default: a `temporal server start-dev` child process with its state in a SQLite
// file under the data folder (WAL on), bound to loopback, web UI on. Stopped with SIGTERM, then
// SIGKILL if it does not go within a few seconds, so no process is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from './binaries';
import { lowerPriority } from './priority';

export interface EmbeddedServerOptions {
  dataDir: string;
  port: number;
  /** Web UI port; 0 turns the UI off. */
  uiPort: number;
  namespace: string;
  /** Where the server's own log goes (it is noisy at info level). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** In-memory instead of the SQLite file (tests). */
  ephemeral?: boolean;
  /** Run it at this lower CPU priority (nice; 0 leaves it alone): see client/temporal/priority.ts. */
  niceness?: number;
}

export interface EmbeddedServer {
  address: string;
  uiUrl: string | null;
  /** The server's process id (benchmarks read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const args = serverArgs(options);
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = `127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitUntilReady(address, exited);
    // Lowered once it runs: its start-up (a few seconds of CPU) is not delayed by a busy machine, and the
    // threads it starts from now on inherit the lower priority.
    if (child.pid !== undefined) lowerPriority(child.pid, options.niceness ?? 0);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    pid: child.pid,
    stop: () => stopChild(child, exited),
  };
}

function serverArgs(options: EmbeddedServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push('--namespace', options.namespace, '--log-level', options.logLevel ?? 'error');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  if (!options.ephemeral) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--db-filename', path.join(options.dataDir, 'temporal.sqlite'));
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  return args;
}

async function waitUntilReady(address: string, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `the embedded Temporal server exited with code ${exitCode} (is port ${address} already in use?)`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`the embedded Temporal server did not become ready: ${String(error)}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
