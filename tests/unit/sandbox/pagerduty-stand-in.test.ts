// The PagerDuty stand-in behaves like PagerDuty where Firebreak depends on it: Events API validation,
// de-duplication and rate limits, REST authentication, From checks and pagination.
import https from 'node:https';
import axios, { type AxiosResponse } from 'axios';
import { type OnCallUser, PagerDutyStandIn, SANDBOX_ESCALATION_POLICY_ID } from '../../../sandbox/pagerduty';

const TOKEN = 'test-token';
const KEY = 'routingkey0000000000000000000001';
const OTHER_KEY = 'routingkey0000000000000000000002';

let clock = Date.parse('2026-09-01T10:00:00Z');
const pd = new PagerDutyStandIn({ apiToken: TOKEN, eventsPerMinute: 5, now: () => new Date(clock) });
let agent: https.Agent;

beforeAll(async () => {
  await pd.listen();
  agent = new https.Agent({ ca: pd.caCert });
});
afterAll(async () => {
  agent.destroy();
  await pd.close();
});
beforeEach(() => {
  pd.reset();
  clock += 120_000; // a fresh rate-limit window for every test
});

function send(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<AxiosResponse> {
  return axios.request({
    method,
    url: `${pd.url}${path}`,
    data: options.body,
    headers: { 'content-type': 'application/json', ...options.headers },
    httpsAgent: agent,
    validateStatus: () => true,
  });
}

const enqueue = (body: unknown) => send('POST', '/v2/enqueue', { body });
const rest = (method: string, path: string, body?: unknown, from: string | null = 'oncall@example.test') =>
  send(method, path, {
    body,
    headers: { authorization: `Token token=${TOKEN}`, ...(from ? { from } : {}) },
  });

function trigger(dedupKey?: string, routingKey = KEY): Record<string, unknown> {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    ...(dedupKey ? { dedup_key: dedupKey } : {}),
    payload: { summary: 'checkout p99 above 2s', source: 'checkout.prod', severity: 'critical' },
  };
}

const action = (eventAction: string, dedupKey: string, routingKey = KEY) => ({
  routing_key: routingKey,
  event_action: eventAction,
  dedup_key: dedupKey,
});

describe('HTTPS', () => {
  test('its certificate is trusted for both 127.0.0.1 and localhost given caCert', async () => {
    const viaLocalhost = await axios.get(`https://localhost:${pd.standIn.port}/_sandbox/incidents`, {
      httpsAgent: agent,
    });
    expect(viaLocalhost.status).toBe(200);
    expect((await send('GET', '/_sandbox/incidents')).status).toBe(200);
  });
});

describe('Events API v2: validation', () => {
  test('accepts a trigger with 202 and echoes its dedup key', async () => {
    const response = await enqueue(trigger('inc-1'));
    expect(response.status).toBe(202);
    expect(response.data).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'inc-1' });
  });

  test('generates a UUID dedup key for a trigger without one', async () => {
    const response = await enqueue(trigger());
    expect(response.status).toBe(202);
    expect(response.data.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['no routing_key', { ...trigger('k'), routing_key: undefined }, 'routing_key'],
    ['an unknown event_action', { ...trigger('k'), event_action: 'escalate' }, 'event_action'],
    ['no payload on a trigger', { ...trigger('k'), payload: undefined }, 'payload'],
    ['no summary', { ...trigger('k'), payload: { source: 's', severity: 'info' } }, 'payload.summary'],
    ['no source', { ...trigger('k'), payload: { summary: 's', severity: 'info' } }, 'payload.source'],
    [
      'a severity outside the four',
      { ...trigger('k'), payload: { summary: 's', source: 's', severity: 'high' } },
      'severity',
    ],
    [
      'a summary over 1024 characters',
      { ...trigger('k'), payload: { summary: 'x'.repeat(1025), source: 's', severity: 'info' } },
      '1024',
    ],
    ['a dedup_key over 255 characters', trigger('k'.repeat(256)), '255'],
    ['an acknowledge without dedup_key', { routing_key: KEY, event_action: 'acknowledge' }, 'dedup_key'],
    ['a resolve without dedup_key', { routing_key: KEY, event_action: 'resolve' }, 'dedup_key'],
    ['a link without href', { ...trigger('k'), links: [{ text: 'no href' }] }, 'links'],
  ];
  test.each(invalid)('rejects %s with 400 and names the problem', async (_name, body, mentioned) => {
    const response = await enqueue(body);
    expect(response.status).toBe(400);
    expect(response.data).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
    expect(response.data.errors.join(' ')).toContain(mentioned);
    expect(pd.events).toHaveLength(0);
  });

  test('rejects a body over 512 KB', async () => {
    const big = trigger('big');
    (big.payload as Record<string, unknown>).custom_details = { blob: 'x'.repeat(513 * 1024) };
    const response = await enqueue(big);
    expect(response.status).toBe(400);
    expect(response.data.errors.join(' ')).toContain('512 KB');
  });

  test('answers a body that is not JSON with "Unrecognized object"', async () => {
    const response = await send('POST', '/v2/enqueue', { body: '{"routing_key":' });
    expect(response.status).toBe(400);
    expect(response.data).toEqual({
      status: 'Unrecognized object',
      message: 'Event object format is unrecognized',
      errors: ['JSON parse error'],
    });
  });
});

