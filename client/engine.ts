// `firebreak start`: everything in one process tree — an embedded Temporal dev server (unless
// TEMPORAL_ADDRESS names a cluster), the worker and the HTTP API — and the clean shutdown in order:
// the API stops accepting, the worker drains, the server stops.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { FirebreakConfig } from '../config/schema';
import { reportsDir } from '../config/reports-schema';
import { FileReportArchive } from '../integrations/report-archive';
import { buildActivityDeps, publicUrl, type WiringExtras } from '../worker/wiring';
import { createIncidentWorker, NativeConnection } from '../worker/worker';
import { pagerDutyWebhookSettings } from './api/pagerduty-webhook';
import { createApi } from './api/server';
import { FreezeService } from './freeze';
import { IncidentService } from './incidents';
import { FirebreakMetrics } from './metrics';
import { startMetricsServer } from './metrics-server';
import { intakeSettings } from './intake/intake';
import { startEmbeddedServer, type EmbeddedServer } from './temporal/embedded-server';
import { lowerPriority, lowerThreadsStartedSince, ownThreads } from './temporal/priority';
import { raiseRetention, registerSearchAttributes } from './temporal/namespace';

export interface EngineOptions {
  config: FirebreakConfig;
  extras?: WiringExtras;
  /** Which parts to run: `firebreak worker` and `firebreak api` run one each. */
  run?: { worker: boolean; api: boolean };
  /** Embedded server ports (defaults 7233 and the UI on 8233); ignored with an external cluster. */
  temporalPort?: number;
  temporalUiPort?: number;
  /** Keep the embedded server's state in memory (the demo, tests). */
  ephemeralTemporal?: boolean;
  log?: (line: string) => void;
}

export interface Engine {
  apiUrl: string | null;
  temporalAddress: string;
  temporalUiUrl: string | null;
  incidents: IncidentService;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** The SDK's own signal handlers would stop the worker before the API; we order shutdown ourselves. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  runtimeInstalled = true;
}

export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { config } = options;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const run = options.run ?? { worker: true, api: true };
  // With the worker beside the API, the threads started from here on are the worker's (Temporal's core
  // runtime, the workflow thread); Node's thread pool is started first, so the API's file work is not.
  const lowerWorkerThreads = run.worker && run.api && config.priority.worker > 0;
  if (lowerWorkerThreads) await access(process.cwd());
  const threadsBefore = lowerWorkerThreads ? ownThreads() : new Set<number>();
  installRuntime();
  const external = process.env.TEMPORAL_ADDRESS ?? config.temporal.address;
  if (!external && !(run.worker && run.api)) {
    // A lone worker or API is for scaling out against one cluster; an embedded server would be private to it.
    throw new Error(
      '`firebreak worker` and `firebreak api` need a cluster: set TEMPORAL_ADDRESS or temporal.address',
    );
  }
  let embedded: EmbeddedServer | null = null;
  if (!external) {
    log('starting the embedded Temporal dev server…');
    embedded = await startEmbeddedServer({
      dataDir: path.join(config.dataDir, 'temporal'),
      port: options.temporalPort ?? 7233,
      uiPort: options.temporalUiPort ?? 8233,
      namespace: config.temporal.namespace,
      ephemeral: options.ephemeralTemporal ?? false,
      niceness: config.priority.embeddedTemporal,
    });
  }
  const address = external ?? (embedded as EmbeddedServer).address;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? config.temporal.namespace;
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(connection, namespace);
  if (embedded) await raiseRetention(connection, namespace);
  const client = new Client({ connection, namespace });
  const archive = new FileReportArchive(reportsDir(config));
  const incidents = new IncidentService(client, config.temporal.taskQueue, archive);
  const metrics = new FirebreakMetrics(archive, () => incidents.list({ status: 'open' }));

  let worker: Worker | null = null;
  let workerRun: Promise<void> | null = null;
  let nativeConnection: NativeConnection | null = null;
  if (run.worker) {
    // A worker of its own (`firebreak worker`) yields to the API on a shared machine.
    if (!run.api) lowerPriority(process.pid, config.priority.worker);
    nativeConnection = await NativeConnection.connect({ address });
    worker = await createIncidentWorker({
      connection: nativeConnection,
      namespace,
      taskQueue: config.temporal.taskQueue,
      deps: buildActivityDeps(config, options.extras),
      activityFailures: metrics.activityFailures,
    });
    workerRun = worker.run();
    // Inside `firebreak start` only its own threads yield: its activities run on the API's thread.
    lowerThreadsStartedSince(threadsBefore, config.priority.worker);
  }
  const workerPort = config.metrics?.workerPort;
  const workerMetrics =
    run.worker && !run.api && workerPort !== undefined
      ? await startMetricsServer({
          metrics,
          host: config.api.host,
          port: workerPort,
          tokens: config.api.tokens,
        })
      : null;
  if (workerMetrics) log(`worker metrics on ${workerMetrics.url}/metrics`);

  let api: FastifyInstance | null = null;
  let apiUrl: string | null = null;
  if (run.api) {
    api = createApi({
      incidents,
      freezes: new FreezeService(client),
      intake: intakeSettings(config.intake, Object.keys(config.services)),
      intakeConfig: config.intake,
      journalDir: path.join(config.dataDir, 'intake'),
      apiTokens: config.api.tokens,
      pagerDuty: pagerDutyWebhookSettings(config),
      isReady: () => isReachable(connection),
      log,
      metrics,
    });
    await api.listen({ host: config.api.host, port: config.api.port });
    const port = (api.server.address() as { port: number }).port;
    apiUrl = `http://${config.api.host}:${port}`;
  }

  const stop = async (): Promise<void> => {
    if (api) await api.close();
    await workerMetrics?.close();
    if (worker && workerRun) {
      worker.shutdown();
      await workerRun;
    }
    await nativeConnection?.close();
    await connection.close();
    await embedded?.stop();
  };
  return {
    apiUrl: apiUrl ?? (run.api ? publicUrl(config) : null),
    temporalAddress: address,
    temporalUiUrl: embedded?.uiUrl ?? null,
    incidents,
    stop,
  };
}

async function isReachable(connection: Connection): Promise<boolean> {
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  }
}
