// A worker in its own process, so crash tests can SIGKILL it mid-step. Configuration comes from the
// test through FIREBREAK_TEST_WORKER (JSON: config, wiring extras, Temporal address, bundle path).
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { lowerPriority } from '../../client/temporal/priority';
import type { FirebreakConfig } from '../../config/schema';
import { buildActivityDeps, type WiringExtras } from '../../worker/wiring';
import { createIncidentWorker, NativeConnection } from '../../worker/worker';

interface WorkerProcessSettings {
  config: FirebreakConfig;
  extras: WiringExtras;
  address: string;
  bundlePath: string;
  /** Lower its CPU priority as `firebreak worker` does (the benchmark); tests leave it at normal. */
  yieldToApi?: boolean;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.FIREBREAK_TEST_WORKER ?? '{}') as WorkerProcessSettings;
  if (settings.yieldToApi) lowerPriority(process.pid, settings.config.priority.worker);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await createIncidentWorker({
    connection,
    namespace: 'default',
    taskQueue: settings.config.temporal.taskQueue,
    deps: buildActivityDeps(settings.config, settings.extras),
    workflowBundle: { codePath: settings.bundlePath },
  });
  const running = worker.run();
  process.stdout.write('worker ready\n');
  await running;
}

main().catch((error: unknown) => {
  process.stderr.write(`worker process failed: ${String(error)}\n`);
  process.exit(1);
});
