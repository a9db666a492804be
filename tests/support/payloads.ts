// Realistic webhook payloads of the alert sources, for tests.

export const grafanaPayload = (status: 'firing' | 'resolved' = 'firing', service = 'checkout') => ({
  receiver: 'firebreak',
  status,
  orgId: 1,
  state: status === 'firing' ? 'alerting' : 'ok',
  title: '[FIRING:1] CheckoutLatency',
  message: 'p99 above 2s',
  version: '1',
  groupKey: '{}:{alertname="CheckoutLatency"}',
  truncatedAlerts: 0,
  alerts: [
    {
      status,
      labels: { alertname: 'CheckoutLatency', service, severity: 'warning' },
      annotations: { summary: 'checkout p99 above 2s' },
      startsAt: '2026-11-20T10:00:00Z',
      endsAt: status === 'resolved' ? '2026-11-20T10:20:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'https://grafana.example.test/alerting/grafana/abc/view',
      fingerprint: 'c0ffee0000000001',
      silenceURL: 'https://grafana.example.test/alerting/silence/new',
      dashboardURL: 'https://grafana.example.test/d/checkout',
      panelURL: 'https://grafana.example.test/d/checkout?viewPanel=2',
      values: { B: 2.4 },
    },
  ],
});

export const datadogPayload = (
  transition = 'Triggered',
  extra: Record<string, string> = {},
  service = 'checkout',
) => ({
  id: '7391852740383839405',
  alert_id: '12345678',
  alert_transition: transition,
  date: '1763632800000',
  last_updated: '1763632800000',
  title: '[Triggered] Checkout error rate',
  alert_title: 'Checkout error rate',
  body: 'Error rate above 5% on checkout',
  alert_type: 'error',
  alert_priority: 'P1',
  alert_scope: `service:${service}`,
  alert_status: 'Alert',
  event_type: 'query_alert_monitor',
  tags: `env:prod,service:${service},team:payments`,
  org: { id: '11', name: 'Acme' },
  ...extra,
});
