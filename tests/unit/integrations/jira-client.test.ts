// JiraClient against the Jira stand-ins, Cloud (v3, ADF, Basic email:token) and Data Center (v2, plain
// text, Bearer PAT): the lookup before create, comments a retry does not repeat, the transition to done
// found by name, and Jira's answers as IntegrationErrors.
import { IntegrationError } from '../../../integrations/errors';
import { JiraClient, incidentLabel } from '../../../integrations/jira';
import type { TicketContent, TicketReport, TicketTarget } from '../../../integrations/roles';
import { JiraStandIn } from '../../../sandbox/jira';

const cloud = new JiraStandIn({ flavor: 'cloud', email: 'bot@acme.test', apiToken: 'cloud-token' });
const dataCenter = new JiraStandIn({
  flavor: 'datacenter',
  personalAccessToken: 'dc-pat',
  doneTransitionName: 'Resolve Issue',
});
let cloudClient: JiraClient;
let dcClient: JiraClient;

const OPS: TicketTarget = { project: 'OPS', issueType: 'Incident', priority: 'Highest' };
const content: TicketContent = {
  title: '[critical] checkout: 5xx ratio above 10% (checkout-1a2b)',
  lines: ['Impact: checkout 5xx above 10%', 'Status: paged'],
  links: [{ href: 'https://firebreak.test/#/incidents/checkout-1a2b', text: 'Firebreak dashboard' }],
};

beforeAll(async () => {
  await Promise.all([cloud.listen(), dataCenter.listen()]);
  cloudClient = new JiraClient({
    baseUrl: cloud.url,
    auth: { flavor: 'cloud', email: 'bot@acme.test', apiToken: 'cloud-token' },
    timeoutMs: 2000,
  });
  dcClient = new JiraClient({
    baseUrl: dataCenter.url,
    auth: { flavor: 'datacenter', personalAccessToken: 'dc-pat' },
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await Promise.all([cloud.close(), dataCenter.close()]);
});
beforeEach(() => {
  cloud.reset();
  dataCenter.reset();
});

async function failure(promise: Promise<unknown>): Promise<IntegrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrationError);
  return error as IntegrationError;
}

describe('Jira Cloud', () => {
  test('opens a ticket with an ADF description, the incident label and the priority, using Basic auth', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    expect(ticket).toEqual({ key: 'OPS-1', url: `${cloud.url}/browse/OPS-1` });
    const stored = cloud.issue('OPS-1');
    expect(stored).toMatchObject({
      summary: content.title,
      issueType: 'Incident',
      priority: 'Highest',
      labels: ['firebreak', 'firebreak-checkout-1a2b'],
    });
    expect(stored?.description).toMatchObject({ type: 'doc', version: 1 });
    expect(JSON.stringify(stored?.description)).toContain('Impact: checkout 5xx above 10%');
    expect(JSON.stringify(stored?.description)).toContain(
      '"href":"https://firebreak.test/#/incidents/checkout-1a2b"',
    );
    const create = cloud.requests('POST', '/rest/api/3/issue')[0];
    expect(create?.headers.authorization).toBe(
      `Basic ${Buffer.from('bot@acme.test:cloud-token').toString('base64')}`,
    );
  });

  test('finds the incident’s ticket by its label through /search/jql, and nothing for another incident', async () => {
    await cloudClient.open(OPS, 'checkout-1a2b', content);
    expect(await cloudClient.findForIncident(OPS, 'checkout-1a2b')).toMatchObject({ key: 'OPS-1' });
    expect(await cloudClient.findForIncident(OPS, 'checkout-9999')).toBeNull();
    const search = cloud.requests('GET', '/rest/api/3/search/jql')[0];
    expect(search?.query.jql).toBe(
      `project = "OPS" AND labels = "${incidentLabel('checkout-1a2b')}" ORDER BY created ASC`,
    );
  });

  test('a comment carrying a marker is added once, however often it is sent', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    const update = { title: 'checkout: acknowledged by ada', lines: ['Status: acknowledged'], links: [] };
    expect(
      await cloudClient.comment(OPS, ticket, 'Firebreak update checkout-1a2b/acknowledged-2', update),
    ).toBe(true);
    expect(
      await cloudClient.comment(OPS, ticket, 'Firebreak update checkout-1a2b/acknowledged-2', update),
    ).toBe(false);
    const comments = cloud.issue('OPS-1')?.comments ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatchObject({ type: 'doc', version: 1 });
  });

  test('closing takes the transition named Done, and a second close finds the ticket already done', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    expect(await cloudClient.close(OPS, ticket)).toEqual({ alreadyDone: false, status: 'Done' });
    expect(cloud.issue('OPS-1')).toMatchObject({ status: 'Done', transitions: ['Done'] });
    expect(await cloudClient.close(OPS, ticket)).toEqual({ alreadyDone: true, status: 'Done' });
    expect(cloud.issue('OPS-1')?.transitions).toEqual(['Done']);
  });

  test('wrong credentials are a 401 that no retry fixes, with a hint about what Jira expects', async () => {
    const wrong = new JiraClient({
      baseUrl: cloud.url,
      auth: { flavor: 'cloud', email: 'bot@acme.test', apiToken: 'revoked' },
    });
    const error = await failure(wrong.open(OPS, 'checkout-1a2b', content));
    expect(error).toMatchObject({ vendor: 'jira', status: 401, retryable: false });
    expect(error.message).toContain('API token');
  });

  test('an unknown project is a 400 naming the field, not retried', async () => {
    const error = await failure(cloudClient.open({ project: 'NOPE' }, 'checkout-1a2b', content));
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('project: Specify a valid project ID or key');
    expect(cloud.issues()).toHaveLength(0);
  });

  test('a 429 is retryable after the Retry-After Jira sent; a 503 is retryable', async () => {
    cloud.addFault({
      pathPrefix: '/rest/api/3/search',
      status: 429,
      headers: { 'retry-after': '7' },
      times: 1,
    });
    const limited = await failure(cloudClient.findForIncident(OPS, 'checkout-1a2b'));
    expect(limited).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7000 });
    cloud.addFault({ pathPrefix: '/rest/api/3/issue', status: 503, times: 1 });
    expect(await failure(cloudClient.open(OPS, 'checkout-1a2b', content))).toMatchObject({
      status: 503,
      retryable: true,
    });
  });
});

