import { ConfigError, parseConfig } from '../../../config/load';

const valid = `
api:
  tokens: ['\${FB_API_TOKEN}']
intake:
  alertmanager:
    bearerTokens: ['\${FB_ALERT_TOKEN}']
integrations:
  github:
    token: \${GH_TOKEN}
services:
  checkout:
    github: { repo: acme/checkout }
    jenkins: { rollbackJob: checkout/rollback }
`;
const env = { FB_API_TOKEN: 'a', FB_ALERT_TOKEN: 'b', GH_TOKEN: 'c' };

function problems(text: string, environment: NodeJS.ProcessEnv = env) {
  try {
    parseConfig(text, 'firebreak.yaml', environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config check', () => {
  test('a valid config loads with defaults and resolved secrets', () => {
    const config = parseConfig(valid, 'firebreak.yaml', env);
    expect(config.api.port).toBe(8080);
    expect(config.api.tokens).toEqual(['a']);
    expect(config.services.checkout?.github?.branch).toBe('main');
    expect(config.services.checkout?.policy.migrationPaths).toEqual(['db/migrate/', 'migrations/']);
  });

  test('enrichment defaults: a 2 s budget, a 2 h suspect window, GitHub deploy history, no owners', () => {
    const checkout = parseConfig(valid, 'firebreak.yaml', env).services.checkout;
    expect(checkout?.policy).toMatchObject({ enrichmentBudgetMs: 2000, suspectWindowMinutes: 120 });
    expect(checkout?.deployHistory).toEqual({ source: 'github' });
    expect(checkout?.owners).toEqual([]);
  });

  test('owners, team, a Jenkins deploy history and a partial policy are read with their defaults', () => {
    const text = [
      valid.replace(
        'integrations:\n',
        "integrations:\n  jenkins: { baseUrl: https://ci.example.com, user: fb, apiToken: '${JK}' }\n",
      ),
      '    owners: [ada@example.com]',
      '    team: payments',
      '    deployHistory: { source: jenkins, job: checkout/deploy }',
      '    policy: { suspectWindowMinutes: 30 }',
    ].join('\n');
    const checkout = parseConfig(text, 'firebreak.yaml', { ...env, JK: 'k' }).services.checkout;
    expect(checkout).toMatchObject({ owners: ['ada@example.com'], team: 'payments' });
    expect(checkout?.deployHistory).toEqual({
      source: 'jenkins',
      job: 'checkout/deploy',
      shaParameter: 'GIT_SHA',
    });
    expect(checkout?.policy).toEqual({
      migrationPaths: ['db/migrate/', 'migrations/'],
      enrichmentBudgetMs: 2000,
      suspectWindowMinutes: 30,
      pageSeverities: ['critical', 'error'],
    });
  });

  test('a Jenkins deploy history without the Jenkins integration is named by its path', () => {
    const text = `${valid}    deployHistory: { source: jenkins, job: checkout/deploy }\n`;
    expect(problems(text)).toEqual([
      {
        path: 'services.checkout.deployHistory',
        message: expect.stringContaining('needs integrations.jenkins'),
      },
    ]);
  });

  test('each bad key is named by its path', () => {
    const bad = valid
      .replace('repo: acme/checkout', 'repo: not-a-repo')
      .replace('rollbackJob: checkout/rollback', 'rollbackJob: x, colour: blue');
    const found = problems(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'services.checkout.github.repo', message: 'must be owner/name' },
        { path: 'services.checkout.jenkins.colour', message: 'unknown key' },
      ]),
    );
  });

  test('a literal secret is refused: secrets must be environment references', () => {
    const found = problems(valid.replace('token: ${GH_TOKEN}', 'token: ghp_literal'));
    expect(found[0]).toMatchObject({
      path: 'integrations.github.token',
      message: expect.stringContaining('${ENV_VAR}'),
    });
  });

  test('a reference to an unset environment variable is named with its key', () => {
    expect(problems(valid, { FB_API_TOKEN: 'a', FB_ALERT_TOKEN: 'b' })).toEqual([
      { path: 'integrations.github.token', message: 'environment variable GH_TOKEN is not set' },
    ]);
  });

  test('PagerDuty webhooks, commands and the escalation policy load as written', () => {
    const withPagerDuty = valid
      .replace(
        'integrations:\n',
        `integrations:
  pagerduty:
    webhookSecrets: ['\${PD_SECRET_NEW}', '\${PD_SECRET_OLD}']
    incidentWorkflows: { 'Roll back': rollback, PWF123: escalate }
`,
      )
      .replace(
        'jenkins: { rollbackJob: checkout/rollback }',
        `jenkins: { rollbackJob: checkout/rollback }
    policy: { ackTimeout: 5m, escalations: 3, autoRollbackAfter: 15m, responders: { users: [PUSER01], onCall: true } }`,
      );
    const config = parseConfig(withPagerDuty, 'firebreak.yaml', {
      ...env,
      PD_SECRET_NEW: 'n',
      PD_SECRET_OLD: 'o',
    });
    expect(config.integrations.pagerduty).toMatchObject({
      webhookSecrets: ['n', 'o'],
      eventsPerMinute: 120,
      incidentWorkflows: { 'Roll back': 'rollback', PWF123: 'escalate' },
      noteCommands: { '/rollback': 'rollback', '/ack': 'acknowledge' },
    });
    expect(config.services.checkout?.policy).toMatchObject({
      ackTimeout: '5m',
      escalations: 3,
      autoRollbackAfter: '15m',
      responders: { users: ['PUSER01'], onCall: true },
    });
  });

  test('a bad duration, an unknown action and a command without its slash are named by path', () => {
    const bad = valid
      .replace(
        'integrations:\n',
        `integrations:
  pagerduty:
    incidentWorkflows: { 'Reboot': reboot }
    noteCommands: { rollback: rollback }
`,
      )
      .replace(
        'jenkins: { rollbackJob: checkout/rollback }',
        `jenkins: { rollbackJob: checkout/rollback }
    policy: { ackTimeout: 10 minutes }`,
      );
    const paths = problems(bad).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'services.checkout.policy.ackTimeout',
        'integrations.pagerduty.incidentWorkflows.Reboot',
        'integrations.pagerduty.noteCommands.rollback',
      ]),
    );
  });

  test('broken YAML is reported with its line', () => {
    expect(problems('api: [unclosed')[0]?.path).toMatch(/^\(line \d+\)$/);
  });
});
