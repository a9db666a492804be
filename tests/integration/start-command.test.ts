// `firebreak start` as a user runs it: sandbox mode with the banner, a clean stop on SIGTERM that
// leaves no process behind, and a second start that still knows the first one's incidents.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../client/cli/ports';
import { SANDBOX_ALERT_TOKEN, SANDBOX_API_TOKEN } from '../../sandbox';
import { alertmanagerPayload } from '../support/harness';

const ROOT = path.resolve(__dirname, '../..');

interface Running {
  child: ChildProcess;
  output: () => string;
}

async function start(env: NodeJS.ProcessEnv, apiPort: number): Promise<Running> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/firebreak.js'), 'start', '--port', String(apiPort)],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Ctrl-C stops Firebreak')) {
    if (child.exitCode !== null) throw new Error(`firebreak start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`firebreak start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

async function stop(running: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
  running.child.kill('SIGTERM');
  return exited;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('firebreak start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('runs in sandbox mode, stops cleanly on SIGTERM, and a second start finds the first start’s incident', async () => {
    const [apiPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FIREBREAK_DATA_DIR: dataDir,
      FIREBREAK_TEMPORAL_PORT: String(temporalPort),
      FIREBREAK_TEMPORAL_UI_PORT: String(uiPort),
    };
    delete env.TEMPORAL_ADDRESS;
    const api = `http://127.0.0.1:${apiPort}`;

    const first = await start(env, apiPort);
    expect(first.output()).toContain('NO REAL PAGE IS SENT');
    const intake = await fetch(`${api}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_ALERT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alertmanagerPayload('checkout')),
    });
    expect(intake.status).toBe(202);
    const answer = (await intake.json()) as { incidents: Array<{ id: string }> };
    const id = answer.incidents[0]?.id;
    expect(id).toMatch(/^checkout-[0-9a-f]{8}$/);
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('Firebreak stopped.');
    expect(await portOpen(temporalPort)).toBe(false);
    expect(await portOpen(apiPort)).toBe(false);

    const second = await start(env, apiPort);
    try {
      const response = await fetch(`${api}/v1/incidents/${id}`, {
        headers: { authorization: `Bearer ${SANDBOX_API_TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { id: string }).id).toBe(id);
    } finally {
      expect(await stop(second)).toBe(0);
    }
  });
});
