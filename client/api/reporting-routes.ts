// What the incidents leave behind, over HTTP: `GET /v1/stats` (per service and severity, over a
// period), `GET /metrics` (Prometheus) and the counting hooks behind it, and the dashboard (`GET /`).
// Stats and metrics read the report archive's index, never Temporal.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { computeStats, parseSince } from '../../domain/stats';
import type { IncidentService } from '../incidents';
import { bearerMatches } from '../intake/auth';
import type { FirebreakMetrics } from '../metrics';
import { registerDashboard } from './dashboard';

export interface ReportingRouteOptions {
  incidents: IncidentService;
  apiTokens: string[];
  metrics: FirebreakMetrics;
  sendError: (reply: FastifyReply, status: number, code: string, message: string) => unknown;
}

const DEFAULT_PERIOD = '30d';

export function registerReportingRoutes(app: FastifyInstance, options: ReportingRouteOptions): void {
  const { metrics, sendError } = options;
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!bearerMatches(request.headers.authorization, options.apiTokens)) {
      return sendError(reply, 401, 'unauthorized', 'missing or invalid bearer token');
    }
  };
  countRequests(app, metrics);

  app.get('/v1/stats', { preHandler: guard }, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const now = Date.now();
    const since = parseSince(query.since ?? DEFAULT_PERIOD, now);
    if (!since) {
      return sendError(
        reply,
        400,
        'invalid_query',
        "since must be a period such as '30d', '12h', '2w' or an ISO 8601 date",
      );
    }
    const until = query.until ? parseSince(query.until, now) : new Date(now).toISOString();
    if (!until)
      return sendError(
        reply,
        400,
        'invalid_query',
        'until must be an ISO 8601 date or a period back from now',
      );
    const summaries = await options.incidents.reports.summaries();
    return computeStats(summaries, {
      since,
      until,
      ...(query.service ? { service: query.service } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
    });
  });

  app.get('/metrics', { preHandler: guard }, async (_request, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });

  registerDashboard(app);
}

/** Intake deliveries accepted, and every 4xx by route: the engine-health half of /metrics. */
function countRequests(app: FastifyInstance, metrics: FirebreakMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    const status = reply.statusCode;
    if (status >= 400 && status < 500) metrics.rejectedRequests.inc({ route, status });
    if (status === 202 && route.startsWith('/v1/alerts/')) {
      const params = request.params as { source?: string; name?: string };
      const source = params.name ? `generic/${params.name}` : (params.source ?? 'unknown');
      metrics.intakeDeliveries.inc({ source });
    }
  });
}
