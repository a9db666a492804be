// Firebreak's HTTP API: alert intake, PagerDuty webhooks, incidents, responder actions and reports.
// Every refusal is a 4xx with `{ error: { code, message, details? } }` naming the problem, and changes nothing.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IntakeConfig } from '../../config/intake-schema';
import { ActionRejection, parseAction, type Channel, type RejectionKind } from '../../domain/actions';
import type { FreezeService } from '../freeze';
import type { IncidentService } from '../incidents';
import { bearerMatches } from '../intake/auth';
import type { IntakeSettings } from '../intake/intake';
import { registerIntakeRoutes } from '../intake/routes';
import { FirebreakMetrics } from '../metrics';
import { registerFreezeRoutes } from './freeze-routes';
import { registerPagerDutyWebhook, type PagerDutyWebhookSettings } from './pagerduty-webhook';
import { registerReportingRoutes } from './reporting-routes';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for HMAC signatures. */
    rawBody?: Buffer;
  }
}

export interface ApiOptions {
  incidents: IncidentService;
  /** Deploy freezes (`GET /v1/freeze`); without it the freeze routes are not served. */
  freezes?: FreezeService;
  intake: IntakeSettings;
  /** Alert sources and their credentials. */
  intakeConfig: IntakeConfig;
  /** Where the intake journal lives. */
  journalDir: string;
  /** Tokens accepted for the incident routes (API, CLI, dashboard). */
  apiTokens: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Readiness: false while Temporal is unreachable. */
  isReady?: () => Promise<boolean>;
  /** PagerDuty v3 webhooks: signing secrets and how responders choose actions there. */
  pagerDuty?: PagerDutyWebhookSettings;
  logger?: boolean;
  /** Operational log lines (e.g. a webhook for an incident Firebreak does not know). */
  log?: (line: string) => void;
  /** Prometheus metrics, shared with the worker when both run in one process. */
  metrics?: FirebreakMetrics;
}

const NO_PAGERDUTY: PagerDutyWebhookSettings = { secrets: [], incidentWorkflows: {}, noteCommands: {} };

const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
  }) as unknown as FastifyInstance;
  // JSON only: anything else is a 415, not a string for the routes to trip over.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonKeepingRaw);
  app.setErrorHandler((error, _request, reply) => sendFrameworkError(error, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url}`),
  );

  const metrics =
    options.metrics ??
    new FirebreakMetrics(options.incidents.reports, () => options.incidents.list({ status: 'open' }));
  registerReportingRoutes(app, {
    incidents: options.incidents,
    apiTokens: options.apiTokens,
    metrics,
    sendError,
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const ready = options.isReady ? await options.isReady() : true;
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  registerIntakeRoutes(app, {
    incidents: options.incidents,
    config: options.intakeConfig,
    settings: options.intake,
    journalDir: options.journalDir,
    sendError,
  });
  registerPagerDutyWebhook(
    app,
    options.incidents,
    options.pagerDuty ?? NO_PAGERDUTY,
    options.log ?? (() => undefined),
    sendError,
  );
  registerIncidents(app, options);
  if (options.freezes) registerFreezeRoutes(app, options.freezes, options.apiTokens, sendError);
  return app;
}

function registerIncidents(app: FastifyInstance, options: ApiOptions): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!bearerMatches(request.headers.authorization, options.apiTokens)) return unauthorized(reply);
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
      return sendError(reply, status, code, error.message, error.details);
    }
  });

  app.get('/v1/incidents/:id/report', { preHandler: guard }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const format = reportFormat(request);
    if (!format) return sendError(reply, 406, 'unsupported_format', 'format must be json, md or html');
    const found = await options.incidents.report(id);
    if (!found) return sendError(reply, 404, 'not_found', `no incident ${id}`);
    if (format === 'md') return reply.type('text/markdown; charset=utf-8').send(found.markdown);
    if (format === 'html') return reply.type('text/html; charset=utf-8').send(found.html);
    return found.report;
  });
}

const REJECTION_ANSWERS: Record<RejectionKind, [number, string]> = {
  conflict: [409, 'action_conflict'],
  invalid: [422, 'invalid_action'],
  forbidden: [403, 'forbidden'],
};

/** `?format=` wins over `Accept`. */
function reportFormat(request: FastifyRequest): 'json' | 'md' | 'html' | null {
  const explicit = (request.query as { format?: string }).format;
  if (explicit) return explicit === 'json' || explicit === 'md' || explicit === 'html' ? explicit : null;
  const accept = request.headers.accept ?? '';
  if (accept.includes('text/markdown')) return 'md';
  return accept.includes('text/html') ? 'html' : 'json';
}

/** The CLI says who it is; everything else through the API is the API channel. */
function channelOf(request: FastifyRequest): Channel {
  const client = request.headers['x-firebreak-client'];
  return client === 'cli' ? 'cli' : client === 'dashboard' ? 'dashboard' : 'api';
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

/** JSON, keeping the raw bytes for signature checks; a parse error is a 400 that says so. */
function parseJsonKeepingRaw(
  request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  request.rawBody = raw;
  if (raw.length === 0) return done(null, undefined);
  try {
    done(null, JSON.parse(raw.toString('utf8')) as unknown);
  } catch (error) {
    done(
      Object.assign(new Error(`body is not valid JSON: ${(error as Error).message}`), { statusCode: 400 }),
    );
  }
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
