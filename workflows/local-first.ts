// Steps on the page's path are tried first as local activities: they run in the worker at once, with no
// round trip through the Temporal server. Under an alert storm that is the difference between paging
// within a second and paging after every other new incident's queued tasks. When the local attempt does
// not succeed, the durable activity takes over with its full retry policy: the outcome is the same, later.
// Every step run this way is safe to run twice (a worker lost before recording the local result runs it
// again): PagerDuty folds a repeated trigger into the same incident by its dedup key; reads are reads.
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  type LocalActivityOptions,
} from '@temporalio/workflow';

/**
 * One quick attempt; everything slower or flakier is the durable activity's job. Short, because while a
 * local activity runs the worker holds the workflow task: nothing else the incident does goes out.
 */
export const ONE_LOCAL_ATTEMPT: LocalActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 1 },
};

export async function localFirst<T>(local: () => Promise<T>, durable: () => Promise<T>): Promise<T> {
  try {
    return await local();
  } catch (error) {
    if (isCancellation(error) || isFinal(error)) throw error;
    return durable();
  }
}

/** What went wrong: a local activity's failure can arrive unwrapped, a regular one's inside ActivityFailure. */
export function failureOf(error: unknown): unknown {
  return error instanceof ActivityFailure ? error.cause : error;
}

/** A refusal no retry can change (bad routing key, not configured): trying durably would only repeat it. */
export function isFinal(error: unknown): boolean {
  const failure = failureOf(error);
  return failure instanceof ApplicationFailure && failure.nonRetryable === true;
}
