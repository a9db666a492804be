// What a stakeholder reads at each milestone: impact, status in words, what changed, who owns it, and
// when the next update comes; and what the ticket gets at close.
import { newIncidentState, type IncidentState } from '../../../domain/incident';
import { buildReport } from '../../../domain/report';
import { closingSummary, stakeholderFacts } from '../../../domain/stakeholder-update';

function incident(overrides: Partial<IncidentState> = {}): IncidentState {
  return {
    ...newIncidentState({ id: 'checkout-1a2b', workflowId: 'incident-checkout', service: 'checkout' }),
    severity: 'critical',
    title: 'checkout 5xx above 10%',
    status: 'paged',
    profile: {
      owners: ['ada@example.test'],
      team: 'payments',
      enrichmentBudgetMs: 2000,
      suspectWindowMs: 7_200_000,
    },
    times: {
      impactStart: '2026-11-20T10:00:00.000Z',
      detected: '2026-11-20T10:02:00.000Z',
      paged: '2026-11-20T10:02:02.000Z',
      acknowledged: null,
      mitigated: null,
      resolved: null,
      closed: null,
    },
    ...overrides,
  };
}

test('an open incident says since when, its status, its owners and that escalation follows without an ack', () => {
  expect(stakeholderFacts(incident(), 'opened')).toEqual([
    'Impact: checkout 5xx above 10%; since 2026-11-20 10:00 UTC, 0 alert(s) firing',
    'Status: on-call responder paged (level 1), waiting for acknowledgement',
    'Owned by: team payments: ada@example.test',
    'Next update: when a responder acknowledges; escalation follows after 10m 00s without one',
  ]);
});

test('a running rollback promises the next update when it finishes', () => {
  const state = incident({
    status: 'mitigating',
    rollbacks: [
      {
        requestId: 'r1',
        targetSha: '4a0b7d1234567890',
        requestedBy: { by: 'ada', channel: 'api' },
        requestedAt: '2026-11-20T10:05:00.000Z',
        forced: false,
      },
    ],
  });
  const facts = stakeholderFacts(state, 'action-chosen');
  expect(facts).toContain('Status: rolling back to 4a0b7d123456');
  expect(facts.at(-1)).toBe('Next update: when the rollback finishes');
});

test('a resolved incident says how long the impact lasted and that this is the final update', () => {
  const state = incident({
    status: 'resolved',
    resolution: 'rolled back',
    times: { ...incident().times, resolved: '2026-11-20T10:30:00.000Z' },
  });
  const facts = stakeholderFacts(state, 'resolved');
  expect(facts[0]).toBe('Impact: checkout 5xx above 10%; lasted 30m 00s (from 2026-11-20 10:00 UTC)');
  expect(facts).toContain('Status: resolved: rolled back');
  expect(facts.at(-1)).toBe('Next update: none; this is the final update (the report is linked)');
});

test('the closing comment carries the report summary, the timings, the resolution and the follow-ups', () => {
  const state = incident({
    status: 'closed',
    resolution: 'rolled back',
    resolvedBy: { by: 'ada', channel: 'api' },
    followUps: ['Slack was not told: no_service'],
    times: { ...incident().times, resolved: '2026-11-20T10:30:00.000Z', closed: '2026-11-20T10:30:01.000Z' },
  });
  const lines = closingSummary(buildReport(state, '2026-11-20T10:30:01.000Z'));
  expect(lines[0]).toContain(
    'critical incident on checkout: checkout 5xx above 10%. Resolved after 28m 00s.',
  );
  expect(lines[1]).toBe('TTD 2m 00s · TTA n/a · TTM n/a · TTR 28m 00s');
  expect(lines).toContain('Resolution: rolled back (ada (api))');
  expect(lines.slice(-2)).toEqual(['Follow-ups (1):', '- Slack was not told: no_service']);
});
