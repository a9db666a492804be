// Stakeholder updates by email through nodemailer's pooled SMTP transport. Timeouts are set far below
// nodemailer's defaults (2 min connect, 10 min idle) so a stuck server cannot outlast the activity,
// and every SMTP failure is classified as retryable or not (contracts/services.md §5.1).
import { createTransport } from 'nodemailer';
import { IntegrationError } from './errors';
import type { EmailTarget, Notifier, PageLink, StakeholderMessage } from './roles';

export interface EmailNotifierOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 465); with false, STARTTLS is used when offered unless ignoreTLS. */
  secure: boolean;
  user?: string;
  pass?: string;
  /** The From header, e.g. `Firebreak <firebreak@example.com>`. */
  from: string;
  /** Default 10 s. */
  connectionTimeoutMs?: number;
  /** Default 10 s. */
  greetingTimeoutMs?: number;
  /** Idle time allowed on an open connection; default 30 s. */
  socketTimeoutMs?: number;
  /**
   * Bound on one whole send, queueing for a pooled connection included (default 15 s): the idle
   * timeouts alone let a server that answers slowly but steadily hold a send for ever.
   */
  sendTimeoutMs?: number;
  /** Default true; false only for servers with self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** Do not upgrade with STARTTLS even when the server offers it. Default false. */
  ignoreTLS?: boolean;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  /** Stable per (incident, milestone), so a retried send is recognisable as a duplicate. */
  messageId: string;
  /** The same for every mail of an incident, so mail clients thread them. */
  references: string;
}

/** Failures that will not change on retry; everything else on the connection level is transient. */
const PERMANENT_CODES = new Set([
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'ETLS',
  'EENVELOPE',
  'EMESSAGE',
  'EMAXRECIPIENTS',
]);
const SUBJECT_MAX = 200;

export class EmailNotifier implements Notifier<EmailTarget> {
  private readonly from: string;
  private readonly sendTimeoutMs: number;
  private readonly transport: ReturnType<typeof createPool>;

  constructor(options: EmailNotifierOptions) {
    this.from = options.from;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 15_000;
    this.transport = createPool(options);
  }

  async send(target: EmailTarget, message: StakeholderMessage): Promise<void> {
    if (target.to.length === 0) {
      throw new IntegrationError('No email recipients given', {
        vendor: 'email',
        code: 'ECONFIG',
        retryable: false,
      });
    }
    const info = await this.deliver(target.to, message);
    // Some recipients refused, the others got it: a retry would mail those twice, so it is final.
    if (info.rejected.length > 0) {
      throw new IntegrationError(`SMTP server refused recipients: ${info.rejected.join(', ')}`, {
        vendor: 'email',
        code: 'EENVELOPE',
        retryable: false,
      });
    }
  }

  private async deliver(to: string[], message: StakeholderMessage) {
    const content = buildEmail(message);
    try {
      return await this.transport.sendMail({
        from: this.from,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: content.messageId,
        references: content.references,
        headers: { 'X-Firebreak-Incident': message.incidentId, 'X-Firebreak-Milestone': message.milestone },
        // Fails the send with EABORT (retryable) when it takes longer than the whole budget.
        signal: AbortSignal.timeout(this.sendTimeoutMs),
      });
    } catch (error) {
      throw smtpError(error);
    }
  }

  /** Ends the pool's connections (the process would otherwise keep them open until they idle out). */
  close(): void {
    this.transport.close();
  }
}

function createPool(options: EmailNotifierOptions) {
  return createTransport({
    pool: true,
    maxConnections: 3,
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...(options.user ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    ignoreTLS: options.ignoreTLS ?? false,
    tls: { rejectUnauthorized: options.rejectUnauthorized ?? true },
    // Messages are built here from plain strings; never let a field pull in a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/** Subject, bodies and ids for one milestone; exported so tests and previews can show it. */
export function buildEmail(message: StakeholderMessage): EmailContent {
  return {
    subject: subjectOf(message),
    text: textBody(message),
    html: htmlBody(message),
    messageId: `<${idPart(message.incidentId)}.${idPart(message.updateId ?? message.milestone)}@firebreak>`,
    references: `<${idPart(message.incidentId)}@firebreak>`,
  };
}

/** `[critical] checkout: rollback to 4a0b7d succeeded`, without repeating a service already named. */
function subjectOf(message: StakeholderMessage): string {
  const headline = oneLine(message.headline);
  const service = oneLine(message.service);
  const named = service !== '' && headline.toLowerCase().startsWith(`${service.toLowerCase()}:`);
  const subject = `[${oneLine(message.severity)}] ${named || service === '' ? headline : `${service}: ${headline}`}`;
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 1)}…`;
}

function textBody(message: StakeholderMessage): string {
  const lines = [
    oneLine(message.headline),
    '',
    `Severity:  ${oneLine(message.severity)}`,
    `Service:   ${oneLine(message.service)}`,
    `Status:    ${oneLine(message.status)}`,
    `Incident:  ${oneLine(message.incidentId)} (${oneLine(message.milestone)})`,
  ];
  if (message.facts.length > 0) lines.push('', ...message.facts.map((fact) => `- ${oneLine(fact)}`));
  if (message.links.length > 0)
    lines.push('', 'Links:', ...message.links.map((link) => `- ${linkText(link)}`));
  lines.push('', '-- ', 'Sent by Firebreak.');
  return `${lines.join('\n')}\n`;
}

function htmlBody(message: StakeholderMessage): string {
  const row = (name: string, value: string) =>
    `<tr><th align="left">${name}</th><td>${html(value)}</td></tr>`;
  const parts = [
    `<h2>${html(message.headline)}</h2>`,
    '<table>',
    row('Severity', message.severity),
    row('Service', message.service),
    row('Status', message.status),
    row('Incident', `${message.incidentId} (${message.milestone})`),
    '</table>',
  ];
  if (message.facts.length > 0) {
    parts.push('<ul>', ...message.facts.map((fact) => `<li>${html(fact)}</li>`), '</ul>');
  }
  const links = message.links.filter((link) => /^https?:\/\//i.test(link.href));
  if (links.length > 0) {
    parts.push(
      '<p>',
      links
        .map((link) => `<a href="${html(link.href)}">${html(link.text?.trim() || link.href)}</a>`)
        .join(' · '),
      '</p>',
    );
  }
  parts.push('<p style="color:#777">Sent by Firebreak.</p>');
  return `<!doctype html><html><body>${parts.join('\n')}</body></html>`;
}

/**
 * SMTP's own verdict decides when there is one: 4xx means "try again later", 5xx means "no".
 * Without a reply code, nodemailer's error code says whether we ever got a usable conversation.
 */
function smtpError(error: unknown): IntegrationError {
  const record = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof record.code === 'string' ? record.code : undefined;
  const responseCode = typeof record.responseCode === 'number' ? record.responseCode : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const retryable =
    responseCode !== undefined
      ? responseCode >= 400 && responseCode < 500
      : code === undefined || !PERMANENT_CODES.has(code);
  return new IntegrationError(`Email delivery failed: ${message}`, {
    vendor: 'email',
    ...(responseCode !== undefined ? { status: responseCode } : {}),
    ...(code !== undefined ? { code } : {}),
    retryable,
  });
}

// ---------- text helpers ----------

function linkText(link: PageLink): string {
  const text = link.text?.trim();
  return text ? `${oneLine(text)}: ${link.href}` : link.href;
}

/** Header-safe and list-safe: no line breaks inside one field. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Message-ID left part: dot-atom text only. */
function idPart(text: string): string {
  const atom = text
    .replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return atom || 'x';
}

function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
