// `POST /v1/pagerduty/webhook`: PagerDuty v3 webhooks. The signature is checked over the raw bytes
// (400 without a usable header, 403 when nothing matches, so PagerDuty stops retrying a forgery);
// then the event is translated and handed to its incident as a durable signal, and PagerDuty gets
// its 2xx well within its 5 s. De-duplication and every decision happen in the incident workflow,
// which any number of API processes share.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FirebreakConfig } from '../../config/schema';
import {
  DEFAULT_NOTE_COMMANDS,
  parseWebhookEvent,
  toDelivery,
  WebhookFormatError,
  type PagerDutyCommands,
  type PagerDutyDelivery,
} from '../../domain/pagerduty-events';
import { verifyPagerDutySignature } from '../../integrations/pagerduty-signature';
import type { IncidentService, PagerDutyRoute } from '../incidents';

export interface PagerDutyWebhookSettings extends PagerDutyCommands {
  /** The subscription's signing secrets (several while rotating). */
  secrets: string[];
}

export const PAGERDUTY_WEBHOOK_ROUTE = '/v1/pagerduty/webhook';

export function pagerDutyWebhookSettings(config: FirebreakConfig): PagerDutyWebhookSettings {
  const pagerduty = config.integrations.pagerduty;
  return {
    secrets: pagerduty?.webhookSecrets ?? [],
    incidentWorkflows: pagerduty?.incidentWorkflows ?? {},
    noteCommands: pagerduty?.noteCommands ?? DEFAULT_NOTE_COMMANDS,
  };
}

/** Well inside PagerDuty's 5 s: past this, answer 503 and let PagerDuty retry. */
const DELIVERY_TIMEOUT_MS = 4000;

type Send = (reply: FastifyReply, status: number, code: string, message: string) => FastifyReply;

export function registerPagerDutyWebhook(
  app: FastifyInstance,
  incidents: IncidentService,
  settings: PagerDutyWebhookSettings,
  log: (line: string) => void,
  sendError: Send,
): void {
  // A scope of its own, so only this route keeps bodies as raw bytes (the signature covers them).
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(PAGERDUTY_WEBHOOK_ROUTE, (request, reply) =>
      receive(request, reply, { incidents, settings, log, sendError }),
    );
  });
}

interface Context {
  incidents: IncidentService;
  settings: PagerDutyWebhookSettings;
  log: (line: string) => void;
  sendError: Send;
}

async function receive(
  request: FastifyRequest,
  reply: FastifyReply,
  context: Context,
): Promise<FastifyReply> {
  const { settings, sendError } = context;
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const verdict = verifyPagerDutySignature(raw, request.headers['x-pagerduty-signature'], settings.secrets);
  if (verdict === 'missing' || verdict === 'malformed') {
    return sendError(reply, 400, 'bad_signature', 'X-PagerDuty-Signature is missing or has no v1= signature');
  }
  if (verdict === 'mismatch') {
    const why = settings.secrets.length === 0 ? 'no webhook secret is configured' : 'no signature matches';
    return sendError(reply, 403, 'forbidden', `X-PagerDuty-Signature: ${why}`);
  }
  let event;
  try {
    event = parseWebhookEvent(JSON.parse(raw.toString('utf8')));
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof WebhookFormatError)) throw error;
    return sendError(reply, 400, 'bad_request', `not a PagerDuty v3 webhook: ${error.message}`);
  }
  const webhookId = headerValue(request.headers['x-webhook-id']);
  const delivery = toDelivery(event, webhookId, settings);
  if (!delivery) return reply.code(200).send({ ignored: `${event.type} is not used by Firebreak` });
  return deliver(
    reply,
    context,
    { incidentKey: event.incidentKey, pagerDutyIncidentId: event.pagerDutyIncidentId },
    delivery,
  );
}

async function deliver(
  reply: FastifyReply,
  { incidents, log, sendError }: Context,
  route: PagerDutyRoute,
  delivery: PagerDutyDelivery,
): Promise<FastifyReply> {
  let outcome;
  try {
    outcome = await withTimeout(incidents.deliverPagerDutyEvent(route, delivery), DELIVERY_TIMEOUT_MS);
  } catch (error) {
    log(
      `pagerduty webhook ${delivery.eventId} (${delivery.eventType}) not delivered: ${(error as Error).message}`,
    );
    // PagerDuty retries a 5xx: the event is not lost while Temporal is briefly unreachable.
    return sendError(reply, 503, 'unavailable', 'Firebreak could not take the event now; retry later');
  }
  if (outcome.delivered) return reply.code(202).send({ accepted: true, incident: outcome.incidentId });
  const incident = route.incidentKey ?? route.pagerDutyIncidentId ?? 'none';
  log(`pagerduty webhook ${delivery.eventId} (${delivery.eventType}) ignored: ${outcome.reason} ${incident}`);
  // A 2xx, so PagerDuty neither retries for 48 h nor disables the subscription.
  return reply.code(200).send({ ignored: `${outcome.reason} ${incident}` });
}

function headerValue(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Temporal within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
