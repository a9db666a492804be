// The worker counts every failed activity attempt for /metrics, by activity; a cancellation is not a failure.
import { CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { countActivityFailures } from '../../../worker/activity-failures';

function attempt(outcome: () => Promise<unknown>, counted: string[]): Promise<unknown> {
  const interceptors = countActivityFailures({ inc: ({ activity }) => counted.push(activity) })({
    info: { activityType: 'pageResponder' },
  } as never);
  const execute = interceptors.inbound?.execute as NonNullable<
    NonNullable<typeof interceptors.inbound>['execute']
  >;
  return execute({ args: [] } as unknown as ActivityExecuteInput, outcome);
}

describe('counting activity failures', () => {
  test('a failed attempt is counted under its activity and still fails', async () => {
    const counted: string[] = [];
    await expect(attempt(() => Promise.reject(new Error('PagerDuty 500')), counted)).rejects.toThrow(
      'PagerDuty 500',
    );
    expect(counted).toEqual(['pageResponder']);
  });

  test('a successful attempt and a cancelled one are not counted', async () => {
    const counted: string[] = [];
    await expect(attempt(() => Promise.resolve('ok'), counted)).resolves.toBe('ok');
    await expect(attempt(() => Promise.reject(new CancelledFailure('cancelled')), counted)).rejects.toThrow();
    expect(counted).toEqual([]);
  });
});
