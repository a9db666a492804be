// The policy an incident keeps: durations as configured, and who is listed as a responder.
import { isListedResponder, parseDuration } from '../../../domain/policy';

describe('incident policy', () => {
  test('durations read as the configuration writes them', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('10 minutes')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });

  test('a responder is listed by email, handle or PagerDuty user id, whatever the case', () => {
    const policy = { users: ['Ada@Example.test', 'PUSER02'], onCall: false };
    expect(isListedResponder(policy, { by: 'ada@example.test', channel: 'api' })).toBe(true);
    expect(isListedResponder(policy, { by: 'Grace Hopper', channel: 'pagerduty', userId: 'PUSER02' })).toBe(
      true,
    );
    expect(isListedResponder(policy, { by: 'mallory@example.test', channel: 'cli' })).toBe(false);
  });
});
