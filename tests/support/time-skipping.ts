// The world of the timer-heavy integration tests: Temporal's time-skipping test server, a sandbox of
// stand-ins, and a worker on its own task queue running the run's shared workflow bundle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { temporalTestServerPath } from '../../client/temporal/binaries';
import type { FirebreakConfig } from '../../config/schema';
import type { AlertBatch } from '../../domain/alert';
import type { IncidentView } from '../../domain/incident-view';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';
import { buildActivityDeps } from '../../worker/wiring';
import { alertsSignal, stateQuery } from '../../workflows/messages';

export interface TimeSkippingOptions {
  /** Names the data folder and the task queue. */
  name: string;
  sandbox?: Omit<SandboxOptions, 'dataDir' | 'apiPort'>;
  /** The worker's configuration, made from the sandbox's (default: the sandbox's own). */
  config?: (sandbox: Sandbox) => FirebreakConfig;
  /** How often rollbacks poll the Jenkins stand-in (default: the wiring's). */
  jenkinsPollMs?: number;
}

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  sandbox: Sandbox;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startTimeSkippingWorld(options: TimeSkippingOptions): Promise<TimeSkippingWorld> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), `firebreak-${options.name}-`));
  const sandbox = await startSandbox({ dataDir, apiPort: 0, ...options.sandbox });
  const extras = {
    ...sandbox.extras,
    ...(options.jenkinsPollMs ? { jenkinsPollMs: options.jenkinsPollMs } : {}),
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.name,
    workflowBundle: { codePath: process.env.FIREBREAK_TEST_WORKFLOW_BUNDLE as string },
    activities: createActivities(buildActivityDeps(options.config?.(sandbox) ?? sandbox.config, extras)),
  });
  const running = worker.run();
  return {
    env,
    sandbox,
    taskQueue: options.name,
    stop: async () => {
      worker.shutdown();
      await running;
      await sandbox.close();
      await env.teardown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One critical alert of `service` (its `key` occurrence) in a delivery of its own, sent at `at`. */
export function alertBatch(
  service: string,
  at: string,
  options: { status?: 'firing' | 'resolved'; summary?: string; key?: string } = {},
): AlertBatch {
  const status = options.status ?? 'firing';
  return {
    deliveryId: `d-${service}-${status}-${at}`,
    receivedAt: at,
    truncated: 0,
    alerts: [
      {
        source: 'alertmanager',
        service,
        severity: 'critical',
        summary: options.summary ?? `${service} 5xx above 10%`,
        labels: {},
        annotations: {},
        links: {},
        startsAt: at,
        endsAt: status === 'resolved' ? at : null,
        status,
        occurrenceKey: options.key ?? `${service}@start`,
      },
    ],
  };
}

/** Hands a batch to the service's incident as intake does (signal-with-start), on the world's task queue. */
export function signalIncident(world: TimeSkippingWorld, service: string, batch: AlertBatch) {
  return world.env.client.workflow.signalWithStart('incidentWorkflow', {
    workflowId: `incident-${service}`,
    taskQueue: world.taskQueue,
    args: [{ group: service, service, indexed: false }],
    signal: alertsSignal,
    signalArgs: [batch],
  });
}

/** Anything that answers the incident's state query (a workflow handle). */
export interface StateReader {
  query(query: typeof stateQuery): Promise<IncidentView>;
}

/**
 * Polls the incident's state in real time until `done`: time-skipping stays locked meanwhile, so no
 * timer fires under the test's feet. Throws naming `what` and the timeline so far.
 */
export async function untilState(
  handle: StateReader,
  done: (state: IncidentView) => boolean,
  what: string,
): Promise<IncidentView> {
  const deadline = Date.now() + 20_000;
  let last: IncidentView | null = null;
  while (Date.now() < deadline) {
    last = await handle.query(stateQuery);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last?.timeline.map((t) => t.kind))}`);
}
