// PagerDutyClient through the real @pagerduty/pdjs against the HTTPS stand-in: what PagerDuty receives,
// and how each failure comes back as an IntegrationError.
import { IntegrationError } from '../../../integrations/errors';
import { PagerDutyClient, type PagerDutyClientOptions } from '../../../integrations/pagerduty';
import type { PageRequest } from '../../../integrations/roles';
import { PagerDutyStandIn } from '../../../sandbox/pagerduty';

const TOKEN = 'client-test-token';
const KEY = 'routingkey0000000000000000000001';

const pd = new PagerDutyStandIn({ apiToken: TOKEN });
let client: PagerDutyClient;

function clientWith(overrides: Partial<PagerDutyClientOptions> = {}): PagerDutyClient {
  return new PagerDutyClient({
    eventsUrl: pd.url,
    apiUrl: pd.url,
    apiToken: TOKEN,
    fromEmail: 'firebreak@example.test',
    timeoutMs: 3000,
    caCert: pd.caCert,
    ...overrides,
  });
}

beforeAll(async () => {
  await pd.listen();
  client = clientWith();
});
afterAll(() => pd.close());
beforeEach(() => pd.reset());

function page(overrides: Partial<PageRequest> = {}): PageRequest {
  return {
    routingKey: KEY,
    dedupKey: 'firebreak/checkout/incident-42',
    summary: 'checkout: p99 latency above 2s',
    source: 'checkout.prod',
    severity: 'critical',
    timestamp: '2026-09-01T10:00:00Z',
    component: 'checkout-api',
    customDetails: { suspectDeploy: 'v412', p99Ms: 2350 },
    links: [{ href: 'https://firebreak.example.test/incidents/42', text: 'Firebreak' }],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<IntegrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

describe('paging', () => {
  test('a trigger reaches PagerDuty with its dedup key, details and links', async () => {
    const receipt = await client.trigger(page());
    expect(receipt).toEqual({ dedupKey: 'firebreak/checkout/incident-42' });
    expect(pd.events[0]?.body).toMatchObject({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'firebreak/checkout/incident-42',
      payload: {
        summary: 'checkout: p99 latency above 2s',
        source: 'checkout.prod',
        severity: 'critical',
        timestamp: '2026-09-01T10:00:00Z',
        component: 'checkout-api',
        custom_details: { suspectDeploy: 'v412', p99Ms: 2350 },
      },
      links: [{ href: 'https://firebreak.example.test/incidents/42', text: 'Firebreak' }],
    });
  });

  test('a retried trigger lands on the same incident instead of opening a second one', async () => {
    await client.trigger(page());
    await client.trigger(page());
    expect(pd.incidents()).toHaveLength(1);
    expect(pd.incidents()[0]?.triggerCount).toBe(2);
  });

  test('a summary over 1024 characters is truncated instead of refused', async () => {
    await client.trigger(page({ summary: 's'.repeat(5000) }));
    expect(pd.incidents()[0]?.summary).toHaveLength(1024);
  });

  test('acknowledge and resolve move the incident along', async () => {
    await client.trigger(page());
    await client.acknowledge(KEY, 'firebreak/checkout/incident-42');
    expect(pd.incidents()[0]?.status).toBe('acknowledged');
    await client.resolve(KEY, 'firebreak/checkout/incident-42');
    expect(pd.incidents()[0]?.status).toBe('resolved');
  });

  test('a change event carries its summary, details and links (not the empty body of the pdjs README)', async () => {
    await client.recordChange({
      routingKey: KEY,
      summary: 'Rollback checkout v412 -> v411',
      source: 'firebreak',
      customDetails: { action: 'rollback', build: 77 },
      links: [{ href: 'https://ci.example.test/job/rollback/77', text: 'Build' }],
    });
    expect(pd.changeEvents).toHaveLength(1);
    expect(pd.changeEvents[0]?.body).toMatchObject({
      routing_key: KEY,
      payload: {
        summary: 'Rollback checkout v412 -> v411',
        source: 'firebreak',
        custom_details: { action: 'rollback', build: 77 },
      },
      links: [{ href: 'https://ci.example.test/job/rollback/77', text: 'Build' }],
    });
    expect(pd.incidents()).toHaveLength(0);
  });
});

describe('REST', () => {
  test('whoIsOnCall lists the on-call users of the escalation policy, across pages', async () => {
    const users = Array.from({ length: 130 }, (_, i) => ({
      id: `PU${i}`,
      name: `User ${i}`,
      escalationLevel: 1 + (i % 2),
    }));
    pd.setOnCall('PCHECKOUT', users);
    pd.setOnCall('POTHER', [{ id: 'PNOTME', name: 'Not me' }]);
    const onCalls = await client.whoIsOnCall('PCHECKOUT');
    expect(onCalls).toHaveLength(130);
    expect(onCalls[1]).toEqual({
      userId: 'PU1',
      userName: 'User 1',
      userEmail: null,
      escalationLevel: 2,
      start: null,
      end: null,
    });
    expect(pd.standIn.requests('GET', '/pdcom/oncalls')).toHaveLength(2);
    expect(onCalls.some((o) => o.userId === 'PNOTME')).toBe(false);
  });

  test('incidentByDedupKey finds the newest incident of a dedup key, and addNote annotates it', async () => {
    await client.trigger(page());
    const incident = await client.incidentByDedupKey('firebreak/checkout/incident-42');
    expect(incident).toMatchObject({ id: pd.incidents()[0]?.id, number: 1, status: 'triggered' });
    await client.addNote(incident?.id ?? '', 'Rollback to v411 started');
    expect(pd.notes).toEqual([
      expect.objectContaining({ content: 'Rollback to v411 started', from: 'firebreak@example.test' }),
    ]);
  });

  test('notes lists what is already on the incident, so a retried note can be skipped', async () => {
    await client.trigger(page());
    const incident = await client.incidentByDedupKey('firebreak/checkout/incident-42');
    await client.addNote(incident?.id ?? '', 'first');
    await client.addNote(incident?.id ?? '', 'second');

    const notes = await client.notes(incident?.id ?? '');

    expect(notes.map((n) => n.content)).toEqual(['first', 'second']);
    expect(notes[0]?.id).toMatch(/^P/);
  });

  test('a wrong API token is a non-retryable error', async () => {
    const error = await failure(clientWith({ apiToken: 'wrong' }).whoIsOnCall('PSANDBOX'));
    expect(error).toMatchObject({ vendor: 'pagerduty', status: 401, retryable: false });
  });

  test('a note without a configured From email is refused before any request', async () => {
    const error = await failure(clientWith({ fromEmail: undefined }).addNote('Q1', 'hi'));
    expect(error).toMatchObject({ code: 'not_configured', retryable: false });
    expect(pd.standIn.received).toHaveLength(0);
  });

  test('a REST 429 is retryable after the ratelimit-reset seconds', async () => {
    pd.addFault({
      pathPrefix: '/pdcom/oncalls',
      status: 429,
      body: { error: { message: 'Rate Limit Exceeded', code: 2020 } },
      headers: { 'ratelimit-reset': '12' },
      times: 4,
    });
    const error = await failure(client.whoIsOnCall('PSANDBOX'));
    expect(error).toMatchObject({ status: 429, code: '2020', retryable: true, retryAfterMs: 12_000 });
  });

  test('a REST answer that is not JSON still reports its status', async () => {
    pd.addFault({ pathPrefix: '/pdcom/oncalls', status: 502, body: '<html>Bad gateway</html>', times: 1 });
    const error = await failure(client.whoIsOnCall('PSANDBOX'));
    expect(error).toMatchObject({ status: 502, retryable: true });
  });
});

describe('failures', () => {
  test('an event PagerDuty refuses (400) is not retryable and says why', async () => {
    const error = await failure(client.trigger(page({ source: '' })));
    expect(error).toMatchObject({ vendor: 'pagerduty', status: 400, retryable: false });
    expect(error.message).toContain('payload.source');
  });

  test('a 429 comes back at once as retryable with PagerDuty’s suggested 30 s wait', async () => {
    pd.addFault({ pathPrefix: '/v2/enqueue', status: 429, body: { status: 'throttle event' }, times: 10 });
    const started = Date.now();
    // A client of its own: after a 429 a client holds its routing key back (see "rate limits" below).
    const error = await failure(clientWith().trigger(page()));
    expect(Date.now() - started).toBeLessThan(2000); // not pdjs's 3 x 20 s
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 30_000 });
    expect(pd.incidents()).toHaveLength(0);
  });

  test('a 500 is retryable', async () => {
    pd.addFault({
      pathPrefix: '/v2/enqueue',
      status: 500,
      body: { status: 'error', message: 'oops' },
      times: 1,
    });
    const error = await failure(client.trigger(page()));
    expect(error).toMatchObject({ status: 500, retryable: true });
  });

  test('an Events answer that is not JSON has no status to judge by, so it is retryable', async () => {
    pd.addFault({ pathPrefix: '/v2/enqueue', status: 502, body: '<html>Bad gateway</html>', times: 1 });
    const error = await failure(client.trigger(page()));
    expect(error).toMatchObject({ code: 'invalid_response', retryable: true });
  });

  test('an answer slower than timeoutMs is abandoned as a retryable timeout', async () => {
    // Answers 503 late (rather than processing late), so nothing lands in a later test's records.
    pd.addFault({ pathPrefix: '/v2/enqueue', status: 503, delayMs: 800, times: 1 });
    const started = Date.now();
    const error = await failure(clientWith({ timeoutMs: 150 }).trigger(page()));
    expect(Date.now() - started).toBeLessThan(700);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', retryable: true });
  });

  test('an unreachable PagerDuty is a retryable network error', async () => {
    const error = await failure(clientWith({ eventsUrl: 'https://127.0.0.1:1' }).trigger(page()));
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
  });

  test('a certificate the client does not trust is refused, and retrying will not help', async () => {
    const error = await failure(clientWith({ caCert: undefined }).trigger(page()));
    expect(error.message).toMatch(/certificate/i);
    expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', retryable: false });
    expect(pd.events).toHaveLength(0);
  });

  test('an http:// URL is refused when the client is built', () => {
    expect(() => clientWith({ eventsUrl: 'http://127.0.0.1:8080' })).toThrow(/https/);
    expect(() => clientWith({ apiUrl: 'http://api.example.test' })).toThrow(/https/);
  });
});

