// The SMTP stand-in is a real smtp-server: a client that vanishes mid-message (a worker SIGKILLed while
// it sends) is logged and the server goes on serving, as a real mail server does.
import net from 'node:net';
import { EmailNotifier } from '../../../integrations/email';
import { SmtpStandIn } from '../../../sandbox/smtp';

const smtp = new SmtpStandIn({ user: 'ir', password: 'pw' });

beforeAll(async () => {
  await smtp.listen();
});
afterAll(async () => smtp.close());

/** Talks SMTP up to the middle of DATA, then resets the connection (TCP RST), like a killed process. */
async function resetMidMessage(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  const lines: string[] = [];
  socket.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\r\n')));
  const waitFor = async (code: string) => {
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.startsWith(code))) {
      if (Date.now() > deadline) throw new Error(`no ${code} from the stand-in: ${lines.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    lines.length = 0;
  };
  const send = async (line: string, code: string) => {
    socket.write(`${line}\r\n`);
    await waitFor(code);
  };
  await waitFor('220');
  await send('EHLO worker.test', '250 ');
  await send(`AUTH PLAIN ${Buffer.from('\0ir\0pw').toString('base64')}`, '235');
  await send('MAIL FROM:<firebreak@example.test>', '250');
  await send('RCPT TO:<ops@example.test>', '250');
  await send('DATA', '354');
  await new Promise<void>((resolve) =>
    socket.write('Subject: half a message\r\n\r\nthe worker died here', () => resolve()),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.resetAndDestroy();
}

test('a client that resets its connection mid-message is logged, and the next mail is still received', async () => {
  await resetMidMessage(smtp.port);
  const deadline = Date.now() + 5000;
  while (smtp.connectionErrors.length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(smtp.connectionErrors.join(' ')).toMatch(/ECONNRESET/);

  const email = new EmailNotifier({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    user: 'ir',
    pass: 'pw',
    from: 'Firebreak <firebreak@example.test>',
    socketTimeoutMs: 5000,
  });
  await email.send(
    { kind: 'email', to: ['ops@example.test'] },
    {
      incidentId: 'svc-1',
      milestone: 'opened',
      headline: 'svc: incident opened',
      severity: 'critical',
      service: 'svc',
      status: 'paged',
      facts: [],
      links: [],
    },
  );
  expect(smtp.inbox.map((m) => m.subject)).toEqual([expect.stringContaining('svc: incident opened')]);
  email.close();
});
