// SlackNotifier against the Slack stand-in: the Block Kit message Slack accepts, and how each of
// Slack's answers comes back as an IntegrationError.
import { IntegrationError } from '../../../integrations/errors';
import type { StakeholderMessage } from '../../../integrations/roles';
import { SlackNotifier } from '../../../integrations/slack';
import { ARCHIVED_WEBHOOK_KEY, REVOKED_WEBHOOK_KEY, SlackStandIn } from '../../../sandbox/slack';

const slack = new SlackStandIn();
const throttled = new SlackStandIn({ throttle: true });
const notifier = new SlackNotifier({ timeoutMs: 2000 });

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

function message(overrides: Partial<StakeholderMessage> = {}): StakeholderMessage {
  return {
    incidentId: 'checkout-2026-09-01-a1',
    milestone: 'rollback-succeeded',
    headline: 'checkout: rollback to 4a0b7d succeeded',
    severity: 'critical',
    service: 'checkout',
    status: 'mitigated',
    facts: ['Impact: checkout p99 above 2s for 14 minutes', 'Suspect deploy: v412 <4a0b7d..9f1c2e>'],
    links: [
      { href: 'https://firebreak.example.test/incidents/a1', text: 'Incident' },
      { href: 'https://ci.example.test/job/rollback/77' },
    ],
    ...overrides,
  };
}

const target = (url = slack.webhookUrl()) => ({ kind: 'slack' as const, webhookUrl: url });

async function failure(promise: Promise<unknown>): Promise<IntegrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

type Block = { type: string; [field: string]: unknown };

describe('the message', () => {
  test('is accepted by Slack with a header, fields, facts, context and link buttons', async () => {
    await notifier.send(target(), message());
    const body = slack.messages[0]?.body;
    const blocks = (body?.blocks ?? []) as Block[];
    expect(body?.text).toBe('checkout: rollback to 4a0b7d succeeded (critical, checkout, mitigated)');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context', 'actions']);
    expect(blocks[0]?.text).toEqual({ type: 'plain_text', text: 'checkout: rollback to 4a0b7d succeeded' });
    expect(JSON.stringify(blocks[1])).toContain('*Status*\\nmitigated');
    expect(blocks[2]?.text).toEqual({
      type: 'mrkdwn',
      text: '• Impact: checkout p99 above 2s for 14 minutes\n• Suspect deploy: v412 &lt;4a0b7d..9f1c2e&gt;',
    });
    expect(blocks[4]?.elements).toEqual([
      expect.objectContaining({
        type: 'button',
        text: { type: 'plain_text', text: 'Incident' },
        url: message().links[0]?.href,
      }),
      expect.objectContaining({ type: 'button', text: { type: 'plain_text', text: 'ci.example.test' } }),
    ]);
  });

  test('stays within Slack limits when the headline and facts are long', async () => {
    const facts = Array.from({ length: 40 }, (_, i) => `fact ${i}: ${'x'.repeat(400)}`);
    await notifier.send(
      target(),
      message({ headline: 'h'.repeat(400), facts: [...facts, 'y'.repeat(5000)] }),
    );
    const blocks = (slack.messages[0]?.body.blocks ?? []) as Block[];
    expect((blocks[0]?.text as { text: string }).text).toHaveLength(150);
    const factSections = blocks.filter((b) => b.type === 'section' && b.text !== undefined);
    expect(factSections.length).toBeGreaterThan(5);
    for (const s of factSections) expect((s.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
  });

  test('has no actions block when there are no links', async () => {
    await notifier.send(target(), message({ links: [] }));
    const blocks = (slack.messages[0]?.body.blocks ?? []) as Block[];
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});

describe("Slack's answers", () => {
  const permanent: Array<[number, string]> = [
    [400, 'invalid_payload'],
    [400, 'invalid_blocks'],
    [400, 'no_text'],
    [403, 'action_prohibited'],
  ];
  test.each(permanent)('%i %s is not retryable and carries the code', async (status, code) => {
    slack.addFault({ pathPrefix: '/services/', status, body: code, times: 1 });
    const error = await failure(notifier.send(target(), message()));
    expect(error).toMatchObject({ vendor: 'slack', status, code, retryable: false });
  });

  test('a revoked webhook (404 no_service) is not retryable', async () => {
    const error = await failure(notifier.send(target(slack.webhookUrl(REVOKED_WEBHOOK_KEY)), message()));
    expect(error).toMatchObject({ status: 404, code: 'no_service', retryable: false });
  });

  test('an archived channel (410 channel_is_archived) is not retryable', async () => {
    const error = await failure(notifier.send(target(slack.webhookUrl(ARCHIVED_WEBHOOK_KEY)), message()));
    expect(error).toMatchObject({ status: 410, code: 'channel_is_archived', retryable: false });
  });

  test('rate limiting (429) is retryable after the Retry-After seconds', async () => {
    await notifier.send(target(throttled.webhookUrl()), message());
    const error = await failure(notifier.send(target(throttled.webhookUrl()), message()));
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryable: true, retryAfterMs: 1000 });
  });

  test('a longer Retry-After is passed on as it is', async () => {
    slack.addFault({
      pathPrefix: '/services/',
      status: 429,
      body: 'rate_limited',
      headers: { 'retry-after': '30' },
      times: 1,
    });
    const error = await failure(notifier.send(target(), message()));
    expect(error.retryAfterMs).toBe(30_000);
  });

  test('a Slack-side 500 is retryable', async () => {
    slack.addFault({ pathPrefix: '/services/', status: 500, body: 'rollup_error', times: 1 });
    const error = await failure(notifier.send(target(), message()));
    expect(error).toMatchObject({ status: 500, code: 'rollup_error', retryable: true });
  });

  test('a 200 that is not "ok" is not taken for a delivery', async () => {
    slack.addFault({ pathPrefix: '/services/', status: 200, body: '<html>portal</html>', times: 1 });
    const error = await failure(notifier.send(target(), message()));
    expect(error).toMatchObject({ status: 200, code: 'unexpected_response', retryable: false });
  });

  test('a redirect is not followed', async () => {
    slack.addFault({
      pathPrefix: '/services/',
      status: 302,
      headers: { location: slack.webhookUrl('OTHER') },
      times: 1,
    });
    const error = await failure(notifier.send(target(), message()));
    expect(error).toMatchObject({ status: 302, retryable: false });
    expect(slack.messages).toHaveLength(0);
  });

  test('an answer slower than timeoutMs is a retryable timeout', async () => {
    slack.addFault({ pathPrefix: '/services/', status: 503, delayMs: 600, times: 1 });
    const started = Date.now();
    const error = await failure(new SlackNotifier({ timeoutMs: 100 }).send(target(), message()));
    expect(Date.now() - started).toBeLessThan(500);
    expect(error).toMatchObject({ code: 'ETIMEDOUT', retryable: true });
  });

  test('an unreachable webhook is a retryable network error', async () => {
    const error = await failure(notifier.send(target('http://127.0.0.1:1/services/T/B/K'), message()));
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true });
  });
});
