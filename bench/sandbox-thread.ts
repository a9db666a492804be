// The storm's stand-ins (PagerDuty, GitHub, Jenkins, Slack, SMTP, Jira) in a worker thread of their own.
// The real vendors are other machines: sharing the API's event loop, the stand-ins would answer the
// worker's page only after the API had served the storm's queue, and the benchmark would measure that
// queue as Firebreak's paging delay.
import { parentPort, workerData } from 'node:worker_threads';
import { startSandbox, type SandboxOptions } from '../sandbox';

export type SandboxRequest = { kind: 'pages' } | { kind: 'close' };

/** Each trigger that reached the PagerDuty stand-in: its dedup key (the incident), when, and whether it
 * opened a PagerDuty incident or was folded into an open one (a re-sent page). */
export interface PagesAnswer {
  kind: 'pages';
  triggers: Array<{ dedupKey: string; at: string; outcome: string }>;
}

async function serve(options: SandboxOptions): Promise<void> {
  const sandbox = await startSandbox(options);
  const port = parentPort;
  if (!port) throw new Error('the sandbox thread runs only as a worker thread');
  port.postMessage({ kind: 'ready', config: sandbox.config, extras: sandbox.extras });
  port.on('message', (request: SandboxRequest) => {
    if (request.kind === 'pages') {
      const triggers = sandbox.pagerduty.events
        .filter((e) => e.action === 'trigger')
        .map((e) => ({ dedupKey: e.dedupKey, at: e.at, outcome: e.outcome }));
      port.postMessage({ kind: 'pages', triggers } satisfies PagesAnswer);
      return;
    }
    void sandbox.close().then(() => port.postMessage({ kind: 'closed' }));
  });
}

void serve(workerData as SandboxOptions);
