// Counts failed activity attempts for /metrics: the worker is the only process that sees them (the
// workflow records the ones it finally gave up on in the timeline; this counts every retry too).
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** What the count goes into: a prom-client Counter labelled by activity fits. */
export interface FailureTally {
  inc(labels: { activity: string }): void;
}

export function countActivityFailures(tally: FailureTally): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          // A cancelled activity (enrichment abandoned at close) did not fail.
          if (!(error instanceof CancelledFailure)) tally.inc({ activity: ctx.info.activityType });
          throw error;
        }
      },
    },
  });
}
