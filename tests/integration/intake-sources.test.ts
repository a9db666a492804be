// Every alert source through the HTTP API, with the credentials its sender can use, against a real
// Temporal server: incidents open, repeats change nothing, truncation never resolves unseen alerts.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { SANDBOX_ALERT_TOKEN } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';
import { datadogPayload, grafanaPayload } from '../support/payloads';

describe('alert sources', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: true });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const raw = (route: string, body: string, headers: Record<string, string>) =>
    fetch(`${h.apiUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  async function closeIncident(id: string): Promise<void> {
    await h.post(`/v1/incidents/${id}/actions`, { action: 'resolve', by: 'test' });
    await h.waitForClosed(id);
  }

  test('Grafana with basic auth opens an incident; its resolved notification resolves it', async () => {
    const basic = `Basic ${Buffer.from(`grafana:${SANDBOX_ALERT_TOKEN}`).toString('base64')}`;
    const firing = await raw('/v1/alerts/grafana', JSON.stringify(grafanaPayload('firing', h.service)), {
      authorization: basic,
    });
    expect(firing.status).toBe(202);
    const id = ((await firing.json()) as any).incidents[0].id;
    await h.waitForState(id, (s) => s.alerts.total === 1, 'the alert');
    await raw('/v1/alerts/grafana', JSON.stringify(grafanaPayload('resolved', h.service)), {
      authorization: basic,
    });
    await h.waitForClosed(id);
    const state = await h.waitForState(id, (s) => s.status === 'closed', 'monitoring recovery');
    expect(state.resolvedBy).toEqual({ by: 'monitoring', channel: 'workflow' });
    expect(state.alerts.items[0]?.alert.links.dashboard).toContain('viewPanel=2');
  });

  test('Datadog signed with an HMAC of the body opens an incident; a forged signature is refused', async () => {
    const body = JSON.stringify(datadogPayload('Triggered', {}, h.service));
    const signature = `sha256=${createHmac('sha256', SANDBOX_ALERT_TOKEN).update(body).digest('hex')}`;
    // Flip the last hex digit, so the forgery always differs from the real signature.
    const forged = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
    expect((await raw('/v1/alerts/datadog', body, { 'x-firebreak-signature': forged })).status).toBe(401);
    const response = await raw('/v1/alerts/datadog', body, { 'x-firebreak-signature': signature });
    expect(response.status).toBe(202);
    const id = ((await response.json()) as any).incidents[0].id;
    const state = await h.waitForState(id, (s) => s.alerts.total === 1, 'the alert');
    expect(state.alerts.items[0]?.alert).toMatchObject({ source: 'datadog', severity: 'critical' });
    await closeIncident(id);
  });

  test("the generic source takes Firebreak's own schema", async () => {
    const response = await h.post('/v1/alerts/generic/sandbox', {
      id: 'queue-backlog',
      service: h.service,
      severity: 'error',
      summary: 'queue backlog above 10k',
      startsAt: new Date().toISOString(),
    });
    expect(response.status).toBe(202);
    const state = await h.waitForState(
      response.body.incidents[0].id,
      (s) => s.alerts.total === 1,
      'the alert',
    );
    expect(state.title).toBe('queue backlog above 10k');
    await closeIncident(state.id);
  });

  test('a truncated resolved notification does not close the incident: unseen alerts may still fire', async () => {
    const startsAt = new Date().toISOString();
    const opened = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service, { startsAt }));
    const id = opened.body.incidents[0].id;
    await h.waitForState(id, (s) => s.alerts.total === 1, 'the alert');
    const truncated = {
      ...alertmanagerPayload(h.service, { status: 'resolved', startsAt }),
      truncatedAlerts: 3,
    };
    await h.post('/v1/alerts/alertmanager', truncated);
    const state = await h.waitForState(
      id,
      (s) => s.alerts.items[0]?.alert.status === 'resolved',
      'the resolved alert',
    );
    expect(state.status).not.toBe('resolved');
    expect(state.timeline.some((t) => t.kind === 'alerts-truncated')).toBe(true);
    await closeIncident(id);
  });

  test('a notification mixing firing and resolved alerts keeps the incident open while one fires', async () => {
    const startsAt = new Date().toISOString();
    const two = alertmanagerPayload(h.service, { startsAt }) as any;
    two.alerts.push({
      ...two.alerts[0],
      fingerprint: 'aaaa00000000bbbb',
      labels: { ...two.alerts[0].labels, instance: 'b' },
    });
    const opened = await h.post('/v1/alerts/alertmanager', two);
    const id = opened.body.incidents[0].id;
    await h.waitForState(id, (s) => s.alerts.total === 2, 'both alerts');
    const mixed = structuredClone(two);
    mixed.alerts[0] = { ...mixed.alerts[0], status: 'resolved', endsAt: new Date().toISOString() };
    await h.post('/v1/alerts/alertmanager', mixed);
    const state = await h.waitForState(
      id,
      (s) => s.alerts.items.some((a) => a.alert.status === 'resolved'),
      'one resolved',
    );
    expect(state.status).not.toBe('resolved');
    await closeIncident(id);
  });

  test('generated bodies at every route get a 2xx or a 4xx, never a 5xx', async () => {
    const routes = ['alertmanager', 'grafana', 'datadog', 'generic/sandbox'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue(), async (route, body) => {
        const response = await raw(`/v1/alerts/${route}`, JSON.stringify(body), {
          authorization: `Bearer ${SANDBOX_ALERT_TOKEN}`,
        });
        await response.arrayBuffer();
        return response.status < 500;
      }),
      { numRuns: 300 },
    );
  });
});
