// MockActivityEnvironment.run loses the activity's return type; this keeps it.
import type { MockActivityEnvironment } from '@temporalio/testing';

export function typedRun<A extends unknown[], R>(
  env: MockActivityEnvironment,
  activity: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(activity, ...args) as Promise<R>;
}
