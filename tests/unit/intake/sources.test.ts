// Grafana, Datadog and generic payloads normalized into Firebreak's one alert model.
import { fieldMappingSchema } from '../../../config/intake-schema';
import { normalizeDatadog } from '../../../client/intake/datadog';
import { normalizeGeneric } from '../../../client/intake/generic';
import { normalizeGrafana } from '../../../client/intake/grafana';
import { groupAlerts, IntakeError, type IntakeSettings } from '../../../client/intake/intake';
import { datadogPayload, grafanaPayload } from '../../support/payloads';

const settings: IntakeSettings = {
  services: new Set(['checkout', 'payments']),
  serviceLabel: 'service',
  severityLabel: 'severity',
  groupBy: ['service'],
};

describe('Grafana intake', () => {
  test('a Grafana alert keeps its panel as the dashboard link and its fingerprint + start as occurrence', () => {
    const [alert] = normalizeGrafana(grafanaPayload(), settings).alerts;
    expect(alert).toMatchObject({
      source: 'grafana',
      service: 'checkout',
      severity: 'warning',
      links: { dashboard: 'https://grafana.example.test/d/checkout?viewPanel=2' },
      occurrenceKey: 'c0ffee0000000001@2026-11-20T10:00:00.000Z',
    });
  });

  test('a resolved Grafana alert carries its end time', () => {
    expect(normalizeGrafana(grafanaPayload('resolved'), settings).alerts[0]?.endsAt).toBe(
      '2026-11-20T10:20:00.000Z',
    );
  });

  test('an Alertmanager payload sent to the Grafana route is refused naming the version', () => {
    expect(() => normalizeGrafana({ ...grafanaPayload(), version: '4' }, settings)).toThrow(/^version: /);
  });
});

describe('Datadog intake', () => {
  test('a triggered monitor becomes a firing alert for the service in its tags, severity from priority', () => {
    const [alert] = normalizeDatadog(datadogPayload(), settings).alerts;
    expect(alert).toMatchObject({
      source: 'datadog',
      service: 'checkout',
      severity: 'critical',
      status: 'firing',
      startsAt: '2025-11-20T10:00:00.000Z',
      summary: 'Checkout error rate',
      occurrenceKey: 'datadog:12345678@service:checkout',
    });
  });

  test('a recovery resolves the same occurrence', () => {
    const triggered = normalizeDatadog(datadogPayload(), settings).alerts[0];
    const recovered = normalizeDatadog(datadogPayload('Recovered', { date: '1763633700000' }), settings)
      .alerts[0];
    expect(recovered?.occurrenceKey).toBe(triggered?.occurrenceKey);
    expect(recovered).toMatchObject({ status: 'resolved', endsAt: '2025-11-20T10:15:00.000Z' });
  });

  test('$ALERT_CYCLE_KEY, when present, identifies the occurrence', () => {
    const [alert] = normalizeDatadog(
      datadogPayload('Triggered', { alert_cycle_key: 'cycle-42' }),
      settings,
    ).alerts;
    expect(alert?.occurrenceKey).toBe('datadog:cycle-42');
  });

  test('a payload without the monitor id is refused naming the field', () => {
    const { alert_id: _omitted, ...rest } = datadogPayload();
    expect(() => normalizeDatadog(rest, settings)).toThrow(/^alert_id: /);
  });
});

describe('generic intake', () => {
  const defaults = fieldMappingSchema.parse({});

  test("Firebreak's own schema needs no mapping", () => {
    const body = {
      id: 'disk-full@db-1',
      service: 'payments',
      severity: 'CRITICAL',
      status: 'firing',
      summary: 'disk 95% full on db-1',
      startsAt: 1763632800,
      links: { runbook: 'https://runbooks.test/disk' },
    };
    expect(normalizeGeneric(body, 'uptime', defaults, settings).alerts[0]).toMatchObject({
      source: 'generic',
      service: 'payments',
      severity: 'critical',
      status: 'firing',
      startsAt: '2025-11-20T10:00:00.000Z',
      links: { runbook: 'https://runbooks.test/disk' },
      occurrenceKey: 'uptime:disk-full@db-1',
    });
  });

  test("a tool's own webhook is mapped field by field from the config", () => {
    const mapping = fieldMappingSchema.parse({
      alerts: 'Records',
      id: 'Sns.MessageId',
      service: 'Sns.MessageAttributes.service',
      severity: 'Sns.MessageAttributes.severity',
      summary: 'Sns.Subject',
      status: 'Sns.MessageAttributes.state',
      resolvedValues: ['OK'],
      startsAt: 'Sns.Timestamp',
    });
    const body = {
      Records: [
        {
          Sns: {
            MessageId: 'm-1',
            Subject: 'ALARM: checkout-5xx',
            Timestamp: '2026-11-20T10:00:00.000Z',
            MessageAttributes: { service: 'checkout', severity: 'error', state: 'OK' },
          },
        },
      ],
    };
    expect(normalizeGeneric(body, 'cloudwatch', mapping, settings).alerts[0]).toMatchObject({
      service: 'checkout',
      severity: 'error',
      summary: 'ALARM: checkout-5xx',
      status: 'resolved',
      occurrenceKey: 'cloudwatch:m-1',
    });
  });

  test('an alert without an id is refused naming the mapped path', () => {
    expect(() => normalizeGeneric({ service: 'checkout', startsAt: 1 }, 'x', defaults, settings)).toThrow(
      /^id: is required/,
    );
  });
});

describe('grouping', () => {
  test('by default one group per service; grouping by a label splits a service into several incidents', () => {
    const alerts = normalizeGrafana(grafanaPayload(), settings).alerts;
    const second = {
      ...alerts[0]!,
      labels: { ...alerts[0]!.labels, alertname: 'Other' },
      occurrenceKey: 'x',
    };
    expect(groupAlerts([...alerts, second], ['service'])).toHaveLength(1);
    expect(groupAlerts([...alerts, second], ['service', 'alertname']).map((g) => g.group)).toEqual([
      'checkout/CheckoutLatency',
      'checkout/Other',
    ]);
  });

  test('grouping never mixes services, even when the group labels agree', () => {
    const alerts = normalizeGrafana(grafanaPayload(), settings).alerts;
    const other = { ...alerts[0]!, service: 'payments', occurrenceKey: 'y' };
    expect(groupAlerts([...alerts, other], ['alertname']).map((g) => g.service)).toEqual([
      'checkout',
      'payments',
    ]);
  });
});

test('an unknown service is a 422 from every source', () => {
  const unknown = datadogPayload('Triggered', { tags: 'service:billing' });
  expect(() => normalizeDatadog(unknown, settings)).toThrow(IntakeError);
});
