// `npm run demo`: a newcomer's first five minutes. One incident in sandbox mode, end to end: an
// alert arrives, PagerDuty (stand-in) is paged, a simulated responder acknowledges and chooses
// rollback in PagerDuty, the Jenkins (stand-in) build runs, monitoring recovers, and the report is
// printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncidentView } from '../../domain/incident-view';
import {
  SANDBOX_ALERT_TOKEN,
  SANDBOX_API_TOKEN,
  SANDBOX_INCIDENT_WORKFLOWS,
  startSandbox,
  type Sandbox,
} from '../../sandbox';
import { startEngine } from '../engine';
import { freePort } from './ports';

const say = (line: string): void => void process.stdout.write(`\n▶ ${line}\n`);

export async function runDemo(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-demo-'));
  // No flap window: the demo's incident closes as soon as monitoring recovers.
  const sandbox = await startSandbox({
    dataDir,
    apiPort: 0,
    rollbackBuildMs: 3000,
    quietPeriodMs: 500,
    flapWindowSeconds: 0,
  });
  const temporalPort = await freePort();
  const engine = await startEngine({
    config: sandbox.config,
    extras: { ...sandbox.extras, jenkinsPollMs: 500 },
    temporalPort,
    temporalUiPort: 0,
    ephemeralTemporal: true,
    log: () => undefined,
  });
  const api = engine.apiUrl as string;
  sandbox.subscribeWebhooks(api);
  try {
    console.log(sandbox.banner(api, null));
    const startsAt = new Date(Date.now() - 4 * 60_000).toISOString();
    say(`Alertmanager reports: checkout 5xx ratio above 10% (since ${startsAt})`);
    const intake = await post(
      api,
      '/v1/alerts/alertmanager',
      alertPayload('firing', startsAt),
      SANDBOX_ALERT_TOKEN,
    );
    const id = (intake as { incidents: Array<{ id: string }> }).incidents[0]?.id as string;
    console.log(`  incident ${id} opened`);

    const paged = await waitFor(api, id, (s) => s.times.paged !== null, 'the page');
    const page = sandbox.pagerduty.events.at(-1);
    console.log(`  PagerDuty (stand-in) received a trigger, dedup_key ${JSON.stringify(page?.dedupKey)}`);
    console.log(
      `  current deploy ${paged.enrichment?.currentDeploy?.sha.slice(0, 12)}, rollback candidate ${paged.enrichment?.rollbackCandidate?.sha.slice(0, 12)}`,
    );

    say('The on-call responder, Ada, acknowledges in PagerDuty and runs its "Roll back" incident workflow');
    const ada = sandbox.pagerduty.as('PUSER01');
    await ada.acknowledge(id);
    await waitFor(api, id, (s) => s.times.acknowledged !== null, 'the acknowledgement');
    console.log('  Firebreak heard the acknowledgement (signed PagerDuty webhook)');
    await ada.runWorkflow(id, SANDBOX_INCIDENT_WORKFLOWS.rollback);
    console.log(`  Firebreak answered in PagerDuty: ${await firebreakNote(sandbox, id)}`);
    await waitFor(
      api,
      id,
      (s) => s.status === 'mitigated' || s.status === 'mitigation-failed',
      'the Jenkins build',
    );
    console.log(
      `  Jenkins (stand-in) build finished: ${sandbox.jenkins.triggers.length} trigger(s) received`,
    );

    say('Monitoring recovers: Alertmanager sends resolved');
    await post(api, '/v1/alerts/alertmanager', alertPayload('resolved', startsAt), SANDBOX_ALERT_TOKEN);
    await waitForReport(api, id);
    say('The report');
    console.log(await get(api, `/v1/incidents/${id}/report?format=md`));
    console.log(
      `Slack messages sent: ${sandbox.slack.messages.length}; emails sent: ${sandbox.smtp.inbox.length}`,
    );
  } finally {
    await engine.stop();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Firebreak's reply note on the PagerDuty incident (the stand-in's record of it). */
async function firebreakNote(sandbox: Sandbox, id: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const notes = sandbox.pagerduty.incidents().find((i) => i.dedupKey === id)?.notes ?? [];
    const note = notes.find((n) => n.content.startsWith('[Firebreak]'));
    if (note) return note.content;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("timed out waiting for Firebreak's note in PagerDuty");
}

function alertPayload(status: 'firing' | 'resolved', startsAt: string): unknown {
  const endsAt = status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z';
  const labels = { alertname: 'CheckoutErrors', service: 'checkout', severity: 'critical' };
  return {
    version: '4',
    status,
    receiver: 'firebreak',
    groupKey: '{}:{alertname="CheckoutErrors", service="checkout"}',
    truncatedAlerts: 0,
    groupLabels: { alertname: 'CheckoutErrors', service: 'checkout' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.sandbox.test',
    alerts: [
      {
        status,
        labels,
        annotations: {
          summary: 'checkout 5xx ratio above 10%',
          runbook_url: 'https://runbooks.sandbox.test/checkout',
        },
        startsAt,
        endsAt,
        generatorURL: 'http://prometheus.sandbox.test/graph',
        fingerprint: 'd3m0d3m0d3m0d3m0'.replace(/[^0-9a-f]/g, 'a'),
      },
    ],
  };
}

async function waitFor(
  api: string,
  id: string,
  done: (s: IncidentView) => boolean,
  what: string,
): Promise<IncidentView> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const state = (await get(api, `/v1/incidents/${id}`).then(JSON.parse)) as IncidentView;
    if (done(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function waitForReport(api: string, id: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const report = JSON.parse(await get(api, `/v1/incidents/${id}/report`)) as { draft: boolean };
    if (!report.draft) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('timed out waiting for the report');
}

async function post(api: string, route: string, body: unknown, token: string): Promise<unknown> {
  const response = await fetch(`${api}${route}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-firebreak-client': 'cli',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${route}: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

async function get(api: string, route: string): Promise<string> {
  const response = await fetch(`${api}${route}`, {
    headers: { authorization: `Bearer ${SANDBOX_API_TOKEN}` },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${route}: ${response.status} ${text}`);
  return text;
}
