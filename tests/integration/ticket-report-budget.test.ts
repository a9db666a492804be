// A Jira whose attachment endpoint keeps failing (503) on the incident's own timers (Temporal's
// time-skipping server): attaching is retried for its share of the ticket's five-minute budget, then
// becomes a follow-up, and the ticket is still commented and moved to Done within that budget.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IncidentReport } from '../../domain/report';
import type { Sandbox } from '../../sandbox';
import {
  alertBatch,
  signalIncident,
  startTimeSkippingWorld,
  untilState,
  type TimeSkippingWorld,
} from '../support/time-skipping';
import { actionUpdate } from '../../workflows/messages';

const MINUTE = 60_000;
const SERVICE = 'attach-outage';

describe('a Jira attachment outage at close', () => {
  let env: TestWorkflowEnvironment;
  let sandbox: Sandbox;
  let world: TimeSkippingWorld;

  beforeAll(async () => {
    world = await startTimeSkippingWorld({
      name: 'attach-budget',
      sandbox: { service: SERVICE, quietPeriodMs: 50 },
    });
    ({ env, sandbox } = world);
  });
  afterAll(async () => world?.stop());

  test('attaching is retried for at most its 2 minutes, then the ticket is closed anyway, within the 5', async () => {
    const now = new Date(await env.currentTimeMs()).toISOString();
    const handle = await signalIncident(world, SERVICE, alertBatch(SERVICE, now));
    const state = await untilState(handle, (s) => s.ticket != null, 'the ticket');
    const key = state.ticket?.key;
    expect(key).toBeDefined();
    const attachments = `/rest/api/3/issue/${key}/attachments`;
    sandbox.jira.addFault({ method: 'POST', pathPrefix: attachments, status: 503, times: 10_000 });
    await handle.executeUpdate(actionUpdate, {
      args: [
        {
          actor: { by: 'ada@example.test', channel: 'api' },
          request: { action: 'resolve', resolution: 'fixed' } as never,
        },
      ],
    });
    const report = (await handle.result()) as IncidentReport;

    const at = (kind: string) => Date.parse(report.timeline.find((t) => t.kind === kind)?.at ?? '');
    const failedAfterMs = at('ticket-report-failed') - at('resolved');
    // Backoff 2 s, 4 s, … 32 s: the try after 62 s would end past the 2 minutes, so Temporal stops there.
    expect(failedAfterMs).toBeGreaterThanOrEqual(MINUTE);
    expect(failedAfterMs).toBeLessThanOrEqual(2 * MINUTE);
    expect(at('ticket-closed') - at('resolved')).toBeLessThan(5 * MINUTE);
    expect(sandbox.jira.requests('POST', attachments)).toHaveLength(6);
    expect(sandbox.jira.issue(key as string)?.status).toBe('Done');
    expect(
      report.followUps.some((f) => f.startsWith(`the report could not be attached to ticket ${key}`)),
    ).toBe(true);
  });
});
