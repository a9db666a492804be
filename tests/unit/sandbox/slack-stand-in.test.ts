// The Slack stand-in answers like an incoming webhook: "ok", or Slack's plain-text error codes.
import axios, { type AxiosResponse } from 'axios';
import { ARCHIVED_WEBHOOK_KEY, REVOKED_WEBHOOK_KEY, SlackStandIn } from '../../../sandbox/slack';

let clock = 1_000_000;
const slack = new SlackStandIn();
const throttled = new SlackStandIn({ throttle: true, now: () => clock });

beforeAll(async () => {
  await Promise.all([slack.listen(), throttled.listen()]);
});
afterAll(async () => {
  await Promise.all([slack.close(), throttled.close()]);
});
beforeEach(() => {
  slack.reset();
  throttled.reset();
});

function post(url: string, body: unknown, contentType = 'application/json'): Promise<AxiosResponse<string>> {
  return axios.post(url, typeof body === 'string' ? body : JSON.stringify(body), {
    headers: { 'content-type': contentType },
    responseType: 'text',
    validateStatus: () => true,
  });
}

const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('accepted messages', () => {
  test('a text message is answered 200 "ok" and kept with its webhook path', async () => {
    const response = await post(slack.webhookUrl('KEY1'), { text: 'Rollback started' });
    expect(response.status).toBe(200);
    expect(response.data).toBe('ok');
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(slack.messages).toEqual([
      expect.objectContaining({
        webhookPath: '/services/T0000SANDBOX/B0000SANDBOX/KEY1',
        body: { text: 'Rollback started' },
      }),
    ]);
  });

  test('a Block Kit message with header, section, context, divider and link buttons is accepted', async () => {
    const blocks = [
      header('checkout: rollback succeeded'),
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Severity*\ncritical' }] },
      { type: 'divider' },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Incident 42' }] },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, url: 'https://x.test' }],
      },
    ];
    expect((await post(slack.webhookUrl(), { text: 'fallback', blocks })).data).toBe('ok');
  });
});

describe('refused messages', () => {
  test('a body that is not JSON is invalid_payload', async () => {
    const response = await post(slack.webhookUrl(), '{"text": "unterminated');
    expect([response.status, response.data]).toEqual([400, 'invalid_payload']);
  });

  test('a form-encoded body is invalid_payload', async () => {
    const response = await post(slack.webhookUrl(), 'text=hello', 'application/x-www-form-urlencoded');
    expect([response.status, response.data]).toEqual([400, 'invalid_payload']);
  });

  test('a message with neither text nor blocks is no_text', async () => {
    const response = await post(slack.webhookUrl(), { username: 'firebreak' });
    expect([response.status, response.data]).toEqual([400, 'no_text']);
  });

  const badBlocks: Array<[string, unknown]> = [
    ['blocks that are not an array', { type: 'section' }],
    ['more than 50 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' }))],
    ['an unknown block type', [{ type: 'bogus' }]],
    ['a section text over 3000 characters', [section('x'.repeat(3001))]],
    ['a section without text or fields', [{ type: 'section' }]],
    ['a header without text', [{ type: 'header' }]],
    ['a header in mrkdwn', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }]],
    ['a header over 150 characters', [header('h'.repeat(151))]],
    ['a context without elements', [{ type: 'context', elements: [] }]],
    ['an actions block without elements', [{ type: 'actions' }]],
    ['a button without text', [{ type: 'actions', elements: [{ type: 'button', url: 'https://x.test' }] }]],
  ];
  test.each(badBlocks)('%s is invalid_blocks', async (_name, blocks) => {
    const response = await post(slack.webhookUrl(), { text: 'fallback', blocks });
    expect([response.status, response.data]).toEqual([400, 'invalid_blocks']);
    expect(slack.messages).toHaveLength(0);
  });

  test('a revoked webhook is 404 no_service', async () => {
    const response = await post(slack.webhookUrl(REVOKED_WEBHOOK_KEY), { text: 'hi' });
    expect([response.status, response.data]).toEqual([404, 'no_service']);
  });

  test("an archived channel's webhook is 410 channel_is_archived", async () => {
    const response = await post(slack.webhookUrl(ARCHIVED_WEBHOOK_KEY), { text: 'hi' });
    expect([response.status, response.data]).toEqual([410, 'channel_is_archived']);
  });
});

describe('throttling', () => {
  test('a second message to the same webhook within a second is 429 rate_limited with Retry-After', async () => {
    await post(throttled.webhookUrl('A'), { text: 'one' });
    const response = await post(throttled.webhookUrl('A'), { text: 'two' });
    expect([response.status, response.data]).toEqual([429, 'rate_limited']);
    expect(response.headers['retry-after']).toBe('1');
    expect(throttled.messages).toHaveLength(1);
  });

  test('another webhook is not throttled', async () => {
    await post(throttled.webhookUrl('A'), { text: 'one' });
    expect((await post(throttled.webhookUrl('B'), { text: 'two' })).status).toBe(200);
  });

  test('the same webhook accepts again a second later', async () => {
    await post(throttled.webhookUrl('A'), { text: 'one' });
    clock += 1000;
    expect((await post(throttled.webhookUrl('A'), { text: 'two' })).status).toBe(200);
  });

  test('without the throttle option, messages in a burst are all accepted', async () => {
    const responses = await Promise.all([1, 2, 3].map((n) => post(slack.webhookUrl('A'), { text: `m${n}` })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