describe('Events API v2: de-duplication', () => {
  test('a repeated trigger lands on the open incident instead of opening another', async () => {
    await enqueue(trigger('inc-1'));
    await enqueue(trigger('inc-1'));
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.incidents()[0]).toMatchObject({ dedupKey: 'inc-1', status: 'triggered', triggerCount: 2 });
    expect(pd.events.map((e) => e.outcome)).toEqual(['opened', 'deduplicated']);
  });

  test('a trigger while acknowledged stays on the acknowledged incident', async () => {
    await enqueue(trigger('inc-1'));
    await enqueue(action('acknowledge', 'inc-1'));
    await enqueue(trigger('inc-1'));
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.incidents()[0]).toMatchObject({ status: 'acknowledged', triggerCount: 2 });
  });

  test('a trigger after resolve opens a new incident with a new id and number', async () => {
    await enqueue(trigger('inc-1'));
    await enqueue(action('resolve', 'inc-1'));
    await enqueue(trigger('inc-1'));
    const [first, second] = pd.incidents();
    expect(first).toMatchObject({ status: 'resolved', number: 1 });
    expect(second).toMatchObject({ status: 'triggered', number: 2, dedupKey: 'inc-1' });
    expect(second?.id).not.toBe(first?.id);
    expect(second?.id).toMatch(/^Q[A-Z0-9]{13}$/);
  });

  test('acknowledge and resolve without an open alert are accepted but dropped', async () => {
    expect((await enqueue(action('acknowledge', 'never-triggered'))).status).toBe(202);
    expect((await enqueue(action('resolve', 'never-triggered'))).status).toBe(202);
    expect(pd.incidents()).toHaveLength(0);
    expect(pd.events.map((e) => e.outcome)).toEqual(['dropped', 'dropped']);
  });

  test('a resolve sent with another routing key does not touch the incident', async () => {
    await enqueue(trigger('inc-1'));
    await enqueue(action('resolve', 'inc-1', OTHER_KEY));
    expect(pd.incidents()[0]?.status).toBe('triggered');
    expect(pd.events[1]?.outcome).toBe('dropped');
  });
});

describe('Events API v2: rate limit', () => {
  test('answers 429 once a routing key exceeds its events per minute, and ingests nothing', async () => {
    for (let i = 0; i < 5; i += 1) expect((await enqueue(trigger(`k${i}`))).status).toBe(202);
    const throttled = await enqueue(trigger('k5'));
    expect(throttled.status).toBe(429);
    expect(throttled.data.message).toBe('Request Limit Exceeded');
    expect(pd.incidents()).toHaveLength(5);
  });

  test('throttles each routing key on its own', async () => {
    for (let i = 0; i < 5; i += 1) await enqueue(trigger(`k${i}`));
    expect((await enqueue(trigger('other', OTHER_KEY))).status).toBe(202);
  });

  test('accepts events again once the 60 s window has slid past', async () => {
    for (let i = 0; i < 5; i += 1) await enqueue(trigger(`k${i}`));
    clock += 61_000;
    expect((await enqueue(trigger('later'))).status).toBe(202);
  });
});

describe('Events API v2: change events', () => {
  test('records a change event without opening an incident', async () => {
    const body = {
      routing_key: KEY,
      payload: { summary: 'Rollback checkout v412 -> v411', source: 'firebreak' },
    };
    const response = await send('POST', '/v2/change/enqueue', { body });
    expect(response.status).toBe(202);
    expect(pd.changeEvents).toEqual([
      expect.objectContaining({ routingKey: KEY, summary: body.payload.summary }),
    ]);
    expect(pd.incidents()).toHaveLength(0);
  });

  test('rejects a change event without a summary', async () => {
    const response = await send('POST', '/v2/change/enqueue', { body: { routing_key: KEY, payload: {} } });
    expect(response.status).toBe(400);
    expect(pd.changeEvents).toHaveLength(0);
  });
});

