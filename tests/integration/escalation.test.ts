// Escalation and auto-rollback run on the incident's own timers (Temporal's time-skipping server):
// no acknowledgement within ackTimeout escalates one level and tells stakeholders, up to the policy's
// limit; an acknowledgement stops it; and an opted-in service rolls back by itself when nobody acts.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ServiceConfig } from '../../config/schema';
import type { IncidentView } from '../../domain/incident-view';
import { renderMarkdown } from '../../domain/report';
import type { Sandbox } from '../../sandbox';
import {
  alertBatch,
  signalIncident,
  startTimeSkippingWorld,
  untilState,
  type TimeSkippingWorld,
} from '../support/time-skipping';
import { actionUpdate, stateQuery } from '../../workflows/messages';

const MINUTE = 60_000;

describe('escalation and auto-rollback on the incident’s timers', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: Sandbox;
  let world: TimeSkippingWorld;

  beforeAll(async () => {
    world = await startTimeSkippingWorld({
      name: 'escalation',
      sandbox: { service: 'escalating', rollbackBuildMs: 300, quietPeriodMs: 50 },
      jenkinsPollMs: 100,
      config: (sandbox) => {
        const base = sandbox.config.services.escalating as ServiceConfig;
        const withPolicy = (policy: Partial<ServiceConfig['policy']>): ServiceConfig => ({
          ...base,
          policy: { ...base.policy, ...policy },
        });
        return {
          ...sandbox.config,
          services: {
            'esc-acked': withPolicy({ autoRollbackAfter: '15m' }),
            'esc-ignored': withPolicy({}),
            'auto-rollback': withPolicy({ autoRollbackAfter: '5m' }),
          },
        };
      },
    });
    ({ env, sandbox } = world);
    sandbox.pagerduty.setOnCall('PSANDBOX', [
      { id: 'PUSER01', name: 'Ada Lovelace', email: 'ada@example.test', escalationLevel: 1 },
      { id: 'PUSER02', name: 'Grace Hopper', email: 'grace@example.test', escalationLevel: 2 },
      { id: 'PUSER03', name: 'Katherine Johnson', email: 'kj@example.test', escalationLevel: 3 },
    ]);
  });
  afterAll(async () => world?.stop());

  async function openIncident(service: string) {
    const now = new Date(await env.currentTimeMs()).toISOString();
    const handle = await signalIncident(world, service, alertBatch(service, now));
    const state = await untilState(
      handle,
      (s) => s.times.paged !== null && s.pagerDuty.incidentId !== null,
      'the page',
    );
    return { handle, id: state.id };
  }

  type Handle = Awaited<ReturnType<typeof openIncident>>['handle'];

  const escalations = (s: IncidentView) => s.timeline.filter((t) => t.kind === 'escalated');
  const pagerDutyIncident = (id: string) => sandbox.pagerduty.incidents().find((i) => i.dedupKey === id);
  const act = (handle: Handle, request: Record<string, unknown>) =>
    handle.executeUpdate(actionUpdate, {
      args: [{ actor: { by: 'ada@example.test', channel: 'api' }, request: request as never }],
    });

  // First: the suspect deploy was seeded 20 minutes before the test began, and later tests move this
  // server's clock on by more than the 2 h window in which a deploy counts as the suspect.
  test('with a suspect deploy and no responder action within autoRollbackAfter, it rolls back by itself, and the report says so', async () => {
    const { handle } = await openIncident('auto-rollback');
    const armed = await untilState(
      handle,
      (s) => s.timeline.some((t) => t.kind === 'auto-rollback-armed'),
      'arming',
    );
    expect(armed.timeline.find((t) => t.kind === 'auto-rollback-armed')?.message).toContain(
      'automatic rollback in 5m 00s',
    );
    await env.sleep(5 * MINUTE + 1000);
    const state = await untilState(handle, (s) => s.status === 'mitigated', 'the automatic rollback');
    expect(state.rollbacks[0]).toMatchObject({
      targetSha: sandbox.history.candidateSha,
      automatic: true,
      result: 'SUCCESS',
    });
    // Nobody answered the page: the rollback is not an acknowledgement, and a person may still acknowledge.
    expect(state.times.acknowledged).toBeNull();
    await act(handle, { action: 'acknowledge' });
    // The rollback froze deploys, and a freeze outlives its incident: lift it, or it would keep running.
    await act(handle, { action: 'lift-freeze' });
    await act(handle, { action: 'resolve', resolution: 'rolled back automatically' });
    const report = await handle.result();
    expect(report.summary).toContain('Automatic rollback to');
    expect(renderMarkdown(report)).toContain('automatically, by the auto-rollback policy');
  });

  test('unacknowledged for 10 minutes: escalated one level and stakeholders told; acknowledging stops it', async () => {
    const { handle, id } = await openIncident('esc-acked');
    await env.sleep(9 * MINUTE);
    expect(escalations(await handle.query(stateQuery))).toHaveLength(0);
    await env.sleep(1 * MINUTE + 1000);
    const state = await untilState(handle, (s) => escalations(s).length === 1, 'the escalation');
    expect(escalations(state)[0]).toMatchObject({
      message: 'escalated to level 2: not acknowledged within 10m 00s',
      actor: { by: 'firebreak', channel: 'workflow' },
    });
    expect(state.pagerDuty.escalationLevel).toBe(2);
    expect(pagerDutyIncident(id)).toMatchObject({ escalationLevel: 2, assignees: ['PUSER02'] });
    await untilState(
      handle,
      (s) => s.timeline.some((t) => t.kind === 'notified' && t.message.endsWith('escalated')),
      'the notice',
    );
    expect(sandbox.slack.messages.some((m) => JSON.stringify(m.body).includes('escalated to level 2'))).toBe(
      true,
    );

    await act(handle, { action: 'acknowledge' });
    await env.sleep(40 * MINUTE);
    const later = await handle.query(stateQuery);
    expect(escalations(later)).toHaveLength(1);
    expect(pagerDutyIncident(id)?.escalationLevel).toBe(2);
    // Acknowledging is a responder action: the auto-rollback policy (15 minutes) stood down.
    expect(later.rollbacks).toHaveLength(0);
    await act(handle, { action: 'resolve', resolution: 'restarted the pods' });
    const report = await handle.result();
    expect(report.timings.ttaMs).toBeGreaterThanOrEqual(10 * MINUTE);
  });

  test('nobody acknowledges: one level every ackTimeout, up to the policy’s two escalations', async () => {
    const { handle, id } = await openIncident('esc-ignored');
    await env.sleep(10 * MINUTE + 1000);
    await untilState(handle, (s) => escalations(s).length === 1, 'the first escalation');
    await env.sleep(10 * MINUTE + 1000);
    const state = await untilState(handle, (s) => escalations(s).length === 2, 'the second escalation');
    expect(state.pagerDuty.escalationLevel).toBe(3);
    expect(pagerDutyIncident(id)).toMatchObject({ escalationLevel: 3, assignees: ['PUSER03'] });
    await env.sleep(30 * MINUTE);
    expect(escalations(await handle.query(stateQuery))).toHaveLength(2);
    await act(handle, { action: 'resolve' });
    await handle.result();
  });
});
