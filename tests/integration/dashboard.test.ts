// The dashboard in a real headless browser (Debian's Chromium driven by playwright-core): a responder
// signs in with the API token, opens an incident, acts on it and sees the timeline change. A
// screenshot is kept in tests/artifacts/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildReport, renderMarkdown } from '../../domain/report';
import { renderHtml } from '../../domain/report-html';
import { FileReportArchive } from '../../integrations/report-archive';
import { SANDBOX_API_TOKEN } from '../../sandbox';
import { knownIncident } from '../support/incident-fixtures';
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';

const CHROMIUM = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../artifacts');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the dashboard in a browser', () => {
  let h: Harness;
  let browser: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let id: string;
  const hostile = 'checkout <img src=x onerror="document.title=\'pwned\'"> 5xx';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: npm install (scripts/install-chromium.js) installs it`);
    h = await startHarness();
    // Two closed incidents of the last days, for the TTR chart.
    const archive = new FileReportArchive(path.join(h.dataDir, 'reports'));
    for (const [n, daysAgo] of [
      [1, 3],
      [2, 1],
    ] as const) {
      const detected = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
      const report = buildReport(
        knownIncident({ n, service: 'cart', detected, ttrMs: n * 600_000 }),
        detected,
      );
      await archive.save(report, renderMarkdown(report), renderHtml(report));
    }
    const opened = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { summary: hostile }),
    );
    id = opened.body.incidents[0].id;
    await h.waitForState(
      id,
      (s) => s.times.paged !== null && s.enrichment?.rollbackCandidate != null,
      'the page',
    );
    userDataDir = mkdtempSync(path.join(tmpdir(), 'firebreak-chromium-'));
    // A fresh profile per run; Playwright takes the profile folder as a parameter, not as --user-data-dir.
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  afterAll(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await h?.stop();
  });

  test('without the token the page asks for it and shows no incident', async () => {
    await page.goto(`${h.apiUrl}/`);
    await page.locator('#sign-in').waitFor();
    expect(await page.locator('.incidents').count()).toBe(0);
  });

  test('after signing in, the open incidents list shows the incident with severity, status and age', async () => {
    await page.fill('input[name=token]', SANDBOX_API_TOKEN);
    await page.fill('input[name=by]', 'ada@example.test');
    await page.click('#sign-in button[type=submit]');
    const row = page.locator(`[data-incident="${id}"]`);
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('critical');
    expect(text).toContain(h.service);
    expect(text).toMatch(/paged|acknowledged/);
    expect(text).toMatch(/\dm old/);
  });

  test('the list has a chart of mean TTR per day for each service with resolved incidents', async () => {
    await page.locator('.chart svg polyline').waitFor();
    expect(await page.locator('.chart svg polyline').count()).toBe(1);
    expect(await page.locator('.chart').innerText()).toContain('■ cart');
    const points = await page.locator('.chart svg polyline').getAttribute('points');
    expect(points?.split(' ')).toHaveLength(2);
  });

  test('the incident page shows the timeline, what changed and the rollback candidate, and alert text stays text', async () => {
    await page.click(`[data-incident="${id}"] a`);
    await page.locator('#timeline [data-kind="paged"]').waitFor();
    expect(await page.locator('#rollback-candidate').innerText()).toContain(
      h.sandbox.history.candidateSha.slice(0, 12),
    );
    expect(await page.locator('h1').innerText()).toContain('<img src=x');
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).toBe('Firebreak');
  });

  test('the incident page counts the incident’s alerts and lists them as text', async () => {
    expect(await page.locator('#alert-counts').innerText()).toBe('1 alert(s): 1 firing, 0 resolved');
    expect(await page.locator('#alerts li[data-status="firing"]').innerText()).toContain('<img src=x');
    expect(await page.locator('#alerts img').count()).toBe(0);
  });

  test('clicking Acknowledge goes through the API as the dashboard channel and the timeline shows it', async () => {
    await page.click('form[data-action="acknowledge"] button');
    await page.locator('#timeline [data-kind="acknowledged"]').waitFor();
    expect(await page.locator('[role=status]').innerText()).toContain('acknowledge: incident acknowledged');
    expect(await page.locator('#timeline [data-kind="acknowledged"]').innerText()).toContain(
      'ada@example.test (dashboard)',
    );
    const state = await h.incidents.get(id);
    expect(state?.timeline.find((e) => e.kind === 'acknowledged')?.actor).toMatchObject({
      by: 'ada@example.test',
      channel: 'dashboard',
    });
  });

  test('a refused action shows the API’s reason', async () => {
    await page.click('form[data-action="acknowledge"] button');
    await page.locator('.message.error').waitFor();
    expect(await page.locator('.message.error').innerText()).toContain('already acknowledged');
  });

  test('a forced rollback needs an explicit confirmation, then runs and the timeline shows it succeed', async () => {
    await page.check('form[data-action="rollback"] input[name=force]');
    await page.click('form[data-action="rollback"] button');
    await page.locator('#confirm-rollback').waitFor();
    expect(await page.locator('#confirm-rollback').innerText()).toBe('Confirm FORCED rollback');
    // Not ticked: nothing is sent.
    await page.click('#confirm-rollback');
    expect(h.sandbox.jenkins.triggers).toHaveLength(0);
    await page.check('input[name=understood]');
    await page.click('#confirm-rollback');
    await page.locator('#timeline [data-kind="mitigated"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').innerText()).toBe('mitigated');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-incident.png'), fullPage: true });
  });

  test('the report opens on the page in a sandboxed frame', async () => {
    await page.click('#show-report');
    const frame = page.frameLocator('iframe.report');
    await frame.locator('h1').waitFor();
    expect(await frame.locator('h1').innerText()).toBe(`Incident ${id} (draft)`);
    expect(await page.locator('iframe.report').getAttribute('sandbox')).toBe('');
  });

  test('resolving from the dashboard closes the incident; its page then shows the archived report', async () => {
    await page.fill('form[data-action="resolve"] input[name=resolution]', 'rolled back from the dashboard');
    await page.click('form[data-action="resolve"] button');
    await page.locator('#show-report', { hasText: 'Show the report' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').innerText()).toBe('closed');
    expect(await page.locator('form[data-action]').count()).toBe(0);
    expect(await page.locator('#rollback-candidate').innerText()).toContain(
      h.sandbox.history.candidateSha.slice(0, 12),
    );
    expect(await page.locator('#alert-counts').innerText()).toBe('1 alert(s): 1 firing, 0 resolved');
    await page.click('#show-report');
    const frame = page.frameLocator('iframe.report');
    await frame.locator('h1').waitFor();
    expect(await frame.locator('h1').innerText()).toBe(`Incident ${id}`);
    expect(await frame.locator('body').innerText()).toContain('rolled back from the dashboard');
  });
});
