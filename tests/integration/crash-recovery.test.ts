// Nothing lost, nothing twice: a worker killed in the middle of an incident loses nothing, pages once
// and starts no second rollback or hotfix build when another worker takes over.
import { alertmanagerPayload, startHarness, type Harness } from '../support/harness';
import { killWorker, startWorkerProcess, until } from '../support/worker-processes';

describe('a worker killed mid-incident', () => {
  let h: Harness;

  beforeAll(async () => {
    // A long build, so the kill lands while Jenkins is still running it.
    h = await startHarness({ worker: false, rollbackBuildMs: 4000 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a worker killed during the rollback build leaves exactly one build, and the next worker finishes the incident', async () => {
    let worker = await startWorkerProcess(h);
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = intake.body.incidents[0].id;
    await h.waitForState(id, (s) => s.times.paged !== null, 'the page');

    await h.post(`/v1/incidents/${id}/actions`, { action: 'rollback', by: 'ada' });
    await until(() => h.sandbox.jenkins.builds(h.sandbox.rollbackJob).length === 1, 'the build to start');
    await killWorker(worker);

    worker = await startWorkerProcess(h);
    try {
      const state = await h.waitForState(
        id,
        (s) => s.status === 'mitigated',
        'the rollback after the crash',
        60_000,
      );
      expect(state.rollbacks).toHaveLength(1);
      expect(state.rollbacks[0]?.result).toBe('SUCCESS');
      expect(h.sandbox.jenkins.builds(h.sandbox.rollbackJob)).toHaveLength(1);
      expect(h.sandbox.jenkins.triggers.filter((t) => t.status === 201)).toHaveLength(1);
      expect(h.sandbox.pagerduty.incidents().filter((i) => i.dedupKey === id)).toHaveLength(1);
    } finally {
      await killWorker(worker);
    }
  });

  test('an alert that arrives while no worker runs is kept and reaches the incident when a worker returns', async () => {
    const open = await h.incidents.list({ status: 'open', service: h.service });
    const id = open[0]?.id as string;
    const late = await h.post(
      '/v1/alerts/alertmanager',
      alertmanagerPayload(h.service, { fingerprint: 'beefbeefbeefbeef', startsAt: new Date().toISOString() }),
    );
    expect(late.status).toBe(202);
    expect(late.body.incidents[0]).toMatchObject({ id, status: 'open', new: false });
    const worker = await startWorkerProcess(h);
    try {
      const state = await h.waitForState(
        id,
        (s) => s.alerts.items.some((a) => a.key.startsWith('beefbeefbeefbeef@')),
        'the late alert',
      );
      expect(state.alerts.total).toBe(2);
    } finally {
      await killWorker(worker);
    }
  });

  test('a worker killed between the hotfix trigger and its result leaves exactly one hotfix build', async () => {
    const open = await h.incidents.list({ status: 'open', service: h.service });
    const id = open[0]?.id as string;
    let worker = await startWorkerProcess(h);
    const sha = h.sandbox.github.branchHead(`acme/${h.service}`, 'main') as string;
    const response = await h.post(`/v1/incidents/${id}/actions`, { action: 'hotfix', sha, by: 'ada' });
    expect(response.status).toBe(200);
    await until(
      () => h.sandbox.jenkins.builds(h.sandbox.hotfixJob).length === 1,
      'the hotfix build to start',
    );
    await killWorker(worker);

    worker = await startWorkerProcess(h);
    try {
      const state = await h.waitForState(
        id,
        (s) => s.rollbacks.at(-1)?.result === 'SUCCESS',
        'the hotfix after the crash',
        60_000,
      );
      expect(state.rollbacks.filter((r) => r.kind === 'hotfix')).toHaveLength(1);
      expect(h.sandbox.jenkins.builds(h.sandbox.hotfixJob)).toHaveLength(1);
      const triggers = h.sandbox.jenkins.triggers.filter((t) => t.job === h.sandbox.hotfixJob);
      expect(triggers.filter((t) => t.status === 201)).toHaveLength(1);
    } finally {
      await killWorker(worker);
    }
  });
});

describe('a worker killed while paging', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
  });
  afterAll(async () => {
    await h?.stop();
  });

  test('a worker killed while its page is on the way to PagerDuty pages once: the next worker sends the same dedup key and PagerDuty folds it', async () => {
    // PagerDuty takes this page at once but its answer takes 3 s: the worker is killed once PagerDuty
    // has the event, before the answer, so the page's local activity never recorded its result and the
    // next worker runs it again.
    h.sandbox.pagerduty.addFault({ pathPrefix: '/v2/enqueue', status: 0, answerDelayMs: 3000, times: 1 });
    let worker = await startWorkerProcess(h);
    const intake = await h.post('/v1/alerts/alertmanager', alertmanagerPayload(h.service));
    const id: string = intake.body.incidents[0].id;
    const triggers = () =>
      h.sandbox.pagerduty.events.filter((e) => e.action === 'trigger' && e.dedupKey === id);
    await until(() => triggers().length === 1, 'PagerDuty to take the first page');
    await killWorker(worker);

    worker = await startWorkerProcess(h);
    try {
      const state = await h.waitForState(
        id,
        (s) => s.times.paged !== null,
        'the page after the crash',
        60_000,
      );
      expect(triggers().map((e) => e.outcome)).toEqual(['opened', 'deduplicated']);
      expect(h.sandbox.pagerduty.incidents().filter((i) => i.dedupKey === id)).toHaveLength(1);
      expect(state.timeline.filter((e) => e.kind === 'paged')).toHaveLength(1);
    } finally {
      await killWorker(worker);
    }
  });
});