describe('rate limits', () => {
  test('the 121st event in a minute on one routing key is held back, not sent, and says how long to wait', async () => {
    let now = Date.parse('2026-09-01T10:00:00Z');
    const limited = clientWith({ eventsPerMinute: 3, now: () => now });
    for (let i = 0; i < 3; i += 1) await limited.acknowledge(KEY, `incident-${i}`);
    now += 20_000;
    const error = await failure(limited.acknowledge(KEY, 'incident-3'));
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 40_000 });
    expect(pd.events).toHaveLength(3);
    // Another routing key has its own budget; and once the window slides on, the key may send again.
    await limited.acknowledge('routingkey0000000000000000000002', 'incident-4');
    now += 40_001;
    await limited.acknowledge(KEY, 'incident-3');
    expect(pd.events).toHaveLength(5);
  });

  test('after a 429 the routing key stays quiet until PagerDuty’s reset, without another request', async () => {
    let now = Date.parse('2026-09-01T10:00:00Z');
    const throttled = clientWith({ now: () => now });
    pd.addFault({
      pathPrefix: '/v2/enqueue',
      status: 429,
      body: { status: 'throttle event', message: 'Request Limit Exceeded' },
      headers: { 'retry-after': '12' },
      // pdjs itself re-sends a 429 three times at once (hard-coded) before handing it back.
      times: 4,
    });
    expect(await failure(throttled.trigger(page()))).toMatchObject({ status: 429, retryAfterMs: 12_000 });
    now += 5_000;
    expect(await failure(throttled.trigger(page()))).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 7_000,
    });
    expect(pd.requests('POST', '/v2/enqueue')).toHaveLength(4);
    now += 7_000;
    await throttled.trigger(page());
    expect(pd.incidents()).toHaveLength(1);
  });
});

