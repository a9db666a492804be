// The Jira stand-in refuses what the real Jira refuses (contracts/services.md §3.5), so a client that
// passes against it would pass against Jira: auth per flavor, required fields, ADF on v3, strings on
// v2, transitions per status, the removed Cloud search endpoint, and Jira's error body.
import { JiraStandIn } from '../../../sandbox/jira';

const cloud = new JiraStandIn({ flavor: 'cloud', email: 'bot@acme.test', apiToken: 't' });
const dc = new JiraStandIn({ flavor: 'datacenter', personalAccessToken: 'pat' });
const basic = `Basic ${Buffer.from('bot@acme.test:t').toString('base64')}`;

beforeAll(async () => {
  await Promise.all([cloud.listen(), dc.listen()]);
});
afterAll(async () => {
  await Promise.all([cloud.close(), dc.close()]);
});
beforeEach(() => {
  cloud.reset();
  dc.reset();
});

async function call(
  standIn: JiraStandIn,
  method: string,
  path: string,
  body?: unknown,
  authorization = standIn === cloud ? basic : 'Bearer pat',
) {
  const response = await fetch(`${standIn.url}${path}`, {
    method,
    headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});
const fields = (extra: Record<string, unknown> = {}) => ({
  project: { key: 'OPS' },
  summary: 'checkout down',
  issuetype: { name: 'Task' },
  ...extra,
});

test('v3 refuses a plain-string description with Jira’s error body', async () => {
  const response = await call(cloud, 'POST', '/rest/api/3/issue', {
    fields: fields({ description: 'text' }),
  });
  expect(response).toEqual({
    status: 400,
    body: { errorMessages: [], errors: { description: 'Operation value must be an Atlassian Document' } },
  });
  expect(cloud.issues()).toHaveLength(0);
});

test('v3 refuses an ADF document with an empty text node', async () => {
  const response = await call(cloud, 'POST', '/rest/api/3/issue', {
    fields: fields({ description: adf('') }),
  });
  expect(response.status).toBe(400);
  expect(response.body.errors.description).toBeDefined();
});

test('a create without summary and issue type names both fields', async () => {
  const response = await call(cloud, 'POST', '/rest/api/3/issue', { fields: { project: { key: 'OPS' } } });
  expect(response.status).toBe(400);
  expect(Object.keys(response.body.errors).sort()).toEqual(['issuetype', 'summary']);
});

test('a valid v3 create answers 201 with a numeric-string id and a PROJECT-n key', async () => {
  const response = await call(cloud, 'POST', '/rest/api/3/issue', {
    fields: fields({ description: adf('hi') }),
  });
  expect(response.status).toBe(201);
  expect(response.body).toMatchObject({ id: expect.stringMatching(/^\d+$/), key: 'OPS-1' });
});

test('Data Center takes a string description on v2 and refuses Basic auth', async () => {
  const created = await call(dc, 'POST', '/rest/api/2/issue', { fields: fields({ description: 'plain' }) });
  expect(created.status).toBe(201);
  const refused = await call(dc, 'POST', '/rest/api/2/issue', { fields: fields() }, basic);
  expect(refused.status).toBe(401);
  expect(refused.body.errorMessages[0]).toContain('not authenticated');
});

test('Cloud answers 410 on the removed /rest/api/3/search', async () => {
  const response = await call(cloud, 'GET', '/rest/api/3/search?jql=project%20%3D%20OPS');
  expect(response.status).toBe(410);
});

test('JQL on an unknown field is a 400, as in Jira', async () => {
  const response = await call(
    cloud,
    'GET',
    `/rest/api/3/search/jql?jql=${encodeURIComponent('assignee = bob')}`,
  );
  expect(response.status).toBe(400);
  expect(response.body.errorMessages[0]).toContain("Field 'assignee' does not exist");
});

test('transitions depend on the status, and an unavailable one is refused', async () => {
  await call(cloud, 'POST', '/rest/api/3/issue', { fields: fields() });
  const offered = await call(cloud, 'GET', '/rest/api/3/issue/OPS-1/transitions');
  expect(offered.body.transitions.map((t: { name: string }) => t.name)).toEqual(['Start Progress', 'Done']);
  expect(
    (await call(cloud, 'POST', '/rest/api/3/issue/OPS-1/transitions', { transition: { id: '31' } })).status,
  ).toBe(204);
  const again = await call(cloud, 'POST', '/rest/api/3/issue/OPS-1/transitions', {
    transition: { id: '31' },
  });
  expect(again.status).toBe(400);
  expect(cloud.issue('OPS-1')?.status).toBe('Done');
});

test('Cloud’s /search/jql answers ids only unless fields are asked for', async () => {
  await call(cloud, 'POST', '/rest/api/3/issue', { fields: fields({ labels: ['firebreak-x'] }) });
  const jql = encodeURIComponent('project = OPS AND labels = "firebreak-x"');
  const bare = await call(cloud, 'GET', `/rest/api/3/search/jql?jql=${jql}`);
  expect(bare.body.issues).toEqual([{ id: expect.stringMatching(/^\d+$/) }]);
  const withFields = await call(cloud, 'GET', `/rest/api/3/search/jql?jql=${jql}&fields=status`);
  expect(withFields.body.issues[0]).toMatchObject({ key: 'OPS-1', fields: { status: { name: 'To Do' } } });
});

describe('attachments', () => {
  const upload = (standIn: JiraStandIn, path: string, headers: Record<string, string>, field = 'file') => {
    const form = new FormData();
    form.append(field, new Blob(['# report'], { type: 'text/markdown' }), 'inc-1-report.md');
    return fetch(`${standIn.url}${path}`, { method: 'POST', headers, body: form });
  };
  const openIssue = () => call(cloud, 'POST', '/rest/api/3/issue', { fields: fields() });

  test('an upload without X-Atlassian-Token: no-check is refused as Jira’s XSRF check does, and nothing is stored', async () => {
    await openIssue();
    const response = await upload(cloud, '/rest/api/3/issue/OPS-1/attachments', { authorization: basic });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ errorMessages: ['XSRF check failed'] });
    expect(cloud.issue('OPS-1')?.attachments).toEqual([]);
  });

  test('an upload answers 200 with the attachment, which the issue then lists under fields.attachment', async () => {
    await openIssue();
    const headers = { authorization: basic, 'x-atlassian-token': 'no-check' };
    const response = await upload(cloud, '/rest/api/3/issue/OPS-1/attachments', headers);
    expect(response.status).toBe(200);
    const [attachment] = (await response.json()) as Array<Record<string, unknown>>;
    expect(attachment).toMatchObject({ filename: 'inc-1-report.md', size: 8, mimeType: 'text/markdown' });
    expect(String(attachment?.content)).toMatch(/\/secure\/attachment\/\d+\/inc-1-report\.md$/);
    const issue = await call(cloud, 'GET', '/rest/api/3/issue/OPS-1?fields=attachment');
    expect(issue.body.fields.attachment).toEqual([attachment]);
    const download = await fetch(String(attachment?.content), { headers: { authorization: basic } });
    expect(download.headers.get('content-type')).toBe('text/markdown');
    expect(await download.text()).toBe('# report');
    expect((await fetch(String(attachment?.content))).status).toBe(401);
  });

  test('files in a part not named file are not attachments: 400, nothing stored', async () => {
    await openIssue();
    const headers = { authorization: basic, 'x-atlassian-token': 'no-check' };
    const response = await upload(cloud, '/rest/api/3/issue/OPS-1/attachments', headers, 'attachment');
    expect(response.status).toBe(400);
    expect(cloud.issue('OPS-1')?.attachments).toEqual([]);
  });

  test('an unknown issue is a 404 and wrong credentials a 401', async () => {
    const headers = { 'x-atlassian-token': 'no-check' };
    const unknown = await upload(dc, '/rest/api/2/issue/OPS-9/attachments', {
      ...headers,
      authorization: 'Bearer pat',
    });
    expect(unknown.status).toBe(404);
    const wrong = await upload(dc, '/rest/api/2/issue/OPS-9/attachments', {
      ...headers,
      authorization: 'Bearer nope',
    });
    expect(wrong.status).toBe(401);
  });
});
