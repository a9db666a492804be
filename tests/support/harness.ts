// One test's Firebreak: sandbox stand-ins with a unique service, a worker on its own task queue and
// the HTTP API on a free port, all against the run's shared Temporal server (global-setup.ts).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { pagerDutyWebhookSettings } from '../../client/api/pagerduty-webhook';
import { createApi } from '../../client/api/server';
import { FreezeService } from '../../client/freeze';
import { IncidentService } from '../../client/incidents';
import { intakeSettings } from '../../client/intake/intake';
import { FirebreakMetrics } from '../../client/metrics';
import type { FirebreakConfig, ServiceConfig } from '../../config/schema';
import type { IncidentView } from '../../domain/incident-view';
import { FileReportArchive } from '../../integrations/report-archive';
import {
  SANDBOX_ALERT_TOKEN,
  SANDBOX_API_TOKEN,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../sandbox';
import { buildActivityDeps } from '../../worker/wiring';
import { createIncidentWorker, NativeConnection } from '../../worker/worker';

export interface Harness {
  sandbox: Sandbox;
  config: FirebreakConfig;
  client: Client;
  incidents: IncidentService;
  api: FastifyInstance;
  apiUrl: string;
  service: string;
  dataDir: string;
  /** What the API logged (e.g. webhooks for incidents it does not know). */
  logLines: string[];
  /** The stand-in PagerDuty's webhook subscription to this API. */
  webhookSubscriptionId: string;
  /** Starts the in-process worker (started by default unless `worker: false`). */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  post(route: string, body: unknown, token?: string): Promise<{ status: number; body: any }>;
  get(route: string, token?: string): Promise<{ status: number; body: any; text: string }>;
  /** Waits until the incident's run has completed (its state says `closed` a moment earlier). */
  waitForClosed(id: string): Promise<void>;
  waitForState(
    id: string,
    done: (s: IncidentView) => boolean,
    what: string,
    timeoutMs?: number,
    /** How often to ask; each ask is a query the worker answers from the whole incident state. */
    pollMs?: number,
  ): Promise<IncidentView>;
  stop(): Promise<void>;
}

export interface HarnessOptions extends Partial<SandboxOptions> {
  worker?: boolean;
  jenkinsPollMs?: number;
  /** Overrides of the service's policy (ack timeout, responders, auto-rollback). */
  policy?: Partial<ServiceConfig['policy']>;
  /** Overrides of the service's other settings (notify, tickets, freeze, hotfix), given the stand-ins. */
  serviceSettings?: (sandbox: Sandbox) => Partial<ServiceConfig>;
}

export function temporalAddress(): string {
  const address = process.env.FIREBREAK_TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('integration tests need the shared Temporal server from tests/support/global-setup.ts');
  return address;
}

/** Worker logs at WARN keep the test output readable; a file may install the runtime only once. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this test file
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  quietRuntime();
  const service = options.service ?? `svc-${randomUUID().slice(0, 8)}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-test-'));
  const sandbox = await startSandbox({
    dataDir,
    apiPort: 0,
    rollbackBuildMs: options.rollbackBuildMs ?? 300,
    quietPeriodMs: options.quietPeriodMs ?? 50,
    service,
    flapWindowSeconds: options.flapWindowSeconds ?? 0,
    ...(options.extraServices ? { extraServices: options.extraServices } : {}),
  });
  const serviceConfig = sandbox.config.services[service] as ServiceConfig;
  const config: FirebreakConfig = {
    ...sandbox.config,
    temporal: { ...sandbox.config.temporal, address: temporalAddress(), taskQueue: `test-${service}` },
    services: {
      ...sandbox.config.services,
      [service]: {
        ...serviceConfig,
        ...options.serviceSettings?.(sandbox),
        policy: { ...serviceConfig.policy, ...options.policy },
      },
    },
  };
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  const incidents = new IncidentService(
    client,
    config.temporal.taskQueue,
    new FileReportArchive(path.join(dataDir, 'reports')),
  );
  const logLines: string[] = [];
  // As in `firebreak start`: the worker and the API share one /metrics.
  const metrics = new FirebreakMetrics(incidents.reports, () => incidents.list({ status: 'open', service }));
  const freezes = new FreezeService(client);
  const api = createApi({
    incidents,
    freezes,
    intake: intakeSettings(config.intake, Object.keys(config.services)),
    intakeConfig: config.intake,
    journalDir: path.join(dataDir, 'intake'),
    apiTokens: config.api.tokens,
    pagerDuty: pagerDutyWebhookSettings(config),
    log: (line) => logLines.push(line),
    metrics,
  });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  // As in production: PagerDuty tells Firebreak what happens to the incidents it paged.
  const webhookSubscriptionId = sandbox.subscribeWebhooks(apiUrl).id;

  let worker: Worker | null = null;
  let workerRun: Promise<void> | null = null;
  let nativeConnection: NativeConnection | null = null;
  const startWorker = async () => {
    nativeConnection = await NativeConnection.connect({ address: temporalAddress() });
    worker = await createIncidentWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: config.temporal.taskQueue,
      deps: buildActivityDeps(config, { ...sandbox.extras, jenkinsPollMs: options.jenkinsPollMs ?? 100 }),
      workflowBundle: { codePath: process.env.FIREBREAK_TEST_WORKFLOW_BUNDLE as string },
      shutdownGraceTime: '1 second',
      activityFailures: metrics.activityFailures,
    });
    workerRun = worker.run();
  };
  const stopWorker = async () => {
    if (worker && workerRun) {
      worker.shutdown();
      await workerRun;
    }
    await nativeConnection?.close();
    worker = null;
    workerRun = null;
    nativeConnection = null;
  };
  if (options.worker !== false) await startWorker();

  const request = async (method: string, route: string, body: unknown, token: string) => {
    const response = await fetch(`${apiUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (Markdown report)
    }
    return { status: response.status, body: parsed as any, text };
  };

  const harness: Harness = {
    sandbox,
    config,
    client,
    incidents,
    api,
    apiUrl,
    service,
    dataDir,
    logLines,
    webhookSubscriptionId,
    startWorker,
    stopWorker,
    post: (route, body, token = route.startsWith('/v1/alerts') ? SANDBOX_ALERT_TOKEN : SANDBOX_API_TOKEN) =>
      request('POST', route, body, token),
    get: (route, token = SANDBOX_API_TOKEN) => request('GET', route, undefined, token),
    waitForState: async (id, done, what, timeoutMs = 30_000, pollMs = 100) => {
      const deadline = Date.now() + timeoutMs;
      let last: IncidentView | null = null;
      while (Date.now() < deadline) {
        last = await incidents.get(id).catch(() => null);
        if (last && done(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      throw new Error(
        `timed out waiting for ${what}; last state: ${JSON.stringify(last?.status)} ${JSON.stringify(last?.timeline.map((t) => t.kind))}`,
      );
    },
    waitForClosed: async (id) => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const closed = await incidents.list({ status: 'closed', service });
        if (closed.some((i) => i.id === id)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for incident ${id} to complete`);
    },
    stop: async () => {
      await sandbox.pagerduty.webhooksSettled();
      await api.close();
      await stopWorker();
      await connection.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** An Alertmanager v4 notification for one alert of the harness's service. */
export function alertmanagerPayload(
  service: string,
  options: {
    status?: 'firing' | 'resolved';
    startsAt?: string;
    endsAt?: string;
    fingerprint?: string;
    severity?: string;
    summary?: string;
  } = {},
): Record<string, unknown> {
  const status = options.status ?? 'firing';
  const labels = { alertname: 'HighErrorRate', service, severity: options.severity ?? 'critical' };
  return {
    version: '4',
    status,
    receiver: 'firebreak',
    groupKey: `{}:{alertname="HighErrorRate", service="${service}"}`,
    truncatedAlerts: 0,
    groupLabels: { alertname: 'HighErrorRate', service },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test',
    alerts: [
      {
        status,
        labels,
        annotations: {
          summary: options.summary ?? `${service} 5xx ratio above 10%`,
          runbook_url: 'https://runbooks.test/x',
        },
        startsAt: options.startsAt ?? '2026-11-20T10:00:03.52Z',
        endsAt: status === 'resolved' ? (options.endsAt ?? new Date().toISOString()) : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.test/graph',
        fingerprint: options.fingerprint ?? '0a1b2c3d4e5f6071',
      },
    ],
  };
}

/** Posts every body to the route from `senders` concurrent senders, each sending its next once answered: the statuses. */
export async function postConcurrently(
  h: Harness,
  route: string,
  bodies: unknown[],
  senders: number,
): Promise<number[]> {
  const queue = [...bodies];
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: senders }, async () => {
      for (let body = queue.shift(); body !== undefined; body = queue.shift())
        statuses.push((await h.post(route, body)).status);
    }),
  );
  return statuses;
}

