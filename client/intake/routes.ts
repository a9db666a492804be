// The alert intake routes: POST /v1/alerts/{alertmanager|grafana|datadog|generic/<name>}. Each checks
// its sender's credentials, normalizes the payload, groups the alerts, and hands each group to its
// incident through the coalescer. Refusals are 4xx that name the problem; nothing starts on a refusal.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Credentials, IntakeConfig } from '../../config/intake-schema';
import { IncidentService } from '../incidents';
import { normalizeAlertmanager } from './alertmanager';
import { authenticate } from './auth';
import { normalizeDatadog } from './datadog';
import { normalizeGeneric } from './generic';
import { normalizeGrafana } from './grafana';
import { groupAlerts, IntakeError, type IntakeSettings, type NormalizedDelivery } from './intake';
import { IntakeJournal } from './journal';
import { IntakePipeline } from './pipeline';

export interface IntakeRouteOptions {
  incidents: IncidentService;
  config: IntakeConfig;
  settings: IntakeSettings;
  /** Where the intake journal lives (the data folder). */
  journalDir: string;
  sendError: (
    reply: FastifyReply,
    status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) => unknown;
}

interface Source {
  credentials: Credentials;
  normalize: (body: unknown) => NormalizedDelivery;
}

export function registerIntakeRoutes(app: FastifyInstance, options: IntakeRouteOptions): void {
  const pipeline = new IntakePipeline(IntakeJournal.open(options.journalDir), options.incidents);
  pipeline.replay();
  app.addHook('onClose', async () => pipeline.stop());
  const handle = async (
    request: FastifyRequest,
    reply: FastifyReply,
    source: Source | undefined,
    name: string,
  ) => {
    if (!source)
      return options.sendError(reply, 404, 'unknown_source', `alert source '${name}' is not configured`);
    if (!authenticate(request.headers, request.rawBody ?? Buffer.alloc(0), source.credentials)) {
      return options.sendError(
        reply,
        401,
        'unauthorized',
        `missing or invalid credentials for source '${name}'`,
      );
    }
    try {
      const delivery = source.normalize(request.body);
      const groups = groupAlerts(delivery.alerts, options.settings.groupBy);
      const incidents = await pipeline.accept(groups, {
        deliveryId: IncidentService.newDeliveryId(),
        receivedAt: new Date().toISOString(),
        truncated: delivery.truncated,
      });
      return reply.code(202).send({ incidents });
    } catch (error) {
      if (error instanceof IntakeError) {
        return options.sendError(reply, error.status, error.code, error.message, error.details);
      }
      throw error;
    }
  };

  const { config, settings } = options;
  const fixed: Record<string, Source | undefined> = {
    alertmanager: config.alertmanager && {
      credentials: config.alertmanager,
      normalize: (b) => normalizeAlertmanager(b, settings),
    },
    grafana: config.grafana && {
      credentials: config.grafana,
      normalize: (b) => normalizeGrafana(b, settings),
    },
    datadog: config.datadog && {
      credentials: config.datadog,
      normalize: (b) => normalizeDatadog(b, settings),
    },
  };
  const generic = (name: string): Source | undefined => {
    const source = config.generic[name];
    return (
      source && {
        credentials: source.credentials,
        normalize: (b) => normalizeGeneric(b, name, source.mapping, settings),
      }
    );
  };

  app.post('/v1/alerts/generic/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    return handle(request, reply, generic(name), `generic/${name}`);
  });
  app.post('/v1/alerts/:source', async (request, reply) => {
    const { source } = request.params as { source: string };
    if (source === 'generic') {
      const name = (request.query as { source?: string }).source ?? '';
      return handle(request, reply, generic(name), `generic/${name}`);
    }
    return handle(request, reply, Object.hasOwn(fixed, source) ? fixed[source] : undefined, source);
  });
}
