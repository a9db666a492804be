// The dashboard (`GET /`): a server-rendered shell plus a small vanilla script and stylesheet from
// client/dashboard/. The shell carries no incident data; the script reads everything through the
// API with the same bearer token (entered once, kept in the browser's localStorage), so the
// dashboard is exactly as protected as the API and its actions go through the same Update.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ACTION_NAMES } from '../../domain/actions';

export interface DashboardAction {
  name: string;
  label: string;
  fields: Array<{ name: string; type: 'text' | 'boolean'; label: string }>;
}

/** The options each action takes, as form fields; an action not listed here is a plain button. */
const ACTION_FIELDS: Record<string, DashboardAction['fields']> = {
  rollback: [
    { name: 'to', type: 'text', label: 'target SHA (default: candidate)' },
    { name: 'force', type: 'boolean', label: 'force (override safety checks)' },
  ],
  hotfix: [{ name: 'sha', type: 'text', label: 'hotfix commit SHA' }],
  resolve: [{ name: 'resolution', type: 'text', label: 'what fixed it' }],
  note: [{ name: 'text', type: 'text', label: 'note' }],
};

const LABELS: Record<string, string> = {
  acknowledge: 'Acknowledge',
  rollback: 'Roll back',
  resolve: 'Resolve',
  escalate: 'Escalate',
  note: 'Add note',
  hotfix: 'Hotfix',
  'lift-freeze': 'Lift freeze',
};

/** Every responder action the domain defines, so new ones appear on the dashboard by themselves. */
export function dashboardActions(names: readonly string[] = ACTION_NAMES): DashboardAction[] {
  return names.map((name) => ({
    name,
    label: LABELS[name] ?? name.replace(/-/g, ' '),
    fields: ACTION_FIELDS[name] ?? [],
  }));
}

const ASSETS = path.join(__dirname, '..', 'dashboard');
/** The script may only come from here; the report's inline style needs 'unsafe-inline' for styles. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function registerDashboard(app: FastifyInstance, refreshMs = 3000): void {
  const config = JSON.stringify({ actions: dashboardActions(), refreshMs });
  // `<` cannot end the JSON script block early: the config has no user data, but keep it safe anyway.
  const shell = readFileSync(path.join(ASSETS, 'index.html'), 'utf8').replace(
    '__CONFIG__',
    config.replace(/</g, '\\u003c'),
  );
  const script = readFileSync(path.join(ASSETS, 'app.js'), 'utf8');
  const style = readFileSync(path.join(ASSETS, 'app.css'), 'utf8');
  const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' };

  app.get('/', async (_request, reply) =>
    reply.headers(headers).type('text/html; charset=utf-8').send(shell),
  );
  app.get('/dashboard/app.js', async (_request, reply) =>
    reply.headers(headers).type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/dashboard/app.css', async (_request, reply) =>
    reply.headers(headers).type('text/css; charset=utf-8').send(style),
  );
}
