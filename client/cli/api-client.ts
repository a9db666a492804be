// The CLI's view of a running Firebreak: its HTTP API. Finds the URL and token from options, the
// environment, or the file `firebreak start` leaves in sandbox mode.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionOutcome } from '../../domain/actions';
import type { IncidentSummary } from '../../domain/incident';
import type { IncidentView } from '../../domain/incident-view';
import type { FreezeAnswer } from '../freeze';

export interface ApiConnection {
  url: string;
  token: string | undefined;
  alertToken?: string;
}

export const SANDBOX_CONNECTION_FILE = path.join(
  process.env.FIREBREAK_DATA_DIR ?? '.firebreak',
  'sandbox.json',
);

export function resolveConnection(options: { url?: string; token?: string }): ApiConnection {
  const sandbox = readSandboxConnection();
  return {
    url: (options.url ?? sandbox?.url ?? 'http://127.0.0.1:8080').replace(/\/$/, ''),
    token: options.token ?? sandbox?.token,
    ...(sandbox?.alertToken ? { alertToken: sandbox.alertToken } : {}),
  };
}

function readSandboxConnection(): ApiConnection | null {
  try {
    return JSON.parse(readFileSync(SANDBOX_CONNECTION_FILE, 'utf8')) as ApiConnection;
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ApiClient {
  constructor(private readonly connection: ApiConnection) {}

  incidents(status?: string, service?: string): Promise<{ incidents: IncidentSummary[] }> {
    const query = new URLSearchParams({ ...(status ? { status } : {}), ...(service ? { service } : {}) });
    return this.json('GET', `/v1/incidents${query.size ? `?${query}` : ''}`);
  }

  incident(id: string): Promise<IncidentView> {
    return this.json('GET', `/v1/incidents/${encodeURIComponent(id)}`);
  }

  act(id: string, body: Record<string, unknown>): Promise<ActionOutcome> {
    return this.json('POST', `/v1/incidents/${encodeURIComponent(id)}/actions`, body);
  }

  freeze(service: string): Promise<FreezeAnswer> {
    return this.json('GET', `/v1/freeze?service=${encodeURIComponent(service)}`);
  }

  liftFreeze(service: string, by: string, reason?: string): Promise<unknown> {
    const body = { by, ...(reason ? { reason } : {}) };
    return this.json('POST', `/v1/freeze/${encodeURIComponent(service)}/lift`, body);
  }

  async report(id: string, format: 'md' | 'html' | 'json'): Promise<string> {
    const response = await this.request(
      'GET',
      `/v1/incidents/${encodeURIComponent(id)}/report?format=${format}`,
    );
    return format === 'json' ? JSON.stringify(JSON.parse(response), null, 2) : response;
  }

  sendAlertmanager(body: unknown, alertToken?: string): Promise<unknown> {
    const token = alertToken ?? this.connection.alertToken;
    return this.json('POST', '/v1/alerts/alertmanager', body, token);
  }

  /** Any JSON route of the API (stats, freeze…), for commands that live in their own files. */
  get<T>(route: string): Promise<T> {
    return this.json('GET', route);
  }

  private async json<T>(method: string, route: string, body?: unknown, token?: string): Promise<T> {
    return JSON.parse(await this.request(method, route, body, token)) as T;
  }

  private async request(
    method: string,
    route: string,
    body?: unknown,
    token = this.connection.token,
  ): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${this.connection.url}${route}`, {
        method,
        headers: {
          'x-firebreak-client': 'cli',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiError(0, `cannot reach Firebreak at ${this.connection.url}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, `${response.status}: ${errorMessage(text)}`);
    return text;
  }
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; details?: { instructions?: unknown } } };
    const instructions = parsed.error?.details?.instructions;
    // A refused rollback says what to do about it: show the steps under the message.
    const steps = Array.isArray(instructions)
      ? instructions.map((line) => `\n  ${String(line)}`).join('')
      : '';
    return `${parsed.error?.message ?? text}${steps}`;
  } catch {
    return text;
  }
}
