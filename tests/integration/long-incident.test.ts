// Timings come from the workflow's clock, never from wall time: an incident left open for three days
// (on Temporal's time-skipping test server) reports a TTR of three days.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { actionUpdate } from '../../workflows/messages';
import {
  alertBatch,
  signalIncident,
  startTimeSkippingWorld,
  untilState,
  type TimeSkippingWorld,
} from '../support/time-skipping';

const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

describe('a long incident on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let world: TimeSkippingWorld;

  beforeAll(async () => {
    world = await startTimeSkippingWorld({ name: 'long', sandbox: { service: 'long-running' } });
    ({ env } = world);
  });
  afterAll(async () => world?.stop());

  test('an incident resolved three days after detection has a TTR of three days', async () => {
    // The workflow bundle is the one shared by the run; timers and clocks are this server's.
    const detected = new Date(await env.currentTimeMs()).toISOString();
    const handle = await signalIncident(
      world,
      'long-running',
      alertBatch('long-running', detected, { summary: 'queue backlog growing', key: 'f1@start' }),
    );
    await untilState(handle, (state) => state.times.paged !== null, 'the page');
    await env.sleep(THREE_DAYS_MS);
    await handle.executeUpdate(actionUpdate, {
      args: [
        {
          actor: { by: 'ada', channel: 'api' },
          request: { action: 'resolve', resolution: 'disk replaced' },
        },
      ],
    });
    const report = await handle.result();
    expect(report.timings.ttrMs).toBeGreaterThanOrEqual(THREE_DAYS_MS);
    expect(report.timings.ttrMs).toBeLessThan(THREE_DAYS_MS + 60_000);
    expect(report.resolution).toBe('disk replaced');
  });
});