/**
 * The harness service's open incident (other than `previous`), from the list: a storm's senders may be
 * answered before it has an id, and Temporal's visibility can trail the incident by a moment.
 */
export async function openIncidentOf(h: Harness, previous?: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const open = await h.incidents.list({ status: 'open', service: h.service });
    const incident = open.find((i) => i.id !== previous);
    if (incident) return incident.id;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no open incident for ${h.service}${previous ? ` after ${previous}` : ''}`);
}

/**
 * One Alertmanager notification of a storm: `count` distinct alerts of the group (one per node), numbered
 * from `first`, their fingerprints prefixed with `prefix` so that two storms never share an alert.
 */
export function stormNotification(
  service: string,
  first: number,
  count: number,
  options: { severity?: string; prefix?: string } = {},
): Record<string, unknown> {
  const one = alertmanagerPayload(service, options.severity ? { severity: options.severity } : {}) as {
    alerts: Array<Record<string, unknown>>;
  };
  const template = one.alerts[0] as { labels: Record<string, string> };
  const prefix = options.prefix ?? '';
  return {
    ...one,
    alerts: Array.from({ length: count }, (_, i) => {
      const n = first + i;
      return {
        ...template,
        labels: { ...template.labels, instance: `node-${n}.eu-west-1.internal:9100` },
        annotations: { summary: `${service} node ${n} unhealthy`, runbook_url: 'https://runbooks.test/x' },
        fingerprint: `${prefix}${n.toString(16).padStart(16 - prefix.length, '0')}`,
      };
    }),
  };
}