describe('Jira Data Center', () => {
  test('opens a ticket through REST v2 with a plain-text description and a Bearer PAT', async () => {
    const ticket = await dcClient.open({ project: 'OPS' }, 'checkout-1a2b', content);
    const stored = dataCenter.issue(ticket.key);
    expect(typeof stored?.description).toBe('string');
    expect(stored?.description).toContain('Impact: checkout 5xx above 10%');
    expect(stored?.issueType).toBe('Task');
    expect(dataCenter.requests('POST', '/rest/api/2/issue')[0]?.headers.authorization).toBe('Bearer dc-pat');
  });

  test('finds the ticket through /rest/api/2/search and closes it by the workflow’s own transition name', async () => {
    const target: TicketTarget = { project: 'OPS', doneTransitions: ['Resolve Issue'] };
    await dcClient.open(target, 'checkout-1a2b', content);
    const ticket = await dcClient.findForIncident(target, 'checkout-1a2b');
    expect(ticket?.key).toBe('OPS-1');
    expect(await dcClient.close(target, ticket!)).toEqual({ alreadyDone: false, status: 'Done' });
    expect(dataCenter.issue('OPS-1')?.transitions).toEqual(['Resolve Issue']);
  });

  test('comments are plain text carrying the marker', async () => {
    const ticket = await dcClient.open({ project: 'OPS' }, 'checkout-1a2b', content);
    await dcClient.comment({ project: 'OPS' }, ticket, 'Firebreak update x/resolved-9', {
      title: 'resolved',
      lines: ['Status: resolved'],
      links: [],
    });
    const body = dataCenter.issue('OPS-1')?.comments[0]?.body;
    expect(typeof body).toBe('string');
    expect(body).toContain('Firebreak update x/resolved-9');
  });
});

