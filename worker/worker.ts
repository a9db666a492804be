// The worker process's core: runs the incident workflow and its activities on a task queue.
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { countActivityFailures, type FailureTally } from './activity-failures';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built workflow bundle (tests build it once); otherwise the workflows are bundled now. */
  workflowBundle?: WorkflowBundleOption;
  /** How long running activities may take to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: string;
  /** Where failed activity attempts are counted (the /metrics counter). */
  activityFailures?: FailureTally;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function createIncidentWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds',
    ...(options.activityFailures
      ? { interceptors: { activity: [countActivityFailures(options.activityFailures)] } }
      : {}),
  });
}

/** Bundles the workflow code once (webpack; a few seconds of CPU). */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundler] ${message}\n`),
};

export { NativeConnection };
