// The paging activities against the PagerDuty stand-in (HTTPS, as pdjs insists).
import { MockActivityEnvironment } from '@temporalio/testing';
import { typedRun } from '../../support/activity-env';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../activities';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildActivityDeps } from '../../../worker/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

describe('paging', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let activities: ReturnType<typeof createActivities>;
  const env = new MockActivityEnvironment();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-page-'));
    sandbox = await startSandbox({ dataDir, apiPort: 0, service: 'shop' });
    activities = createActivities(buildActivityDeps(sandbox.config, sandbox.extras));
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const page = (overrides: Record<string, unknown> = {}) => ({
    incidentId: 'shop-1234abcd',
    dedupKey: 'shop-1234abcd',
    service: 'shop',
    severity: 'critical',
    title: 'checkout 5xx above 10%',
    impactStart: '2026-11-20T10:00:00.000Z',
    alerts: [],
    enrichment: null,
    ...overrides,
  });

  test('a page is a trigger keyed by the incident, with a summary, mapped severity and links', async () => {
    await typedRun(env, activities.pageResponder, page({ severity: 'warn' }));
    const event = sandbox.pagerduty.events.at(-1);
    const body = event?.body as {
      dedup_key: string;
      payload: { summary: string; severity: string };
      links: Array<{ href: string }>;
    };
    expect(body.dedup_key).toBe('shop-1234abcd');
    expect(body.payload).toMatchObject({
      summary: '[warn] shop: checkout 5xx above 10%',
      severity: 'warning',
    });
    expect(body.links.map((l) => l.href)).toContain('http://127.0.0.1:0/v1/incidents/shop-1234abcd/report');
  });

  test('paging the same incident twice leaves one PagerDuty incident', async () => {
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-twice000' }));
    await typedRun(env, activities.pageResponder, page({ dedupKey: 'shop-twice000' }));
    expect(sandbox.pagerduty.incidents().filter((i) => i.dedupKey === 'shop-twice000')).toHaveLength(1);
  });

  test('PagerDuty answering 500 is a retryable failure', async () => {
    sandbox.pagerduty.addFault({ pathPrefix: '/v2/enqueue', status: 500, times: 1 });
    const error = await typedRun(env, activities.pageResponder, page()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(false);
  });

  test('a service without a routing key fails without retrying, naming the service', async () => {
    const error = await env
      .run(activities.pageResponder, page({ service: 'unconfigured' }))
      .catch((e: unknown) => e);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toContain("'unconfigured'");
  });

  test('who is on call is read from the escalation policy', async () => {
    const names = await typedRun(env, activities.lookUpOnCall, { service: 'shop' });
    expect(names?.length).toBeGreaterThan(0);
  });
});