describe('the report attached to the ticket', () => {
  const report = (incidentId: string, markdown: string): TicketReport => ({
    incidentId,
    url: `https://firebreak.test/v1/incidents/${incidentId}/report`,
    files: [
      { filename: `${incidentId}-report.md`, mimeType: 'text/markdown', content: markdown },
      { filename: `${incidentId}-report.html`, mimeType: 'text/html', content: '<h1>checkout-1a2b</h1>' },
    ],
  });

  test('Cloud: both files go up in one multipart upload carrying X-Atlassian-Token, and read back as sent', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    const attached = await cloudClient.attachReport(
      OPS,
      ticket,
      report('checkout-1a2b', '# Incident checkout-1a2b\n\nTTR 12m — café'),
    );
    expect(attached).toEqual({
      attached: ['checkout-1a2b-report.md', 'checkout-1a2b-report.html'],
      present: [],
      as: 'attachment',
    });
    const upload = cloud.requests('POST', '/rest/api/3/issue/OPS-1/attachments');
    expect(upload).toHaveLength(1);
    expect(upload[0]?.headers['x-atlassian-token']).toBe('no-check');
    const files = cloud.issue('OPS-1')?.attachments ?? [];
    expect(files.map((f) => [f.filename, f.mimeType, f.content.toString('utf8')])).toEqual([
      ['checkout-1a2b-report.md', 'text/markdown', '# Incident checkout-1a2b\n\nTTR 12m — café'],
      ['checkout-1a2b-report.html', 'text/html', '<h1>checkout-1a2b</h1>'],
    ]);
  });

  test('a second attach (a retry) finds both files by name and uploads nothing', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    await cloudClient.attachReport(OPS, ticket, report('checkout-1a2b', '# report'));
    const again = await cloudClient.attachReport(OPS, ticket, report('checkout-1a2b', '# report'));
    expect(again).toEqual({
      attached: [],
      present: ['checkout-1a2b-report.md', 'checkout-1a2b-report.html'],
      as: 'attachment',
    });
    expect(cloud.issue('OPS-1')?.attachments).toHaveLength(2);
    expect(cloud.requests('POST', '/rest/api/3/issue/OPS-1/attachments')).toHaveLength(1);
  });

  test('a retry after a half-done attempt uploads only the file that is missing', async () => {
    const ticket = await cloudClient.open(OPS, 'checkout-1a2b', content);
    const [markdown] = report('checkout-1a2b', '# report').files;
    await cloudClient.attachReport(OPS, ticket, {
      ...report('checkout-1a2b', '# report'),
      files: [markdown!],
    });
    const retried = await cloudClient.attachReport(OPS, ticket, report('checkout-1a2b', '# report'));
    expect(retried).toMatchObject({
      attached: ['checkout-1a2b-report.html'],
      present: ['checkout-1a2b-report.md'],
    });
    expect(cloud.issue('OPS-1')?.attachments.map((a) => a.filename)).toEqual([
      'checkout-1a2b-report.md',
      'checkout-1a2b-report.html',
    ]);
  });

  test('Data Center: the upload goes through REST v2 with the Bearer PAT', async () => {
    const ticket = await dcClient.open({ project: 'OPS', issueType: 'Task' }, 'checkout-1a2b', content);
    await dcClient.attachReport(OPS, ticket, report('checkout-1a2b', '# Incident checkout-1a2b'));
    const upload = dataCenter.requests('POST', '/rest/api/2/issue/OPS-1/attachments')[0];
    expect(upload?.headers.authorization).toBe('Bearer dc-pat');
    expect(dataCenter.issue('OPS-1')?.attachments.map((a) => a.content.toString('utf8'))).toEqual([
      '# Incident checkout-1a2b',
      '<h1>checkout-1a2b</h1>',
    ]);
  });

  test('a report over the site’s attachment limit is a 413 no retry fixes, and nothing is stored', async () => {
    const small = new JiraStandIn({
      flavor: 'datacenter',
      personalAccessToken: 'dc-pat',
      maxAttachmentBytes: 64,
    });
    await small.listen();
    try {
      const client = new JiraClient({
        baseUrl: small.url,
        auth: { flavor: 'datacenter', personalAccessToken: 'dc-pat' },
        timeoutMs: 2000,
      });
      const ticket = await client.open({ project: 'OPS', issueType: 'Task' }, 'checkout-1a2b', content);
      const error = await failure(client.attachReport(OPS, ticket, report('checkout-1a2b', 'x'.repeat(65))));
      expect(error).toMatchObject({ status: 413, retryable: false });
      expect(error.message).toContain('attachment size limit');
      expect(small.issue('OPS-1')?.attachments).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
