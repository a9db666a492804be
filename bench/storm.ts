// The alert-storm benchmark (issue 3): 10,000 Alertmanager notifications for 100 alert groups, sent by
// 16 concurrent senders to a full Firebreak (embedded dev server on a SQLite file, worker, API, sandbox
// stand-ins). Checks the outcome (exactly one incident and one page per group, every alert accounted
// for, no 5xx) and measures sustained intake rate and the first page's delay after the first alert.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../client/cli/ports';
import { startEngine } from '../client/engine';
import { startEmbeddedServer } from '../client/temporal/embedded-server';
import type { FirebreakConfig } from '../config/schema';
import type { WiringExtras } from '../worker/wiring';
import { bundleWorkflows } from '../worker/worker';
import { SANDBOX_ALERT_TOKEN, type SandboxOptions } from '../sandbox';
import type { PagesAnswer, SandboxRequest } from './sandbox-thread';
import type { SendersOutput } from './senders';

const ROOT = path.resolve(__dirname, '..');

export interface StormOptions {
  notifications: number;
  groups: number;
  senders: number;
  /** The page waits at most this long for enrichment (the product default is 2000 ms). */
  enrichmentBudgetMs: number;
  /** One incident before the storm (see warmUp); false measures a worker that has run none. */
  warmUp: boolean;
}

export interface StormResult {
  notifications: number;
  groups: number;
  senders: number;
  seconds: number;
  alertsPerSecond: number;
  firstPageMs: number;
  /** The storm's last page after its first alert: how long the last group waited for its responder. */
  lastPageMs: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  incidents: number;
  pages: number;
  /** Pages sent again for the same incident (a page whose answer came too late), folded by PagerDuty. */
  pagesDeduplicated: number;
  /** Incidents with at least one page (pages are keyed by incident). */
  incidentsPaged: number;
  alertsAccounted: number;
  /** CPU milliseconds per alert by process: while sending, and from the first send until every page was out. */
  cpuMsPerAlert: { whileSending: CpuTimes; untilAllPaged: CpuTimes };
}

export async function runStorm(options: StormOptions): Promise<StormResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-storm-'));
  const services = Array.from({ length: options.groups }, (_, i) => `storm-${String(i).padStart(3, '0')}`);
  const sandbox = await startSandboxThread({
    dataDir,
    apiPort: 0,
    service: WARM_UP_SERVICE,
    extraServices: services,
  });
  // One machine laid out as in production: the embedded dev server (SQLite file), the API in this
  // process, the worker in a process of its own (`firebreak worker` does the same).
  const server = await startEmbeddedServer({
    dataDir: path.join(dataDir, 'temporal'),
    port: await freePort(),
    uiPort: 0,
    namespace: 'default',
    niceness: sandbox.config.priority.embeddedTemporal,
  });
  const config = {
    ...sandbox.config,
    temporal: { ...sandbox.config.temporal, address: server.address },
    services: withEnrichmentBudget(sandbox.config.services, options.enrichmentBudgetMs),
  };
  const engine = await startEngine({
    config,
    extras: sandbox.extras,
    run: { api: true, worker: false },
    log: () => undefined,
  });
  const worker = await startWorkerProcess(config, sandbox.extras, server.address, dataDir);
  try {
    if (options.warmUp) await warmUp(`${engine.apiUrl as string}/v1/alerts/alertmanager`, sandbox);
    const bodies = notifications(services, options.notifications);
    const cpuBefore = cpuTimes(server.pid, worker.pid);
    const sent = await sendFromThread({
      url: `${engine.apiUrl as string}/v1/alerts/alertmanager`,
      token: SANDBOX_ALERT_TOKEN,
      bodies,
      senders: options.senders,
    });
    const cpuSent = cpuTimes(server.pid, worker.pid);
    const { latencies, statuses, startedAt: started } = sent;
    const seconds = (sent.finishedAt - started) / 1000;
    const outcome = await settle(engine, sandbox, options, services);
    const cpuAfter = cpuTimes(server.pid, worker.pid);
    const perAlert = (until: CpuTimes): CpuTimes => {
      const share = (key: keyof CpuTimes) =>
        Math.round(((until[key] - cpuBefore[key]) / options.notifications) * 1000) / 1000;
      return { apiAndSenders: share('apiAndSenders'), temporal: share('temporal'), worker: share('worker') };
    };
    const pageTimes = (await sandbox.pages()).map((page) => Date.parse(page.at));
    latencies.sort((a, b) => a - b);
    return {
      ...options,
      seconds,
      alertsPerSecond: Math.round(options.notifications / seconds),
      firstPageMs: Math.min(...pageTimes) - started,
      lastPageMs: Math.max(...pageTimes) - started,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      statuses,
      ...outcome,
      cpuMsPerAlert: { whileSending: perAlert(cpuSent), untilAllPaged: perAlert(cpuAfter) },
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await engine.stop();
    await server.stop();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The worker in its own process, from the same settings the crash tests use. */
async function startWorkerProcess(
  config: FirebreakConfig,
  extras: WiringExtras,
  address: string,
  dataDir: string,
): Promise<ChildProcess> {
  const bundlePath = path.join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await bundleWorkflows()).code);
  const child = spawn(
    process.execPath,
    // FIREBREAK_BENCH_WORKER_ARGS: extra node flags for the worker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
    [
      ...(process.env.FIREBREAK_BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? []),
      '--require',
      'tsx/cjs',
      path.join(ROOT, 'tests/support/worker-process.ts'),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        // As `firebreak worker` would: yield the CPU to the API (config.priority.worker).
        FIREBREAK_TEST_WORKER: JSON.stringify({ config, extras, address, bundlePath, yieldToApi: true }),
      },
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('worker ready') && resolve());
  });
  return child;
}

