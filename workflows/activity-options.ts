// Activity options shared by the incident workflow's modules, named for what they protect, so a Jenkins
// build or an optional step is retried the same way wherever it is started.
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/** A Jenkins build (rollback or hotfix) can take many minutes; heartbeats tell a dead worker from a slow build. */
export const JENKINS_BUILD: ActivityOptions = {
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '10 seconds',
  // Cancelled (the incident), the activity aborts the Jenkins build before the workflow ends.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/** Optional steps (notes, change events, re-pages): a few tries, then a follow-up in the report. */
export const OPTIONAL_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
  },
};
