import { PagerDutyStandIn } from './sandbox/pagerduty';
import { PagerDutyClient } from './integrations/pagerduty';
(async () => {
  const pd = new PagerDutyStandIn({ eventsPerMinute: 5 });
  const url = await pd.listen();
  console.log(url);
  const c = new PagerDutyClient({
    eventsUrl: url,
    apiUrl: url,
    apiToken: 'sandbox-pagerduty-token',
    fromEmail: 'a@b.test',
    timeoutMs: 3000,
    caCert: pd.caCert,
  });
  const r = await c.trigger({
    routingKey: 'rk',
    dedupKey: 'd1',
    summary: 's',
    source: 'src',
    severity: 'critical',
    customDetails: { a: 1 },
    links: [{ href: 'https://x', text: 'X' }],
  });
  console.log(
    r,
    pd.incidents().length,
    pd.events.map((e) => e.outcome),
  );
  console.log(await c.whoIsOnCall('PSANDBOX'));
  const inc = await c.incidentByDedupKey('d1');
  console.log(inc);
  console.log(await c.addNote(inc!.id, 'hello'));
  await c.recordChange({ routingKey: 'rk', summary: 'rollback', customDetails: {}, links: [] });
  console.log(pd.changeEvents);
  console.log(pd.standIn.received.map((r) => r.path));
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) {
    try {
      await c.acknowledge('rk', 'd1');
    } catch (e) {
      console.log('ERR', (e as Error).message, Date.now() - t0);
    }
  }
  await pd.close();
})().catch((e) => {
  console.error('FAIL', e);
  process.exit(1);
});