describe('REST API', () => {
  test('refuses a request with a wrong token with 401 and a PagerDuty error body', async () => {
    const response = await send('GET', '/oncalls', { headers: { authorization: 'Token token=wrong' } });
    expect(response.status).toBe(401);
    expect(response.data.error).toEqual(expect.objectContaining({ message: expect.any(String), code: 2006 }));
  });

  test('refuses a request without Authorization', async () => {
    expect((await send('GET', '/incidents')).status).toBe(401);
  });

  test('refuses a write without a From header', async () => {
    await enqueue(trigger('inc-1'));
    const id = pd.incidents()[0]?.id;
    const response = await rest('POST', `/incidents/${id}/notes`, { note: { content: 'hi' } }, null);
    expect(response.status).toBe(400);
    expect(response.data.error.errors.join(' ')).toContain('From');
    expect(pd.notes).toHaveLength(0);
  });

  test('lists the on-calls of one escalation policy in the documented shape', async () => {
    const response = await rest(
      'GET',
      `/oncalls?escalation_policy_ids%5B%5D=${SANDBOX_ESCALATION_POLICY_ID}`,
    );
    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({ limit: 25, offset: 0, more: false, total: null });
    expect(response.data.oncalls[0]).toEqual({
      user: { id: 'PUSER01', type: 'user_reference', summary: 'Ada Lovelace', email: 'ada@example.test' },
      schedule: { id: 'PSCHED1', type: 'schedule_reference' },
      escalation_policy: { id: SANDBOX_ESCALATION_POLICY_ID, type: 'escalation_policy_reference' },
      escalation_level: 1,
      start: null,
      end: null,
    });
  });

  test('pages on-calls with limit, offset, more and total', async () => {
    const users: OnCallUser[] = Array.from({ length: 5 }, (_, i) => ({ id: `PU${i}`, name: `User ${i}` }));
    pd.setOnCall('PBIG', users);
    const first = await rest('GET', '/oncalls?escalation_policy_ids%5B%5D=PBIG&limit=2&total=true');
    const last = await rest('GET', '/oncalls?escalation_policy_ids%5B%5D=PBIG&limit=2&offset=4');
    expect(first.data).toMatchObject({ limit: 2, offset: 0, more: true, total: 5 });
    expect(first.data.oncalls.map((o: { user: { id: string } }) => o.user.id)).toEqual(['PU0', 'PU1']);
    expect(last.data).toMatchObject({ limit: 2, offset: 4, more: false, total: null });
    expect(last.data.oncalls).toHaveLength(1);
  });

  test('refuses offset + limit beyond 10000', async () => {
    expect((await rest('GET', '/oncalls?limit=100&offset=9950')).status).toBe(400);
  });

  test('finds the incidents of a dedup key with incident_key', async () => {
    await enqueue(trigger('inc-1'));
    await enqueue(trigger('inc-2'));
    const response = await rest('GET', '/incidents?incident_key=inc-2');
    expect(response.data.incidents).toHaveLength(1);
    expect(response.data.incidents[0]).toMatchObject({
      incident_key: 'inc-2',
      status: 'triggered',
      type: 'incident',
    });
  });

  test('acknowledges and then resolves an incident with a resolution', async () => {
    await enqueue(trigger('inc-1'));
    const id = pd.incidents()[0]?.id;
    const ack = await rest('PUT', `/incidents/${id}`, {
      incident: { type: 'incident_reference', status: 'acknowledged' },
    });
    const resolved = await rest('PUT', `/incidents/${id}`, {
      incident: { type: 'incident_reference', status: 'resolved', resolution: 'Rolled back to v411' },
    });
    expect(ack.data.incident.status).toBe('acknowledged');
    expect(resolved.data.incident.status).toBe('resolved');
    expect(pd.incidents()[0]).toMatchObject({ status: 'resolved', resolution: 'Rolled back to v411' });
  });

  test('a trigger after a REST resolve opens a new incident', async () => {
    await enqueue(trigger('inc-1'));
    const id = pd.incidents()[0]?.id;
    await rest('PUT', `/incidents/${id}`, { incident: { type: 'incident', status: 'resolved' } });
    await enqueue(trigger('inc-1'));
    expect(pd.incidents().map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  test('adds a note and returns it wrapped', async () => {
    await enqueue(trigger('inc-1'));
    const id = pd.incidents()[0]?.id;
    const response = await rest('POST', `/incidents/${id}/notes`, { note: { content: 'Rollback started' } });
    expect(response.status).toBe(200);
    expect(response.data.note).toMatchObject({ content: 'Rollback started', id: expect.any(String) });
    expect(pd.notes).toEqual([expect.objectContaining({ incidentId: id, content: 'Rollback started' })]);
  });

  test('answers 404 for an unknown incident', async () => {
    const response = await rest('GET', '/incidents/QNOSUCHINCIDENT');
    expect(response.status).toBe(404);
    expect(response.data.error.message).toBe('Not Found');
  });

  test('serves the same REST routes under /pdcom', async () => {
    await enqueue(trigger('inc-1'));
    const response = await rest('GET', '/pdcom/incidents?incident_key=inc-1');
    expect(response.status).toBe(200);
    expect(response.data.incidents).toHaveLength(1);
  });
});
