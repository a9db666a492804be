// The notify and tickets blocks of a service: audiences with their milestones and severities, and a
// tracker that needs its integration; bad keys are named by path.
import { ConfigError, parseConfig } from '../../../config/load';

const base = (service: string, integrations = '') => `
api:
  tokens: ['\${FB_API_TOKEN}']
intake:
  alertmanager:
    bearerTokens: ['\${FB_ALERT_TOKEN}']
integrations:
  github:
    token: \${GH_TOKEN}
${integrations}
services:
  checkout:
${service}
`;
const env = {
  FB_API_TOKEN: 'a',
  FB_ALERT_TOKEN: 'b',
  GH_TOKEN: 'c',
  JIRA_TOKEN: 'j',
  SLACK_LEAD: 'https://hooks.slack.test/x',
};

function problems(text: string): Array<{ path: string; message: string }> {
  try {
    parseConfig(text, 'firebreak.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems as Array<{ path: string; message: string }>;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('audiences and a Jira Cloud tracker load, with the default milestones filled in', () => {
  const config = parseConfig(
    base(
      `    notify:
      emails: [stakeholders@acme.test]
      audiences:
        - { name: leadership, slackWebhook: '\${SLACK_LEAD}', severities: [critical], milestones: [opened, resolved] }
    tickets: { tracker: jira, project: OPS }`,
      `  jira: { baseUrl: https://acme.atlassian.net, email: bot@acme.test, apiToken: '\${JIRA_TOKEN}' }
  email: { host: smtp.acme.test, from: 'Firebreak <firebreak@acme.test>' }`,
    ),
    'firebreak.yaml',
    env,
  );
  const service = config.services.checkout;
  expect(service?.notify.milestones).toContain('freeze-on');
  expect(service?.notify.audiences[0]).toMatchObject({
    name: 'leadership',
    severities: ['critical'],
    slackWebhook: 'https://hooks.slack.test/x',
  });
  expect(service?.tickets).toMatchObject({
    tracker: 'jira',
    project: 'OPS',
    issueType: 'Task',
    openOn: 'opened',
  });
});

test('a Jira tracker without integrations.jira is named by path', () => {
  const found = problems(base(`    tickets: { tracker: jira, project: OPS }`));
  expect(found.map((p) => p.path)).toContain('services.checkout.tickets.tracker');
});

test('an audience without a channel, and a milestone name with spaces, are refused', () => {
  const found = problems(
    base(`    notify:
      audiences:
        - { name: support, milestones: ['rolled back'] }`),
  );
  const paths = found.map((p) => p.path);
  expect(paths.some((p) => p.startsWith('services.checkout.notify.audiences.0'))).toBe(true);
  expect(found.some((p) => p.message.includes("'opened'"))).toBe(true);
});

test('email recipients without integrations.email are named, not silently dropped', () => {
  const found = problems(base(`    notify: { emails: [stakeholders@acme.test] }`));
  expect(found).toContainEqual(
    expect.objectContaining({
      path: 'services.checkout.notify',
      message: expect.stringContaining('integrations.email'),
    }),
  );
});
