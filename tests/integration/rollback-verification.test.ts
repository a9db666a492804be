// After a successful rollback, monitoring must recover within verifyWithin (default 10 minutes); on the
// incident's own timers (Temporal's time-skipping server): a rollback that did not help is said loudly
// (timeline, PagerDuty note, stakeholders), one that did is recorded as verified.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ServiceConfig } from '../../config/schema';
import type { IncidentView } from '../../domain/incident-view';
import type { Sandbox } from '../../sandbox';
import {
  alertBatch,
  signalIncident,
  startTimeSkippingWorld,
  untilState,
  type TimeSkippingWorld,
} from '../support/time-skipping';
import { actionUpdate, alertsSignal, stateQuery } from '../../workflows/messages';

const MINUTE = 60_000;
const TASK_QUEUE = 'verification';

describe('verifying that monitoring recovers after a rollback', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: Sandbox;
  let world: TimeSkippingWorld;

  beforeAll(async () => {
    world = await startTimeSkippingWorld({
      name: TASK_QUEUE,
      sandbox: { service: 'verifying', rollbackBuildMs: 300, quietPeriodMs: 50 },
      jenkinsPollMs: 100,
      config: (sandbox) => {
        const base = sandbox.config.services.verifying as ServiceConfig;
        return {
          ...sandbox.config,
          services: {
            'never-recovers': base,
            recovers: { ...base, rollback: { staleAfter: '1h', verifyWithin: '5m' } },
          },
        };
      },
    });
    ({ env, sandbox } = world);
  });
  afterAll(async () => world?.stop());

  async function rolledBack(service: string) {
    const now = new Date(await env.currentTimeMs()).toISOString();
    const handle = await signalIncident(world, service, alertBatch(service, now));
    await untilState(handle, (s) => s.times.paged !== null && s.pagerDuty.incidentId !== null, 'the page');
    await handle.executeUpdate(actionUpdate, {
      args: [{ actor: { by: 'ada@example.test', channel: 'api' }, request: { action: 'rollback' } }],
    });
    await untilState(handle, (s) => s.status === 'mitigated', 'the rollback');
    return handle;
  }

  type Handle = Awaited<ReturnType<typeof rolledBack>>;

  const act = (handle: Handle, request: Record<string, unknown>) =>
    handle.executeUpdate(actionUpdate, {
      args: [{ actor: { by: 'ada@example.test', channel: 'api' }, request: request as never }],
    });
  const entry = (s: IncidentView, kind: string) => s.timeline.find((t) => t.kind === kind);

  test('monitoring still firing 10 minutes after a successful rollback: the timeline, the page and stakeholders hear it', async () => {
    const handle = await rolledBack('never-recovers');
    await env.sleep(9 * MINUTE);
    expect(entry(await handle.query(stateQuery), 'rollback-unverified')).toBeUndefined();
    await env.sleep(1 * MINUTE + 1000);
    const state = await untilState(
      handle,
      (s) => entry(s, 'rollback-unverified') !== undefined,
      'the verdict',
    );
    expect(entry(state, 'rollback-unverified')?.message).toBe(
      `ROLLBACK DID NOT HELP: monitoring has not recovered 10m 00s after the rollback to ${sandbox.history.candidateSha.slice(0, 12)}`,
    );
    await untilState(
      handle,
      () => sandbox.pagerduty.notes.some((n) => n.content.includes('ROLLBACK DID NOT HELP')),
      'the note',
    );
    await untilState(
      handle,
      () => sandbox.slack.messages.some((m) => JSON.stringify(m.body).includes('ROLLBACK DID NOT HELP')),
      'Slack',
    );
    // A freeze outlives its incident; lifted, it ends (a running one would let the test server skip years).
    await act(handle, { action: 'lift-freeze' });
    await act(handle, { action: 'resolve' });
    await handle.result();
  });

  test('monitoring recovering within verifyWithin marks the rollback verified, and nobody is alarmed', async () => {
    const handle = await rolledBack('recovers');
    await env.sleep(2 * MINUTE);
    const now = new Date(await env.currentTimeMs()).toISOString();
    await handle.signal(alertsSignal, alertBatch('recovers', now, { status: 'resolved' }));
    const state = await untilState(
      handle,
      (s) => entry(s, 'rollback-verified') !== undefined,
      'the verification',
    );
    expect(entry(state, 'rollback-unverified')).toBeUndefined();
    await act(handle, { action: 'lift-freeze' });
    await env.sleep(10 * MINUTE);
    const report = await handle.result();
    expect(report.timeline.map((t: { kind: string }) => t.kind)).not.toContain('rollback-unverified');
  });
});
