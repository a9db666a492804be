// Who hears about what: audiences choose milestones (by name, or every one with '*') and severities.
import { DEFAULT_MILESTONES, routeMilestone, type StakeholderRouting } from '../../../domain/notify-routing';

const routing: StakeholderRouting = {
  audiences: [
    {
      audience: 'stakeholders',
      channels: ['slack', 'email'],
      severities: null,
      milestones: [...DEFAULT_MILESTONES],
    },
    {
      audience: 'leadership',
      channels: ['email'],
      severities: ['critical'],
      milestones: ['opened', 'resolved'],
    },
    { audience: 'support', channels: ['slack'], severities: ['critical', 'error'], milestones: ['*'] },
  ],
};

test('every audience that asked for a milestone at that severity hears it, on each of its channels', () => {
  expect(routeMilestone(routing, 'opened', 'critical')).toEqual([
    { audience: 'stakeholders', channel: 'slack' },
    { audience: 'stakeholders', channel: 'email' },
    { audience: 'leadership', channel: 'email' },
    { audience: 'support', channel: 'slack' },
  ]);
});

test('an audience limited to critical does not hear about a warning', () => {
  expect(routeMilestone(routing, 'opened', 'warning').map((d) => d.audience)).toEqual([
    'stakeholders',
    'stakeholders',
  ]);
});

test('a milestone outside an audience’s list is not sent to it', () => {
  expect(routeMilestone(routing, 'acknowledged', 'critical').map((d) => d.audience)).not.toContain(
    'leadership',
  );
});

test('freeze and hotfix milestones are in the default set, so they route without configuration', () => {
  for (const milestone of ['freeze-on', 'freeze-off', 'hotfix-succeeded', 'hotfix-failed']) {
    expect(routeMilestone(routing, milestone, 'error').map((d) => d.audience)).toContain('stakeholders');
  }
});

test("'*' routes a milestone nobody listed, such as a new one", () => {
  expect(routeMilestone(routing, 'severity-raised', 'error')).toEqual([
    { audience: 'support', channel: 'slack' },
  ]);
});