function withEnrichmentBudget(
  services: FirebreakConfig['services'],
  budgetMs: number,
): FirebreakConfig['services'] {
  return Object.fromEntries(
    Object.entries(services).map(([name, service]) => [
      name,
      { ...service, policy: { ...service.policy, enrichmentBudgetMs: budgetMs } },
    ]),
  );
}

/** One firing alert per notification, spread evenly and shuffled across the groups, as a storm is. */
function notifications(services: string[], count: number): string[] {
  const bodies: string[] = [];
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  for (let i = 0; i < count; i++) {
    const service = services[i % services.length] as string;
    bodies.push(JSON.stringify(payload(service, i, startsAt)));
  }
  for (let i = bodies.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j] as string, bodies[i] as string];
  }
  return bodies;
}

function payload(service: string, n: number, startsAt: string): unknown {
  const labels = { alertname: 'InstanceDown', service, severity: 'critical', instance: `host-${n}` };
  return {
    version: '4',
    status: 'firing',
    receiver: 'firebreak',
    groupKey: `{}:{service="${service}"}`,
    truncatedAlerts: 0,
    groupLabels: { service },
    commonLabels: { service },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `host-${n} down` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: n.toString(16).padStart(16, '0'),
      },
    ],
  };
}

function sendFromThread(input: {
  url: string;
  token: string;
  bodies: string[];
  senders: number;
}): Promise<SendersOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'senders-thread.js'), { workerData: input });
    worker.once('message', (output: SendersOutput) => {
      resolve(output);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

interface SandboxThread {
  config: FirebreakConfig;
  extras: WiringExtras;
  /** When each page of the storm (a PagerDuty trigger, not the warm-up's) arrived. */
  pages(): Promise<PagesAnswer['triggers']>;
  warmUpPaged(): Promise<boolean>;
  close(): Promise<void>;
}

/** A service outside the storm: its one incident runs first, as a running Firebreak has run others. */
const WARM_UP_SERVICE = 'bench-warm-up';

/**
 * One incident, paged, before the storm: the storm then meets a running Firebreak, as a real one would,
 * not a worker that has yet to load and compile its code (that first incident alone takes ~0.5 s more).
 */
async function warmUp(url: string, sandbox: SandboxThread): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${SANDBOX_ALERT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload(WARM_UP_SERVICE, 0, new Date().toISOString())),
  });
  if (response.status !== 202) throw new Error(`warm-up alert refused: ${response.status}`);
  const deadline = Date.now() + 60_000;
  while (!(await sandbox.warmUpPaged())) {
    if (Date.now() > deadline) throw new Error('the warm-up incident was not paged within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Its notifications and ticket follow the page; let them pass before the storm is measured.
  await new Promise((resolve) => setTimeout(resolve, 2000));
}

function startSandboxThread(options: SandboxOptions): Promise<SandboxThread> {
  const thread = new Worker(path.join(__dirname, 'sandbox-thread.js'), { workerData: options });
  const next = <T>(kind: string): Promise<T> =>
    new Promise((resolve) => {
      const listen = (message: { kind: string } & T) => {
        if (message.kind !== kind) return;
        thread.off('message', listen);
        resolve(message);
      };
      thread.on('message', listen);
    });
  const ask = <T>(request: SandboxRequest, answer: string): Promise<T> => {
    const answered = next<T>(answer);
    thread.postMessage(request);
    return answered;
  };
  const triggers = async () => (await ask<PagesAnswer>({ kind: 'pages' }, 'pages')).triggers;
  const isWarmUp = (dedupKey: string) => dedupKey.startsWith(`${WARM_UP_SERVICE}-`);
  return new Promise((resolve, reject) => {
    thread.once('error', reject);
    void next<{ config: FirebreakConfig; extras: WiringExtras }>('ready').then(({ config, extras }) =>
      resolve({
        config,
        extras,
        pages: async () => (await triggers()).filter((t) => !isWarmUp(t.dedupKey)),
        warmUpPaged: async () => (await triggers()).some((t) => isWarmUp(t.dedupKey)),
        close: async () => {
          await ask({ kind: 'close' }, 'closed');
          await thread.terminate();
        },
      }),
    );
  });
}

/**
 * Waits until every group has its incident and page and every alert has reached its incident (the last
 * hand-offs of a storm land up to a linger after the senders finish), then counts what landed.
 */
async function settle(
  engine: Awaited<ReturnType<typeof startEngine>>,
  sandbox: SandboxThread,
  options: StormOptions,
  services: string[],
): Promise<
  Pick<StormResult, 'incidents' | 'pages' | 'pagesDeduplicated' | 'incidentsPaged' | 'alertsAccounted'>
> {
  const deadline = Date.now() + 120_000;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
  const triggers = async () => (await sandbox.pages()).length;
  while ((await triggers()) < options.groups && Date.now() < deadline) await pause();
  for (;;) {
    const open = (await engine.incidents.list({ status: 'open' })).filter((i) =>
      services.includes(i.service),
    );
    let alertsAccounted = 0;
    for (const incident of open) {
      alertsAccounted += (await engine.incidents.get(incident.id))?.alerts.total ?? 0;
    }
    if (alertsAccounted >= options.notifications || Date.now() > deadline) {
      const pages = await sandbox.pages();
      return {
        incidents: open.length,
        pages: pages.length,
        pagesDeduplicated: pages.filter((p) => p.outcome === 'deduplicated').length,
        incidentsPaged: new Set(pages.map((p) => p.dedupKey)).size,
        alertsAccounted,
      };
    }
    await pause();
  }
}

interface CpuTimes {
  apiAndSenders: number;
  temporal: number;
  worker: number;
}

/** CPU milliseconds used so far by this process (API, stand-ins, sender thread) and the two children. */
function cpuTimes(temporalPid: number | undefined, workerPid: number | undefined): CpuTimes {
  const own = process.cpuUsage();
  return {
    apiAndSenders: (own.user + own.system) / 1000,
    temporal: procCpuMs(temporalPid),
    worker: procCpuMs(workerPid),
  };
}

/** utime + stime of a Linux process, in milliseconds (clock ticks are 100 Hz on Linux). */
function procCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
