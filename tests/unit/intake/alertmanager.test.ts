import { readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeAlertmanager } from '../../../client/intake/alertmanager';
import { groupAlerts, IntakeError, type IntakeSettings } from '../../../client/intake/intake';

const settings: IntakeSettings = {
  services: new Set(['checkout', 'payments']),
  serviceLabel: 'service',
  severityLabel: 'severity',
  groupBy: ['service'],
};
const example = JSON.parse(
  readFileSync(path.join(__dirname, '../../../examples/alertmanager-firing.json'), 'utf8'),
);
/** Alerts by group, as intake hands them to incidents. */
const parse = (body: unknown, s: IntakeSettings = settings) => {
  const delivery = normalizeAlertmanager(body, s);
  return new Map(
    groupAlerts(delivery.alerts, s.groupBy).map((g) => [
      g.group,
      { alerts: g.alerts, truncated: delivery.truncated },
    ]),
  );
};

function intakeError(run: () => unknown): IntakeError {
  try {
    run();
  } catch (error) {
    if (error instanceof IntakeError) return error;
    throw error;
  }
  throw new Error('expected an IntakeError');
}

describe('Alertmanager intake', () => {
  test('a firing alert becomes one normalized alert for its service', () => {
    const batches = parse(example);
    const alert = batches.get('checkout')?.alerts[0];
    expect(alert).toMatchObject({
      source: 'alertmanager',
      service: 'checkout',
      severity: 'critical',
      summary: 'checkout 5xx ratio above 10%',
      status: 'firing',
      endsAt: null,
      startsAt: '2026-11-20T10:00:03.520Z',
      links: { runbook: 'https://runbooks.example.test/checkout' },
    });
  });

  test('an occurrence is fingerprint plus startsAt, whatever the fractional digits', () => {
    const nine = structuredClone(example);
    nine.alerts[0].startsAt = '2026-11-20T10:00:03.520000000Z';
    expect(parse(nine).get('checkout')?.alerts[0]?.occurrenceKey).toBe(
      parse(example).get('checkout')?.alerts[0]?.occurrenceKey,
    );
    expect(parse(example).get('checkout')?.alerts[0]?.occurrenceKey).toBe(
      '0a1b2c3d4e5f6071@2026-11-20T10:00:03.520Z',
    );
  });

  test('alerts of two services in one notification go to two groups', () => {
    const mixed = structuredClone(example);
    mixed.alerts.push({
      ...mixed.alerts[0],
      labels: { ...mixed.alerts[0].labels, service: 'payments' },
      fingerprint: 'ffff000011112222',
    });
    expect([...parse(mixed).keys()].sort()).toEqual(['checkout', 'payments']);
  });

  test('an unknown service is refused with 422 when there is no default service', () => {
    const unknown = structuredClone(example);
    unknown.alerts[0].labels.service = 'billing';
    const error = intakeError(() => parse(unknown));
    expect(error.status).toBe(422);
    expect(error.message).toContain("unknown service 'billing'");
  });

  test('an unknown service goes to the default service when one is configured', () => {
    const unknown = structuredClone(example);
    unknown.alerts[0].labels.service = 'billing';
    expect([...parse(unknown, { ...settings, defaultService: 'payments' }).keys()]).toEqual(['payments']);
  });

  test('a payload of another version is refused naming the field', () => {
    const error = intakeError(() => parse({ ...example, version: '3' }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^version: /);
  });

  test('an alert without a fingerprint is refused naming its path', () => {
    const broken = structuredClone(example);
    delete broken.alerts[0].fingerprint;
    expect(intakeError(() => parse(broken)).message).toMatch(/^alerts\.0\.fingerprint/);
  });

  test('the truncated count is carried to the incident', () => {
    expect(parse({ ...example, truncatedAlerts: 7 }).get('checkout')?.truncated).toBe(7);
  });
});
