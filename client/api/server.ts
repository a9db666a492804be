// Firebreak's HTTP API: alert intake, PagerDuty webhooks, incidents, responder actions and reports.
// Every refusal is a 4xx with `{ error: { code, message, details? } }` naming the problem.
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ActionRejection, parseAction, type Channel, type RejectionKind } from '../../domain/actions';
import { IncidentService } from '../incidents';
import { registerPagerDutyWebhook, type PagerDutyWebhookSettings } from './pagerduty-webhook';
import { parseAlertmanager } from '../intake/alertmanager';
import { IntakeError, type IntakeSettings } from '../intake/intake';

export interface ApiOptions {
  incidents: IncidentService;
  intake: IntakeSettings;
  /** Tokens accepted for the incident routes (API, CLI, dashboard). */
  apiTokens: string[];
  /** Tokens accepted from Alertmanager. */
  alertmanagerTokens: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Readiness: false while Temporal is unreachable. */
  isReady?: () => Promise<boolean>;
  /** PagerDuty v3 webhooks: signing secrets and how responders choose actions there. */
  pagerDuty?: PagerDutyWebhookSettings;
  logger?: boolean;
  /** Operational log lines (e.g. a webhook for an incident Firebreak does not know). */
  log?: (line: string) => void;
}

const NO_PAGERDUTY: PagerDutyWebhookSettings = { secrets: [], incidentWorkflows: {}, noteCommands: {} };

const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
  }) as unknown as FastifyInstance;
  app.setErrorHandler((error, _request, reply) => sendFrameworkError(error, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url}`),
  );

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const ready = options.isReady ? await options.isReady() : true;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  registerIntake(app, options);
  registerPagerDutyWebhook(
    app,
    options.incidents,
    options.pagerDuty ?? NO_PAGERDUTY,
    options.log ?? (() => undefined),
    sendError,
  );
  registerIncidents(app, options);
  return app;
}

function registerIntake(app: FastifyInstance, options: ApiOptions): void {
  app.post('/v1/alerts/alertmanager', async (request, reply) => {
    if (!hasBearer(request, options.alertmanagerTokens)) return unauthorized(reply);
    const deliveryId = IncidentService.newDeliveryId();
    const receivedAt = new Date().toISOString();
    try {
      const batches = parseAlertmanager(request.body, options.intake, receivedAt, deliveryId);
      const incidents = [];
      for (const [service, batch] of batches)
        incidents.push(await options.incidents.ingest(service, service, batch));
      return reply.code(202).send({ incidents });
    } catch (error) {
      if (error instanceof IntakeError)
        return sendError(reply, error.status, error.code, error.message, error.details);
      throw error;
    }
  });
}

function registerIncidents(app: FastifyInstance, options: ApiOptions): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!hasBearer(request, options.apiTokens)) return unauthorized(reply);
  };

  app.get('/v1/incidents', { preHandler: guard }, async (request, reply) => {
    const query = request.query as { status?: string; service?: string };
    if (query.status && query.status !== 'open' && query.status !== 'closed') {
      return sendError(reply, 400, 'invalid_query', "status must be 'open' or 'closed'");
    }
    const filter = {
      ...(query.status ? { status: query.status as 'open' | 'closed' } : {}),
      ...(query.service ? { service: query.service } : {}),
    };
    return { incidents: await options.incidents.list(filter) };
  });

  app.get('/v1/incidents/:id', { preHandler: guard }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const state = await options.incidents.get(id);
    if (state) return state;
    const archived = await options.incidents.report(id);
    if (archived) return { ...archived.report, archived: true };
    return sendError(reply, 404, 'not_found', `no incident ${id}`);
  });

  app.post('/v1/incidents/:id/actions', { preHandler: guard }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      const action = parseAction(body);
      const by = typeof body.by === 'string' && body.by.trim() ? body.by.trim() : null;
      if (!by) return sendError(reply, 422, 'invalid_action', "'by' must name who is acting");
      const outcome = await options.incidents.act(id, {
        actor: { by, channel: channelOf(request) },
        request: action,
      });
      return reply.code(200).send(outcome);
    } catch (error) {
      if (!(error instanceof ActionRejection)) throw error;
      if (error.message.startsWith('no incident')) return sendError(reply, 404, 'not_found', error.message);
      const [status, code] = REJECTION_ANSWERS[error.kind];
      return sendError(reply, status, code, error.message);
    }
  });

  app.get('/v1/incidents/:id/report', { preHandler: guard }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const format = reportFormat(request);
    if (!format) return sendError(reply, 406, 'unsupported_format', 'format must be json or md');
    const found = await options.incidents.report(id);
    if (!found) return sendError(reply, 404, 'not_found', `no incident ${id}`);
    if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(found.markdown);
    return found.report;
  });
}

const REJECTION_ANSWERS: Record<RejectionKind, [number, string]> = {
  conflict: [409, 'action_conflict'],
  invalid: [422, 'invalid_action'],
  forbidden: [403, 'forbidden'],
};

/** `?format=` wins over `Accept`. */
function reportFormat(request: FastifyRequest): 'json' | 'md' | null {
  const explicit = (request.query as { format?: string }).format;
  if (explicit) return explicit === 'json' || explicit === 'md' ? explicit : null;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/markdown') ? 'md' : 'json';
}

/** The CLI says who it is; everything else through the API is the API channel. */
function channelOf(request: FastifyRequest): Channel {
  const client = request.headers['x-firebreak-client'];
  return client === 'cli' ? 'cli' : client === 'dashboard' ? 'dashboard' : 'api';
}

function hasBearer(request: FastifyRequest, tokens: string[]): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = digest(match[1] as string);
  // Compare digests in constant time, and check every token so timing does not reveal which matched.
  return tokens.reduce((ok, token) => timingSafeEqual(given, digest(token)) || ok, false);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function unauthorized(reply: FastifyReply) {
  return sendError(reply, 401, 'unauthorized', 'missing or invalid bearer token');
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
) {
  return reply.code(status).send({ error: { code, message, ...(details ? { details } : {}) } });
}

function sendFrameworkError(error: unknown, reply: FastifyReply) {
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendError(reply, 413, 'payload_too_large', 'request body is larger than the limit');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request';
    return sendError(reply, e.statusCode, code, e.message ?? 'bad request');
  }
  reply.log.error(error);
  return sendError(reply, 503, 'unavailable', 'Firebreak could not complete the request; retry later');
}
