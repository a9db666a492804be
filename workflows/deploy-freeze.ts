// How an incident places and lifts its holds on the service's freeze workflow. The freeze is a child
// that is abandoned, not cancelled, when the incident ends: it must outlive the incident. Several
// incidents of a service meet in the one freeze workflow, whose id comes from the service.
import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  isCancellation,
  startChild,
} from '@temporalio/workflow';
import { freezeWorkflowId, type FreezeHold, type FreezeLift } from '../domain/freeze';
import { freezeWorkflow } from './freeze';
import { holdSignal, liftSignal } from './freeze-messages';

/** Start and signal can race with a freeze that just ended; a few rounds settle it. */
const PLACEMENT_ROUNDS = 5;

/** Starts the service's freeze with this hold, or adds the hold to the running one. */
export async function placeFreezeHold(service: string, hold: FreezeHold): Promise<void> {
  const workflowId = freezeWorkflowId(service);
  let lastError: unknown = null;
  for (let round = 0; round < PLACEMENT_ROUNDS; round += 1) {
    try {
      await startChild(freezeWorkflow, {
        workflowId,
        args: [{ service, hold }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
      return;
    } catch (error) {
      // Matched by name: the class lives in @temporalio/common, which workflow code does not import.
      if (!(error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError')) throw error;
    }
    try {
      await getExternalWorkflowHandle(workflowId).signal(holdSignal, hold);
      return;
    } catch (error) {
      // The freeze ended between the start and the signal: start a new one.
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(`could not place a freeze hold on ${service}`);
}

/** Lifts holds; false when no freeze is running for the service (lifted already). */
export async function liftFreezeHolds(service: string, lift: FreezeLift): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(freezeWorkflowId(service)).signal(liftSignal, lift);
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    return false;
  }
}
