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
