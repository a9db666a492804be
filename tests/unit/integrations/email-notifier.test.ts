// EmailNotifier through nodemailer's pool into the SMTP stand-in: the mail as it arrives (parsed back
// by mailparser), and how SMTP's answers come back as IntegrationErrors.
import net from 'node:net';
import { EmailNotifier, type EmailNotifierOptions } from '../../../integrations/email';
import { IntegrationError } from '../../../integrations/errors';
import type { StakeholderMessage } from '../../../integrations/roles';
import { SmtpStandIn } from '../../../sandbox/smtp';

const smtp = new SmtpStandIn({ user: 'ir', password: 'pw' });
const notifiers: EmailNotifier[] = [];
let notifier: EmailNotifier;

function notifierWith(overrides: Partial<EmailNotifierOptions> = {}): EmailNotifier {
  const created = new EmailNotifier({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    user: 'ir',
    pass: 'pw',
    from: 'Firebreak <firebreak@example.test>',
    connectionTimeoutMs: 2000,
    greetingTimeoutMs: 2000,
    socketTimeoutMs: 5000,
    ...overrides,
  });
  notifiers.push(created);
  return created;
}

beforeAll(async () => {
  await smtp.listen();
  notifier = notifierWith();
});
afterAll(async () => {
  for (const n of notifiers) n.close();
  await smtp.close();
});
beforeEach(() => smtp.reset());

function message(overrides: Partial<StakeholderMessage> = {}): StakeholderMessage {
  return {
    incidentId: 'checkout-2026-09-01-a1',
    milestone: 'rollback-succeeded',
    headline: 'checkout: rollback to 4a0b7d succeeded',
    severity: 'critical',
    service: 'checkout',
    status: 'mitigated',
    facts: ['Impact: checkout p99 above 2s for 14 minutes', 'Next update: when resolved'],
    links: [{ href: 'https://firebreak.example.test/incidents/a1', text: 'Incident timeline' }],
    ...overrides,
  };
}

const to = (...addresses: string[]) => ({ kind: 'email' as const, to: addresses });

async function failure(promise: Promise<unknown>): Promise<IntegrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

describe('delivery', () => {
  test('the mail arrives with its recipients, subject and facts', async () => {
    await notifier.send(to('cto@example.test', 'support@example.test'), message());
    expect(smtp.inbox).toHaveLength(1);
    const mail = smtp.inbox[0];
    expect(mail?.envelope).toEqual({
      from: 'firebreak@example.test',
      to: ['cto@example.test', 'support@example.test'],
    });
    expect(mail?.to).toEqual(['cto@example.test', 'support@example.test']);
    expect(mail?.subject).toBe('[critical] checkout: rollback to 4a0b7d succeeded');
    expect(mail?.text).toContain('- Impact: checkout p99 above 2s for 14 minutes');
    expect(mail?.text).toContain('Status:    mitigated');
    expect(mail?.text).toContain('Incident timeline: https://firebreak.example.test/incidents/a1');
    expect(mail?.html).toContain(
      '<a href="https://firebreak.example.test/incidents/a1">Incident timeline</a>',
    );
  });

  test('names the service in the subject when the headline does not', async () => {
    await notifier.send(to('a@example.test'), message({ headline: 'Rollback succeeded' }));
    expect(smtp.inbox[0]?.subject).toBe('[critical] checkout: Rollback succeeded');
  });

  test('a resent milestone keeps its Message-ID and every mail of the incident shares a reference', async () => {
    await notifier.send(to('a@example.test'), message());
    await notifier.send(to('a@example.test'), message());
    await notifier.send(to('a@example.test'), message({ milestone: 'resolved' }));
    const [first, resent, next] = smtp.inbox;
    expect(first?.messageId).toBe('<checkout-2026-09-01-a1.rollback-succeeded@firebreak>');
    expect(resent?.messageId).toBe(first?.messageId);
    expect(next?.messageId).toBe('<checkout-2026-09-01-a1.resolved@firebreak>');
    expect(next?.references).toEqual(['<checkout-2026-09-01-a1@firebreak>']);
  });

  test('a milestone that happens twice (a second escalation) is a new Message-ID, so no receiver drops it', async () => {
    await notifier.send(to('a@example.test'), message({ milestone: 'escalated', updateId: 'escalated-3' }));
    await notifier.send(to('a@example.test'), message({ milestone: 'escalated', updateId: 'escalated-5' }));
    expect(smtp.inbox.map((m) => m.messageId)).toEqual([
      '<checkout-2026-09-01-a1.escalated-3@firebreak>',
      '<checkout-2026-09-01-a1.escalated-5@firebreak>',
    ]);
  });

  test('markup in facts is escaped in the HTML body', async () => {
    await notifier.send(to('a@example.test'), message({ facts: ['<script>alert(1)</script> & more'] }));
    expect(smtp.inbox[0]?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(smtp.inbox[0]?.html).not.toContain('<script>');
  });
});

describe('failures', () => {
  test('a temporary 451 is retryable', async () => {
    smtp.failNext(451, 'Try again later');
    const error = await failure(notifier.send(to('a@example.test'), message()));
    expect(error).toMatchObject({ vendor: 'email', status: 451, retryable: true });
    expect(smtp.inbox).toHaveLength(0);
  });

  test('a permanent 550 is not retryable', async () => {
    smtp.failNext(550, 'Message rejected as spam');
    const error = await failure(notifier.send(to('a@example.test'), message()));
    expect(error).toMatchObject({ vendor: 'email', status: 550, retryable: false });
  });

  test('the pool keeps working after a refused message', async () => {
    smtp.failNext(451, 'Try again later');
    await failure(notifier.send(to('a@example.test'), message()));
    await notifier.send(to('a@example.test'), message());
    expect(smtp.inbox).toHaveLength(1);
  });

  test('one refused recipient among several fails without retry and names the recipient', async () => {
    smtp.refuseRecipient('gone@example.test');
    const error = await failure(notifier.send(to('ok@example.test', 'gone@example.test'), message()));
    expect(error).toMatchObject({ code: 'EENVELOPE', retryable: false });
    expect(error.message).toContain('gone@example.test');
    expect(smtp.inbox[0]?.envelope.to).toEqual(['ok@example.test']);
  });

  test('wrong credentials are not retryable', async () => {
    const error = await failure(notifierWith({ pass: 'wrong' }).send(to('a@example.test'), message()));
    expect(error).toMatchObject({ code: 'EAUTH', status: 535, retryable: false });
  });

  test('an unreachable server is retryable', async () => {
    const port = await closedPort();
    const error = await failure(notifierWith({ port }).send(to('a@example.test'), message()));
    expect(error).toMatchObject({ code: 'ESOCKET', retryable: true }); // ECONNREFUSED underneath
  });

  test('a server that greets and then stalls fails the send within its whole budget, retryably', async () => {
    const sockets: net.Socket[] = [];
    const stalling = net.createServer((socket) => {
      sockets.push(socket);
      socket.write('220 slow.example.test ESMTP\r\n');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = stalling.address() as net.AddressInfo;
      const slow = notifierWith({ port, socketTimeoutMs: 60_000, sendTimeoutMs: 500 });
      const started = Date.now();
      const error = await failure(slow.send(to('a@example.test'), message()));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toMatchObject({ code: 'EABORT', retryable: true });
      slow.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      stalling.close();
    }
  });

  test('no recipients is refused before connecting', async () => {
    const error = await failure(notifier.send(to(), message()));
    expect(error).toMatchObject({ code: 'ECONFIG', retryable: false });
  });
});

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
