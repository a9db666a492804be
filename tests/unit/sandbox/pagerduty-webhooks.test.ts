// The PagerDuty stand-in sends v3 webhooks the way PagerDuty does (contracts/pagerduty.md §3):
// signed over the raw body, one signature per active secret, X-Webhook-Id kept across retries,
// retried on 5xx, and for what responders do in its "UI" as well as for what Firebreak asks of it.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import https from 'node:https';
import axios from 'axios';
import { PagerDutyStandIn } from '../../../sandbox/pagerduty';

const TOKEN = 'test-token';
const KEY = 'routingkey0000000000000000000001';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const pd = new PagerDutyStandIn({ apiToken: TOKEN, webhookRetryDelayMs: 10 });
const received: Received[] = [];
/** Statuses the receiver answers with, in order; 202 once they run out. */
const answers: number[] = [];
let receiver: Server;
let receiverUrl: string;
let agent: https.Agent;
let subscriptionId: string;

beforeAll(async () => {
  await pd.listen();
  agent = new https.Agent({ ca: pd.caCert });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(answers.shift() ?? 202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  subscriptionId = pd.subscribe(receiverUrl, ['secret-1']).id;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => receiver.close(resolve));
  await pd.close();
});
beforeEach(() => {
  pd.reset();
  pd.setWebhookSecrets(subscriptionId, ['secret-1']);
  received.length = 0;
  answers.length = 0;
});

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const eventOf = (r: Received | undefined) => JSON.parse(r?.body ?? '{}').event;

async function page(dedupKey = 'checkout-1234abcd'): Promise<string> {
  await axios.post(
    `${pd.url}/v2/enqueue`,
    {
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: { summary: 'checkout 5xx', source: 'checkout', severity: 'critical' },
    },
    { httpsAgent: agent },
  );
  return pd.incidents().at(-1)?.id as string;
}

function rest(method: 'put' | 'post', path: string, body: unknown) {
  return axios.request({
    method,
    url: `${pd.url}${path}`,
    data: body,
    httpsAgent: agent,
    headers: { authorization: `Token token=${TOKEN}`, from: 'bot@example.test' },
  });
}

