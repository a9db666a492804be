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

  test('broken YAML is reported with its line', () => {
    expect(problems('api: [unclosed')[0]?.path).toMatch(/^\(line \d+\)$/);
  });
});
