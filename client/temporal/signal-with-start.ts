// Signal-with-start through the raw WorkflowService call. The SDK's `signalWithStart` returns only the
// run id and drops the response's `started` flag; intake needs that flag to tell a sender whether its
// alert opened a new incident, and without it would need a second, worker-bound round trip (a query).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface SignalWithStart {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  signalName: string;
  signalArgs: unknown[];
}

export interface SignalWithStartResult {
  runId: string;
  /** True when this call started the workflow; false when it signalled a running one. */
  started: boolean;
}

const toPayloads = (values: unknown[]) => ({
  payloads: values.map((v) => defaultPayloadConverter.toPayload(v)),
});

export async function signalWithStart(
  client: Client,
  request: SignalWithStart,
): Promise<SignalWithStartResult> {
  const response = await client.workflowService.signalWithStartWorkflowExecution({
    namespace: client.options.namespace,
    identity: client.options.identity,
    requestId: randomUUID(),
    workflowId: request.workflowId,
    workflowType: { name: request.workflowType },
    taskQueue: { name: request.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    input: toPayloads(request.args),
    signalName: request.signalName,
    signalInput: toPayloads(request.signalArgs),
    workflowIdConflictPolicy:
      temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    workflowIdReusePolicy:
      temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
  });
  return { runId: response.runId, started: response.started === true };
}