describe('webhooks', () => {
  test('a responder acknowledging in the UI sends one signed incident.acknowledged naming them', async () => {
    const id = await page();
    const [delivery] = await pd.as('PUSER01').acknowledge('checkout-1234abcd');
    expect(delivery?.status).toBe(202);
    expect(received).toHaveLength(1);
    const request = received[0] as Received;
    expect(request.headers['x-webhook-id']).toBe(delivery?.webhookId);
    expect(request.headers['x-pagerduty-signature']).toBe(`v1=${hmac('secret-1', request.body)}`);
    expect(eventOf(request)).toMatchObject({
      event_type: 'incident.acknowledged',
      resource_type: 'incident',
      agent: { id: 'PUSER01', type: 'user_reference', summary: 'Ada Lovelace' },
      data: { id, type: 'incident', status: 'acknowledged', incident_key: 'checkout-1234abcd' },
    });
    expect(pd.incidents()[0]?.status).toBe('acknowledged');
  });

  test('while a secret is rotated every delivery carries one signature per secret', async () => {
    await page();
    pd.setWebhookSecrets(subscriptionId, ['secret-1', 'secret-2']);
    await pd.as('PUSER01').resolve('checkout-1234abcd');
    const request = received[0] as Received;
    expect(request.headers['x-pagerduty-signature']).toBe(
      `v1=${hmac('secret-1', request.body)},v1=${hmac('secret-2', request.body)}`,
    );
  });

  test('an answer of 500 is retried with the same X-Webhook-Id and body; a 400 is not', async () => {
    await page();
    answers.push(500);
    const [delivery] = await pd.as('PUSER01').addNote('checkout-1234abcd', 'looking');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([500, 202]);
    expect(received[1]?.headers['x-webhook-id']).toBe(received[0]?.headers['x-webhook-id']);
    expect(received[1]?.body).toBe(received[0]?.body);
    answers.push(400);
    const [refused] = await pd.as('PUSER01').addNote('checkout-1234abcd', 'again');
    expect(refused?.attempts).toHaveLength(1);
  });

  test('a webhook can be sent again as a duplicate, and forged with a wrong or no signature', async () => {
    await page();
    const [delivery] = await pd.as('PUSER01').acknowledge('checkout-1234abcd');
    await pd.redeliverWebhook(delivery?.webhookId as string);
    expect(received[1]?.headers['x-webhook-id']).toBe(delivery?.webhookId);
    expect(received[1]?.body).toBe(received[0]?.body);
    await pd.forgeWebhook(delivery?.webhookId as string);
    expect(received[2]?.headers['x-pagerduty-signature']).not.toContain(
      hmac('secret-1', received[2]?.body ?? ''),
    );
    await pd.forgeWebhook(delivery?.webhookId as string, { signature: null });
    expect(received[3]?.headers['x-pagerduty-signature']).toBeUndefined();
  });

  test('what Firebreak does through REST and Events comes back as webhooks too', async () => {
    const id = await page();
    await rest('put', `/incidents/${id}`, { incident: { type: 'incident_reference', escalation_level: 2 } });
    await rest('post', `/incidents/${id}/notes`, { note: { content: '[Firebreak] rollback started' } });
    await axios.post(
      `${pd.url}/v2/enqueue`,
      { routing_key: KEY, event_action: 'resolve', dedup_key: 'checkout-1234abcd' },
      { httpsAgent: agent },
    );
    await pd.webhooksSettled();
    const events = received.map(eventOf);
    expect(events.map((e) => e.event_type)).toEqual([
      'incident.escalated',
      'incident.annotated',
      'incident.resolved',
    ]);
    expect(events[0].data.assignees).toEqual([expect.objectContaining({ id: 'PUSER02' })]);
    expect(events[1].data).toMatchObject({
      type: 'incident_note',
      content: '[Firebreak] rollback started',
      incident: { id, type: 'incident_reference' },
    });
    expect(events[2].agent).toMatchObject({ type: 'service_reference' });
  });

  test('running an incident workflow sends incident.workflow.started with the workflow and the incident', async () => {
    const id = await page();
    await pd.as('PUSER02').runWorkflow('checkout-1234abcd', { id: 'PWFROLL', name: 'Roll back' });
    expect(eventOf(received[0])).toMatchObject({
      event_type: 'incident.workflow.started',
      agent: { id: 'PUSER02', summary: 'Grace Hopper' },
      data: {
        type: 'incident_workflow_instance',
        incident_workflow: { id: 'PWFROLL', summary: 'Roll back' },
        incident: { id, type: 'incident_reference' },
      },
    });
  });

  test('reassign and delegate say who has the incident now', async () => {
    await page();
    await pd.as('PUSER01').reassign('checkout-1234abcd', 'PUSER02');
    pd.setOnCall('PPAYMENTS', [{ id: 'PUSER09', name: 'Katherine Johnson' }]);
    await pd.as('PUSER01').delegate('checkout-1234abcd', 'PPAYMENTS');
    const [reassigned, delegated] = received.map(eventOf);
    expect(reassigned.data.assignees).toEqual([expect.objectContaining({ id: 'PUSER02' })]);
    expect(delegated).toMatchObject({
      event_type: 'incident.delegated',
      data: { escalation_policy: { id: 'PPAYMENTS' }, assignees: [{ id: 'PUSER09' }] },
    });
  });

  test('a person can play the responder over HTTP, as the sandbox banner says', async () => {
    await page();
    const response = await axios.post(
      `${pd.url}/_sandbox/incidents/checkout-1234abcd/responder`,
      { user: 'PUSER02', do: 'workflow', name: 'Roll back' },
      { httpsAgent: agent },
    );
    expect(response.data.deliveries).toEqual([{ webhookId: expect.any(String), status: 202 }]);
    expect(eventOf(received[0])).toMatchObject({
      event_type: 'incident.workflow.started',
      agent: { id: 'PUSER02' },
      data: { incident_workflow: { summary: 'Roll back' } },
    });
    const wrong = await axios.post(
      `${pd.url}/_sandbox/incidents/checkout-1234abcd/responder`,
      { do: 'reboot' },
      { httpsAgent: agent, validateStatus: () => true },
    );
    expect(wrong.status).toBe(400);
  });

  test('a subscription receives only the event types it asked for', async () => {
    const only = pd.subscribe(receiverUrl, ['secret-x'], ['incident.resolved']);
    await page();
    await pd.as('PUSER01').acknowledge('checkout-1234abcd');
    await pd.as('PUSER01').resolve('checkout-1234abcd');
    const toOnly = pd.webhookDeliveries.filter((d) => d.subscriptionId === only.id);
    expect(toOnly.map((d) => d.eventType)).toEqual(['incident.resolved']);
    pd.unsubscribe(only.id);
  });
});
