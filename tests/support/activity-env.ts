// MockActivityEnvironment.run loses the activity's return type; typedRun keeps it. quietActivityEnvironment
// drops the SDK's log lines, so tests that expect an activity to fail do not flood the output.
import { MockActivityEnvironment } from '@temporalio/testing';

export function quietActivityEnvironment(): MockActivityEnvironment {
  const ignore = (): void => undefined;
  return new MockActivityEnvironment(undefined, {
    logger: { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore },
  });
}

export function typedRun<A extends unknown[], R>(
  env: MockActivityEnvironment,
  activity: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(activity, ...args) as Promise<R>;
}
