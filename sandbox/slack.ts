// A local Slack incoming webhook: POST /services/T/B/KEY answers like hooks.slack.com (200 "ok",
// or a plain-text error code with a meaningful status, contracts/services.md §4.1), checks Block Kit
// shapes closely enough to catch what Slack would reject, and keeps every accepted message.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StandIn, VendorStandIn } from './stand-in';

export interface SlackStandInOptions {
  /** Answer a 2nd message to the same webhook within 1 s with 429 rate_limited (Slack: ~1 msg/s). */
  throttle?: boolean;
  /** Injected clock (ms), so throttling can be tested without waiting. */
  now?: () => number;
}

export interface SlackMessageBody {
  text?: string;
  blocks?: unknown[];
  [field: string]: unknown;
}

export interface SlackMessage {
  at: string;
  /** e.g. `/services/T000/B000/XXXX`. */
  webhookPath: string;
  body: SlackMessageBody;
}

/** Webhook keys with a scripted fate, so tests and people can try the error paths by URL alone. */
export const REVOKED_WEBHOOK_KEY = 'REVOKED';
export const ARCHIVED_WEBHOOK_KEY = 'ARCHIVED';

const MAX_BLOCKS = 50;
const SECTION_TEXT_MAX = 3000;
const HEADER_TEXT_MAX = 150;
const FIELD_TEXT_MAX = 2000;
const BUTTON_TEXT_MAX = 75;

/** A body that was not JSON. */
class UnparsableBody {
  constructor(readonly raw: string) {}
}

export class SlackStandIn extends VendorStandIn {
  readonly messages: SlackMessage[] = [];
  private readonly throttle: boolean;
  private readonly now: () => number;
  private readonly lastAccepted = new Map<string, number>();

  constructor(options: SlackStandInOptions = {}) {
    super(new StandIn({ name: 'slack' }));
    this.throttle = options.throttle ?? false;
    this.now = options.now ?? Date.now;
    this.standIn.onResetClear(() => {
      this.messages.length = 0;
      this.lastAccepted.clear();
    });
    this.standIn.app.register(async (scope) => this.registerRoutes(scope));
  }

  /** A webhook URL on this stand-in; pass REVOKED_WEBHOOK_KEY / ARCHIVED_WEBHOOK_KEY to get those errors. */
  webhookUrl(key = 'XXXXXXXXXXXXXXXXXXXXXXXX', team = 'T0000SANDBOX', bot = 'B0000SANDBOX'): string {
    return `${this.url}/services/${team}/${bot}/${key}`;
  }

  private registerRoutes(scope: FastifyInstance): void {
    // Slack answers invalid_payload to bodies that are not JSON; Fastify's own parser would answer first.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch {
        done(null, new UnparsableBody(String(body)));
      }
    });
    scope.post('/services/:team/:bot/:key', async (request, reply) => this.post(request, reply));
  }

  private async post(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { key } = request.params as { key: string };
    if (key === REVOKED_WEBHOOK_KEY) return answer(reply, 404, 'no_service');
    if (key === ARCHIVED_WEBHOOK_KEY) return answer(reply, 410, 'channel_is_archived');
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof UnparsableBody) {
      return answer(reply, 400, 'invalid_payload');
    }
    const message = body as SlackMessageBody;
    if (!nonEmptyString(message.text) && message.blocks === undefined) return answer(reply, 400, 'no_text');
    if (message.blocks !== undefined && !validBlocks(message.blocks))
      return answer(reply, 400, 'invalid_blocks');
    const webhookPath = request.url.split('?')[0] ?? request.url;
    if (this.isThrottled(webhookPath)) {
      reply.header('retry-after', '1');
      return answer(reply, 429, 'rate_limited');
    }
    this.lastAccepted.set(webhookPath, this.now());
    this.messages.push({ at: new Date(this.now()).toISOString(), webhookPath, body: message });
    return answer(reply, 200, 'ok');
  }

  private isThrottled(webhookPath: string): boolean {
    if (!this.throttle) return false;
    const last = this.lastAccepted.get(webhookPath);
    return last !== undefined && this.now() - last < 1000;
  }
}

function answer(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(text);
}

// ---------- Block Kit checks (the rules Slack enforces that a notifier can get wrong) ----------

type BlockCheck = (block: Record<string, unknown>) => boolean;

const BLOCK_CHECKS: Record<string, BlockCheck> = {
  header: (block) => textObject(block.text, HEADER_TEXT_MAX, ['plain_text']),
  section: (block) => {
    const hasText = block.text !== undefined;
    const hasFields = block.fields !== undefined;
    if (!hasText && !hasFields) return false;
    if (hasText && !textObject(block.text, SECTION_TEXT_MAX)) return false;
    return !hasFields || listOf(block.fields, 10, (field) => textObject(field, FIELD_TEXT_MAX));
  },
  context: (block) =>
    listOf(block.elements, 10, (element) => textObject(element, SECTION_TEXT_MAX) || imageElement(element)),
  actions: (block) => listOf(block.elements, 25, actionElement),
  divider: () => true,
  image: (block) => nonEmptyString(block.image_url) && nonEmptyString(block.alt_text),
  // Accepted as opaque: Slack knows them, Firebreak does not build them.
  rich_text: (block) => Array.isArray(block.elements),
  markdown: (block) => nonEmptyString(block.text),
};

function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_BLOCKS) return false;
  return blocks.every((block) => {
    if (!isRecord(block) || typeof block.type !== 'string') return false;
    const check = BLOCK_CHECKS[block.type];
    if (!check) return false;
    if (block.block_id !== undefined && !(nonEmptyString(block.block_id) && block.block_id.length <= 255)) {
      return false;
    }
    return check(block);
  });
}

function textObject(value: unknown, maxLength: number, types = ['plain_text', 'mrkdwn']): boolean {
  return (
    isRecord(value) &&
    typeof value.type === 'string' &&
    types.includes(value.type) &&
    nonEmptyString(value.text) &&
    value.text.length <= maxLength
  );
}

function imageElement(value: unknown): boolean {
  return (
    isRecord(value) &&
    value.type === 'image' &&
    nonEmptyString(value.image_url) &&
    nonEmptyString(value.alt_text)
  );
}

function actionElement(value: unknown): boolean {
  if (!isRecord(value) || typeof value.type !== 'string') return false;
  if (value.type !== 'button') return true; // selects, date pickers...: not built by Firebreak
  if (!textObject(value.text, BUTTON_TEXT_MAX, ['plain_text'])) return false;
  return value.url === undefined || (nonEmptyString(value.url) && value.url.length <= 3000);
}

function listOf(value: unknown, max: number, check: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length > 0 && value.length <= max && value.every(check);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
