// Stakeholder updates to Slack through an incoming webhook: one Block Kit message per milestone
// (headline, severity/service/status, facts, link buttons) with a plain-text fallback. Slack answers
// 200 "ok" or a plain-text error code (contracts/services.md §4.1); each becomes an IntegrationError.
import axios, { type AxiosResponse } from 'axios';
import { IntegrationError, isRetryableStatus } from './errors';
import type { Notifier, PageLink, SlackTarget, StakeholderMessage } from './roles';

export interface SlackNotifierOptions {
  /** Bound on the whole request (connect, send, answer). */
  timeoutMs: number;
}

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: SlackButton[] };

export interface SlackButton {
  type: 'button';
  text: SlackText;
  url: string;
  action_id: string;
}

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

// Slack's Block Kit limits.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const BUTTON_TEXT_MAX = 75;
const BUTTON_URL_MAX = 3000;
const BUTTONS_PER_ACTIONS = 25;
const MAX_BLOCKS = 50;

export class SlackNotifier implements Notifier<SlackTarget> {
  private readonly timeoutMs: number;

  constructor(options: SlackNotifierOptions) {
    this.timeoutMs = options.timeoutMs;
  }

  async send(target: SlackTarget, message: StakeholderMessage): Promise<void> {
    const response = await this.post(target.webhookUrl, buildSlackMessage(message));
    const body = typeof response.data === 'string' ? response.data.trim() : '';
    if (response.status === 200 && body === 'ok') return;
    throw answerError(response.status, body, response.headers['retry-after']);
  }

  private async post(url: string, payload: SlackPayload): Promise<AxiosResponse<unknown>> {
    try {
      return await axios.post(url, payload, {
        headers: { 'content-type': 'application/json; charset=utf-8' },
        // A redirect would mean a wrong URL; following it could re-post the message elsewhere.
        maxRedirects: 0,
        validateStatus: () => true,
        responseType: 'text',
        // axios's timeout is an idle timer; the signal bounds the whole exchange.
        timeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw transportError(error);
    }
  }
}

/** The Block Kit message for one milestone; exported so the dashboard and tests can show it. */
export function buildSlackMessage(message: StakeholderMessage): SlackPayload {
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(truncate(message.headline, HEADER_MAX)) },
    {
      type: 'section',
      fields: [
        mrkdwn(truncateEscaped(`*Severity*\n${escape(message.severity)}`, FIELD_MAX)),
        mrkdwn(truncateEscaped(`*Service*\n${escape(message.service)}`, FIELD_MAX)),
        mrkdwn(truncateEscaped(`*Status*\n${escape(message.status)}`, FIELD_MAX)),
      ],
    },
    ...factSections(message.facts),
    {
      type: 'context',
      elements: [mrkdwn(`Incident ${escape(message.incidentId)} · ${escape(message.milestone)}`)],
    },
    ...linkActions(message.links),
  ];
  return { text: fallbackText(message), blocks: blocks.slice(0, MAX_BLOCKS) };
}

/** Facts as bullet lines, packed into as few sections as Slack's 3,000-character limit allows. */
function factSections(facts: string[]): SlackBlock[] {
  const sections: string[] = [];
  let current = '';
  for (const fact of facts) {
    const line = truncateEscaped(`• ${escape(fact.replace(/\s*\n\s*/g, ' '))}`, SECTION_MAX);
    if (current && current.length + 1 + line.length > SECTION_MAX) {
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) sections.push(current);
  // Leave room for the header, fields, context and actions blocks.
  return sections.slice(0, MAX_BLOCKS - 5).map((text) => ({ type: 'section', text: mrkdwn(text) }));
}

/** Link buttons carry a `url`, so Slack opens the page and sends no interaction to anyone. */
function linkActions(links: PageLink[]): SlackBlock[] {
  const buttons: SlackButton[] = links
    .filter((link) => /^https?:\/\//.test(link.href) && link.href.length <= BUTTON_URL_MAX)
    .slice(0, BUTTONS_PER_ACTIONS)
    .map((link, index) => ({
      type: 'button',
      text: plain(truncate(link.text?.trim() || hostOf(link.href), BUTTON_TEXT_MAX)),
      url: link.href,
      action_id: `link-${index}`,
    }));
  return buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : [];
}

/** What notifications and clients without Block Kit show. */
function fallbackText(message: StakeholderMessage): string {
  return `${message.headline} (${message.severity}, ${message.service}, ${message.status})`;
}

// ---------- errors ----------

function answerError(status: number, body: string, retryAfter: unknown): IntegrationError {
  // Slack's error bodies are short snake_case codes (no_service, invalid_blocks, ...).
  const code = /^[a-z_]{1,64}$/.test(body) ? body : undefined;
  const retryAfterMs = status === 429 ? retryAfterToMs(retryAfter) : undefined;
  const unexpected = status === 200; // 200 without "ok": not Slack's answer (a proxy page?)
  return new IntegrationError(`Slack webhook answered ${status}${code ? ` ${code}` : ''}`, {
    vendor: 'slack',
    status,
    code: code ?? (unexpected ? 'unexpected_response' : undefined),
    retryable: !unexpected && isRetryableStatus(status),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** Retry-After is seconds, or (rarely) an HTTP date. */
function retryAfterToMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** No answer at all (refused, reset, DNS, timeout): worth another try. */
function transportError(error: unknown): IntegrationError {
  const code = axios.isAxiosError(error) ? error.code : undefined;
  const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
  const message = error instanceof Error ? error.message : String(error);
  return new IntegrationError(
    timedOut ? 'Slack webhook did not answer in time' : `Slack webhook call failed: ${message}`,
    { vendor: 'slack', code: timedOut ? 'ETIMEDOUT' : code, retryable: true },
  );
}

// ---------- text helpers ----------

function plain(text: string): SlackText {
  return { type: 'plain_text', text: text.trim() || '-' };
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text: text.trim() || '-' };
}

/** Slack's mrkdwn needs only these three escaped. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Truncates escaped mrkdwn without leaving half an entity (`&am…`) behind. */
function truncateEscaped(text: string, max: number): string {
  return text.length <= max ? text : truncate(text, max).replace(/&[a-z]{0,3}…$/, '…');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'Link';
  }
}
