// `firebreak start|worker|api`: loads the configuration (or starts the sandbox), runs the engine,
// and shuts it down in order on Ctrl-C or SIGTERM.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from '../../config/load';
import { SANDBOX_ALERT_TOKEN, SANDBOX_API_TOKEN, startSandbox, type Sandbox } from '../../sandbox';
import { startEngine } from '../engine';
import { SANDBOX_CONNECTION_FILE } from './api-client';

export interface StartOptions {
  config?: string;
  port?: number;
  parts: { worker: boolean; api: boolean };
}

const DEFAULT_CONFIG_FILE = 'firebreak.yaml';
/** Environment overrides, so several engines (or tests) can run side by side. */
const DATA_DIR = process.env.FIREBREAK_DATA_DIR ?? '.firebreak';
const TEMPORAL_PORT = optionalPort(process.env.FIREBREAK_TEMPORAL_PORT);
const TEMPORAL_UI_PORT = optionalPort(process.env.FIREBREAK_TEMPORAL_UI_PORT);

function optionalPort(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port number: ${value}`);
  return port;
}

export async function runStart(options: StartOptions): Promise<void> {
  const file = options.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let sandbox: Sandbox | null = null;
  let config;
  if (file) {
    config = loadConfigFile(file);
  } else {
    sandbox = await startSandbox({ dataDir: DATA_DIR, apiPort: options.port ?? 8080 });
    config = sandbox.config;
  }
  if (options.port !== undefined) config = { ...config, api: { ...config.api, port: options.port } };
  const engine = await startEngine({
    config,
    run: options.parts,
    ...(sandbox ? { extras: sandbox.extras } : {}),
    ...(TEMPORAL_PORT !== undefined ? { temporalPort: TEMPORAL_PORT } : {}),
    ...(TEMPORAL_UI_PORT !== undefined ? { temporalUiPort: TEMPORAL_UI_PORT } : {}),
  });
  if (sandbox && engine.apiUrl) {
    sandbox.subscribeWebhooks(engine.apiUrl);
    console.log(sandbox.banner(engine.apiUrl, engine.temporalUiUrl));
    writeSandboxConnection(engine.apiUrl);
  } else {
    console.log(`Firebreak running: API ${engine.apiUrl ?? 'off'}, Temporal ${engine.temporalAddress}`);
  }
  console.log('Ctrl-C stops Firebreak.');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the API, draining the worker, stopping Temporal…`);
    await engine.stop();
    await sandbox?.close();
    if (sandbox) rmSync(SANDBOX_CONNECTION_FILE, { force: true });
    console.log('Firebreak stopped.');
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Lets `firebreak incidents`, `act`, ... find the sandbox without flags. */
function writeSandboxConnection(url: string): void {
  mkdirSync(path.dirname(SANDBOX_CONNECTION_FILE), { recursive: true });
  writeFileSync(
    SANDBOX_CONNECTION_FILE,
    JSON.stringify({ url, token: SANDBOX_API_TOKEN, alertToken: SANDBOX_ALERT_TOKEN }, null, 2),
  );
}
