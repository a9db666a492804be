// Bad input gets a clear 4xx that names the problem, starts no workflow, and leaves the API up.
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdForGroup } from '../../domain/ids';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

describe('bad requests', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const intake = '/v1/alerts/alertmanager';

  test('an alert without a token is refused with 401', async () => {
    const response = await h.post(intake, alertmanagerPayload(h.service), '');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });

  test('an alert with the API token instead of the intake token is refused with 401', async () => {
    expect((await h.post(intake, alertmanagerPayload(h.service), SANDBOX_API_TOKEN)).status).toBe(401);
  });

  test('malformed JSON is refused with 400', async () => {
    const response = await h.post(intake, '{"version": "4", "alerts": [');
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/JSON/i);
  });

  test('a payload over the size limit is refused with 413', async () => {
    const huge = alertmanagerPayload(h.service, { summary: 'x'.repeat(2 * 1024 * 1024) });
    const response = await h.post(intake, huge);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  test('a payload missing its alerts is refused naming the field', async () => {
    const { alerts: _alerts, ...rest } = alertmanagerPayload(h.service);
    const response = await h.post(intake, rest);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^alerts: /);
  });

  test('an alert for an unknown service is refused with 422', async () => {
    const response = await h.post(intake, alertmanagerPayload('no-such-service'));
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('unknown_service');
  });

  test('a body that is not JSON is refused with 415', async () => {
    const response = await fetch(`${h.apiUrl}${intake}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-alert-token', 'content-type': 'text/plain' },
      body: 'CheckoutErrors firing',
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as any).error.code).toBe('unsupported_media_type');
  });

  test('an unknown source route is 404', async () => {
    const response = await h.post('/v1/alerts/nagios', alertmanagerPayload(h.service));
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain("'nagios'");
  });

  test('none of the refused requests started an incident', async () => {
    const handle = h.client.workflow.getHandle(workflowIdForGroup(h.service));
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('incident routes need the API token', async () => {
    expect((await h.get('/v1/incidents', 'wrong')).status).toBe(401);
  });

  test('an unknown incident is 404 for reads and actions', async () => {
    expect((await h.get('/v1/incidents/nothing-0000abcd')).status).toBe(404);
    expect(
      (await h.post('/v1/incidents/nothing-0000abcd/actions', { action: 'acknowledge', by: 'ada' })).status,
    ).toBe(404);
  });

  test('an action without who is acting is refused with 422', async () => {
    const response = await h.post('/v1/incidents/nothing-0000abcd/actions', { action: 'acknowledge' });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain("'by'");
  });

  test('after all that the API still accepts a good alert', async () => {
    const response = await h.post(intake, alertmanagerPayload(h.service));
    expect(response.status).toBe(202);
    // No worker runs in this file: signal-with-start needs none, the alert is safe in Temporal.
    expect(response.body.incidents[0]).toMatchObject({ status: 'triggered', new: true });
    await h.client.workflow.getHandle(workflowIdForGroup(h.service)).terminate('test cleanup');
  });
});
