// The `priority` block: what can wait in a storm runs at a lower CPU priority, with the same defaults
// whether the block is absent or names only some of its fields.
import { parseConfig } from '../../../config/load';
import { DEFAULT_PRIORITY } from '../../../config/schema';

const config = (priority: string) => `
api:
  tokens: ['\${FB_API_TOKEN}']
intake:
  alertmanager:
    bearerTokens: ['\${FB_ALERT_TOKEN}']
integrations:
  github:
    token: \${GH_TOKEN}
${priority}
services:
  checkout:
    github: { repo: acme/checkout }
`;
const env = { FB_API_TOKEN: 'a', FB_ALERT_TOKEN: 'b', GH_TOKEN: 'c' };

test('without a priority block, the embedded server and the worker get the default priorities', () => {
  expect(parseConfig(config(''), 'firebreak.yaml', env).priority).toEqual(DEFAULT_PRIORITY);
});

test('a priority block naming only the worker keeps the embedded server at its default', () => {
  const { priority } = parseConfig(config('priority:\n  worker: 3'), 'firebreak.yaml', env);
  expect(priority).toEqual({ embeddedTemporal: DEFAULT_PRIORITY.embeddedTemporal, worker: 3 });
});
