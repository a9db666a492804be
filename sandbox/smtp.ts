// A local SMTP server for stakeholder mail: a real smtp-server on loopback that requires AUTH, parses
// every message back with mailparser and keeps it in `inbox`, and can be told to refuse the next
// messages with a chosen SMTP code (contracts/services.md §5.2).
import type { AddressInfo } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export const SANDBOX_SMTP_USER = 'firebreak';
export const SANDBOX_SMTP_PASSWORD = 'sandbox';

export interface SmtpStandInOptions {
  user?: string;
  password?: string;
}

export interface ReceivedMail {
  at: string;
  /** What the client said in MAIL FROM / RCPT TO (Bcc recipients show up only here). */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string | null;
  messageId: string | null;
  /** The From header, as text. */
  from: string;
  /** Addresses of the To header. */
  to: string[];
  references: string[];
}

/** Where a scripted failure answers: RCPT TO (per recipient) or the end of DATA (the whole message). */
export type SmtpFailureStage = 'rcpt' | 'data';

interface ScriptedFailure {
  responseCode: number;
  message: string;
  times: number;
  stage: SmtpFailureStage;
}

export class SmtpStandIn {
  readonly inbox: ReceivedMail[] = [];
  /** Connection errors a client caused (e.g. a killed worker's socket reset mid-message). */
  readonly connectionErrors: string[] = [];
  private readonly user: string;
  private readonly password: string;
  private readonly server: SMTPServer;
  private failures: ScriptedFailure[] = [];
  private refused = new Map<string, number>();
  private boundPort?: number;

  constructor(options: SmtpStandInOptions = {}) {
    this.user = options.user ?? SANDBOX_SMTP_USER;
    this.password = options.password ?? SANDBOX_SMTP_PASSWORD;
    this.server = new SMTPServer({
      // Plain connection: STARTTLS would present smtp-server's built-in self-signed certificate.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      disableReverseLookup: true,
      logger: false,
      // Pooled clients keep connections open; do not make close() wait the default 30 s for them.
      closeTimeout: 500,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password)
          return callback(null, { user: auth.username });
        return callback(smtpError(535, 'Invalid username or password'));
      },
      onRcptTo: (address, _session, callback) => callback(this.rcptFailure(address)),
      onData: (stream, session, callback) => {
        const failure = this.takeFailure('data');
        simpleParser(stream).then(
          (mail) => {
            if (failure) return callback(smtpError(failure.responseCode, failure.message));
            this.inbox.push(toReceivedMail(mail, session));
            return callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  }

  /** Listens on 127.0.0.1 (port 0 = any free port) and returns the port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        // Like a real mail server, a client vanishing mid-message is logged, not fatal: smtp-server emits
        // it on the server, and an 'error' event nobody listens to would throw.
        this.server.on('error', (error: Error) => this.connectionErrors.push(error.message));
        this.boundPort = (this.server.server.address() as AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('smtp stand-in is not listening');
    return this.boundPort;
  }

  get credentials(): { user: string; password: string } {
    return { user: this.user, password: this.password };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.inbox.length = 0;
    this.failures = [];
    this.refused.clear();
  }

  /** The next `times` messages (stage 'data') or recipients (stage 'rcpt') get this SMTP answer. */
  failNext(responseCode: number, message: string, times = 1, stage: SmtpFailureStage = 'data'): void {
    this.failures.push({ responseCode, message, times, stage });
  }

  /** Refuses one recipient address at RCPT TO until reset (e.g. 550 mailbox unavailable). */
  refuseRecipient(address: string, responseCode = 550): void {
    this.refused.set(address.toLowerCase(), responseCode);
  }

  private rcptFailure(address: SMTPServerAddress): Error | null {
    const refusedCode = this.refused.get(address.address.toLowerCase());
    if (refusedCode !== undefined) return smtpError(refusedCode, `Mailbox ${address.address} unavailable`);
    const failure = this.takeFailure('rcpt');
    return failure ? smtpError(failure.responseCode, failure.message) : null;
  }

  private takeFailure(stage: SmtpFailureStage): ScriptedFailure | undefined {
    const failure = this.failures.find((f) => f.stage === stage && f.times > 0);
    if (failure) failure.times -= 1;
    return failure;
  }
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function toReceivedMail(
  mail: Awaited<ReturnType<typeof simpleParser>>,
  session: SMTPServerSession,
): ReceivedMail {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    at: new Date().toISOString(),
    envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
    subject: mail.subject ?? '',
    text: mail.text ?? '',
    html: mail.html === false || mail.html === undefined ? null : mail.html,
    messageId: mail.messageId ?? null,
    from: mail.from?.text ?? '',
    to: addresses(mail.to),
    references: typeof mail.references === 'string' ? [mail.references] : (mail.references ?? []),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}
