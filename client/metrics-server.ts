// A lone worker's /metrics: the only numbers it knows (activity failures, its process), behind the
// same bearer tokens as the API. In `firebreak start` the API's /metrics already includes them.
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerMatches } from './intake/auth';
import type { FirebreakMetrics } from './metrics';

export async function startMetricsServer(options: {
  metrics: FirebreakMetrics;
  host: string;
  port: number;
  tokens: string[];
}): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false }) as unknown as FastifyInstance;
  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, options.tokens)) {
      return reply
        .code(401)
        .send({ error: { code: 'unauthorized', message: 'missing or invalid bearer token' } });
    }
    const { contentType, body } = await options.metrics.exposition();
    return reply.type(contentType).send(body);
  });
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