describe('REST: escalation and people', () => {
  test('escalate re-assigns the incident to the next level of its escalation policy, as the From user', async () => {
    await client.trigger(page());
    const incident = await client.incidentByDedupKey('firebreak/checkout/incident-42');
    await client.escalate(incident?.id ?? '', 2);
    expect(pd.incidents()[0]).toMatchObject({ escalationLevel: 2, assignees: ['PUSER02'] });
    const put = pd.standIn.requests('PUT', '/pdcom/incidents/')[0];
    expect(put?.headers.from).toBe('firebreak@example.test');
    expect(put?.body).toEqual({ incident: { type: 'incident_reference', escalation_level: 2 } });
  });

  test('escalating past the last level is refused for good', async () => {
    await client.trigger(page());
    const incident = await client.incidentByDedupKey('firebreak/checkout/incident-42');
    const error = await failure(client.escalate(incident?.id ?? '', 9));
    expect(error).toMatchObject({ status: 400, code: '1006', retryable: false });
  });

  test('who is on call comes with each user’s email; a user id finds its email', async () => {
    const onCalls = await client.whoIsOnCall('PSANDBOX');
    expect(onCalls[0]).toMatchObject({ userId: 'PUSER01', userEmail: 'ada@example.test' });
    expect(pd.standIn.requests('GET', '/pdcom/oncalls')[0]?.query).toMatchObject({ 'include[]': 'users' });
    expect(await client.userEmail('PUSER02')).toBe('grace@example.test');
    expect(await client.userEmail('PNOBODY')).toBeNull();
  });
});
