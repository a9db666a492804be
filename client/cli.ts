// The `firebreak` command. `start`, `worker` and `api` run the engine; the other commands talk to a
// running engine over its HTTP API, so they share its validation and authorization.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ApiClient, resolveConnection } from './cli/api-client';
import { registerFreezeCommands } from './cli/freeze';
import { printIncident, printIncidents } from './cli/print';
import { registerStatsCommand } from './cli/stats';

const program = new Command('firebreak')
  .description('Incident-response workflow engine on Temporal')
  .showHelpAfterError()
  .exitOverride();

const apiOptions = (command: Command): Command =>
  command
    .addOption(new Option('--url <url>', 'Firebreak API base URL').env('FIREBREAK_URL'))
    .addOption(new Option('--token <token>', 'API token').env('FIREBREAK_TOKEN'));

const api = (options: { url?: string; token?: string }): ApiClient =>
  new ApiClient(resolveConnection(options));

/**
 * The engine (Temporal worker and server) loads only for the commands that run it, so the commands
 * that talk to the API (stats, act, report…) start in a fraction of a second instead of seconds.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const runStart: (typeof import('./cli/start'))['runStart'] = (options) =>
  (require('./cli/start') as typeof import('./cli/start')).runStart(options);
const runDemo: (typeof import('./cli/demo'))['runDemo'] = () =>
  (require('./cli/demo') as typeof import('./cli/demo')).runDemo();
/** The config schema (zod) is only needed by `config check` (and by the engine). */
const configLoader = () => require('../config/load') as typeof import('../config/load');
/* eslint-enable @typescript-eslint/no-require-imports */

program
  .command('start')
  .description(
    'run everything: embedded Temporal (unless TEMPORAL_ADDRESS), worker and API; sandbox without a config',
  )
  .option('-c, --config <file>', 'configuration file (default: firebreak.yaml if present, else sandbox mode)')
  .option('-p, --port <port>', 'API port (default 8080)', parseInt)
  .action((options: { config?: string; port?: number }) =>
    runStart({ ...options, parts: { worker: true, api: true } }),
  );

program
  .command('worker')
  .description('run only the worker, against TEMPORAL_ADDRESS or the configured cluster')
  .requiredOption('-c, --config <file>', 'configuration file')
  .action((options: { config: string }) => runStart({ ...options, parts: { worker: true, api: false } }));

program
  .command('api')
  .description('run only the HTTP API, against TEMPORAL_ADDRESS or the configured cluster')
  .requiredOption('-c, --config <file>', 'configuration file')
  .option('-p, --port <port>', 'API port', parseInt)
  .action((options: { config: string; port?: number }) =>
    runStart({ ...options, parts: { worker: false, api: true } }),
  );

apiOptions(program.command('alert <file>'))
  .description('send an Alertmanager payload (a file, or - for standard input)')
  .addOption(new Option('--alert-token <token>', 'intake token').env('FIREBREAK_ALERT_TOKEN'))
  .action(async (file: string, options: { url?: string; token?: string; alertToken?: string }) => {
    const body = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as unknown;
    const result = await api(options).sendAlertmanager(body, options.alertToken);
    console.log(JSON.stringify(result, null, 2));
  });

apiOptions(program.command('incidents'))
  .description('list incidents')
  .addOption(new Option('--status <status>', 'open or closed').choices(['open', 'closed']))
  .option('--service <service>', 'only this service')
  .action(async (options: { url?: string; token?: string; status?: string; service?: string }) => {
    printIncidents(await api(options).incidents(options.status, options.service));
  });

apiOptions(program.command('show <id>'))
  .description("an incident's live state and timeline")
  .option('--json', 'raw JSON')
  .action(async (id: string, options: { url?: string; token?: string; json?: boolean }) => {
    const incident = await api(options).incident(id);
    if (options.json) console.log(JSON.stringify(incident, null, 2));
    else printIncident(incident);
  });

apiOptions(program.command('act <id> <action>'))
  .description('take a responder action: acknowledge, rollback, hotfix, escalate, resolve, lift-freeze, note')
  .option('--to <sha>', 'rollback: target commit (default: the rollback candidate)')
  .option('--sha <sha>', 'hotfix: the commit to ship through the hotfix job')
  .option('--force', 'rollback: override safety checks')
  .option('--resolution <text>', 'resolve: what fixed it')
  .option('--text <text>', 'note: the note')
  .addOption(
    new Option('--by <who>', 'who is acting').env('FIREBREAK_USER').default(process.env.USER ?? 'cli-user'),
  )
  .action(async (id: string, action: string, options: Record<string, string | boolean | undefined>) => {
    const body: Record<string, unknown> = { action, by: options.by };
    for (const key of ['to', 'force', 'sha', 'resolution', 'text'])
      if (options[key] !== undefined) body[key] = options[key];
    const outcome = await api(options as { url?: string; token?: string }).act(id, body);
    console.log(`${outcome.action}: ${outcome.message} (status ${outcome.status})`);
    for (const warning of outcome.warnings ?? []) console.log(`warning: ${warning}`);
  });

apiOptions(program.command('report <id>'))
  .description("an incident's report (a live draft while it is open)")
  .addOption(
    new Option('--format <format>', 'md, html or json').choices(['md', 'html', 'json']).default('md'),
  )
  .action(async (id: string, options: { url?: string; token?: string; format: 'md' | 'html' | 'json' }) => {
    console.log(await api(options).report(id, options.format));
  });

registerStatsCommand(program);
registerFreezeCommands(program, apiOptions, api);

program
  .command('config')
  .description('configuration tools')
  .command('check <file>')
  .description('validate a configuration file; lists the path of each bad key')
  .action((file: string) => {
    const { ConfigError, loadConfigFile } = configLoader();
    try {
      const config = loadConfigFile(file);
      console.log(`${file}: OK (${Object.keys(config.services).length} service(s))`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    }
  });

program
  .command('demo')
  .description('play one incident end to end in sandbox mode and print its report')
  .action(() => runDemo());

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    console.error(`firebreak: ${e.message ?? String(error)}`);
    process.exitCode = 1;
  }
}

void main();
