// Deploy freeze routes: `GET /v1/freeze[?service=]` for CI and people, and
// `POST /v1/freeze/{service}/lift` for a freeze that outlived its incident (a rollback freeze stands
// until a hotfix succeeds or someone lifts it; an open incident's responders use `lift-freeze`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FreezeService } from '../freeze';
import { bearerMatches } from '../intake/auth';

type SendError = (reply: FastifyReply, status: number, code: string, message: string) => FastifyReply;

const SERVICE_NAME = /^[a-z0-9][a-z0-9-]*$/;

export function registerFreezeRoutes(
  app: FastifyInstance,
  freezes: FreezeService,
  apiTokens: string[],
  sendError: SendError,
): void {
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!bearerMatches(request.headers.authorization, apiTokens))
      return sendError(reply, 401, 'unauthorized', 'missing or invalid bearer token');
  };

  app.get('/v1/freeze', { preHandler: guard }, async (request, reply) => {
    const { service } = request.query as { service?: string };
    if (service !== undefined && !SERVICE_NAME.test(service)) {
      return sendError(reply, 400, 'invalid_query', `service must be a service name, got '${service}'`);
    }
    return freezes.status(service);
  });

  app.post('/v1/freeze/:service/lift', { preHandler: guard }, async (request, reply) => {
    const { service } = request.params as { service: string };
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!SERVICE_NAME.test(service)) {
      return sendError(reply, 400, 'invalid_service', `'${service}' is not a service name`);
    }
    const by = typeof body.by === 'string' ? body.by.trim() : '';
    if (!by) return sendError(reply, 422, 'invalid_lift', "'by' must name who lifts the freeze");
    if (body.reason !== undefined && typeof body.reason !== 'string') {
      return sendError(reply, 422, 'invalid_lift', "'reason' must be a string");
    }
    const reason =
      typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim() : `lifted by ${by}`;
    if (!(await freezes.lift(service, by, reason))) {
      return sendError(reply, 409, 'not_frozen', `deploys of ${service} are not frozen`);
    }
    return { service, lifted: true, by, reason };
  });
}
