// What an incident's Temporal history says of its workflow tasks, for tests that must prove none failed.
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workflowIdForGroup } from '../../domain/ids';
import { temporalAddress } from './harness';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** The causes of the workflow tasks the server failed in the group's current incident, in order. */
export async function failedWorkflowTasks(group: string): Promise<string[]> {
  // A storm's history carries every alert: past the client's default 4 MB message limit.
  const connection = await Connection.connect({
    address: temporalAddress(),
    channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  try {
    const history = await new Client({ connection }).workflow
      .getHandle(workflowIdForGroup(group))
      .fetchHistory();
    return (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
      .map((e) => WorkflowTaskFailedCause[e.workflowTaskFailedEventAttributes?.cause ?? 0] ?? 'unknown');
  } finally {
    await connection.close();
  }
}
