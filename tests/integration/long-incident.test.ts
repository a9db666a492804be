// Timings come from the workflow's clock, never from wall time: an incident left open for three days
// (on Temporal's time-skipping test server) reports a TTR of three days.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AlertBatch } from '../../domain/alert';
import { actionUpdate, alertsSignal, stateQuery } from '../../workflows/messages';
import { startTimeSkippingWorld, type TimeSkippingWorld } from '../support/time-skipping';

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
    const batch: AlertBatch = {
      deliveryId: 'd1',
      receivedAt: detected,
      truncated: 0,
      alerts: [
        {
          source: 'alertmanager',
          service: 'long-running',
          severity: 'critical',
          summary: 'queue backlog growing',
          labels: {},
          annotations: {},
          links: {},
          startsAt: detected,
          endsAt: null,
          status: 'firing',
          occurrenceKey: 'f1@start',
        },
      ],
    };
    const handle = await env.client.workflow.signalWithStart('incidentWorkflow', {
      workflowId: 'incident-long-running',
      taskQueue: 'long',
      args: [{ group: 'long-running', service: 'long-running', indexed: false }],
      signal: alertsSignal,
      signalArgs: [batch],
    });
    for (;;) {
      const state = await handle.query(stateQuery);
      if (state.times.paged) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
