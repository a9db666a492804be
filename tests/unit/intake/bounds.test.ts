// What one alert may carry into its incident: oversized values are cut and say so, extra labels and
// annotations are left out and counted, and an alert within the caps passes untouched.
import { ALERT_BOUNDS, LEFT_OUT_ANNOTATION, boundAlert } from '../../../client/intake/bounds';
import { groupAlerts } from '../../../client/intake/intake';
import type { Alert } from '../../../domain/alert';

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  source: 'generic',
  service: 'checkout',
  severity: 'critical',
  summary: 'checkout 5xx above 10%',
  labels: { alertname: 'HighErrorRate', service: 'checkout' },
  annotations: { description: 'the error ratio is above 10%' },
  links: { runbook: 'https://runbooks.example/checkout' },
  startsAt: '2026-11-20T10:00:00.000Z',
  endsAt: null,
  status: 'firing',
  occurrenceKey: 'abc@2026-11-20T10:00:00.000Z',
  ...overrides,
});

describe('an alert within the caps', () => {
  test('passes as it is', () => {
    const a = alert();
    expect(boundAlert(a)).toBe(a);
  });
});

describe('an oversized alert', () => {
  test('a megabyte-long annotation is cut to the cap and says how much was cut', () => {
    const bounded = boundAlert(alert({ annotations: { description: 'x'.repeat(1_000_000) } }));
    const description = bounded.annotations.description ?? '';
    expect(description.length).toBeLessThanOrEqual(ALERT_BOUNDS.annotationValue);
    expect(description).toMatch(/… \[\d+ more characters cut by Firebreak\]$/);
    const cutCount = Number(/\[(\d+) more/.exec(description)?.[1]);
    expect(description.indexOf('…') + cutCount).toBe(1_000_000);
  });

  test('a summary longer than PagerDuty takes is cut to 1,024 characters', () => {
    const bounded = boundAlert(alert({ summary: 's'.repeat(5000) }));
    expect(bounded.summary.length).toBeLessThanOrEqual(1024);
    expect(bounded.summary.startsWith('sss')).toBe(true);
  });

  test('labels beyond the first 100 are left out, and an annotation counts them', () => {
    const labels = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`l${i}`, `v${i}`]));
    const bounded = boundAlert(alert({ labels }));
    expect(Object.keys(bounded.labels)).toHaveLength(100);
    expect(bounded.labels.l0).toBe('v0');
    expect(bounded.labels.l120).toBeUndefined();
    expect(bounded.annotations[LEFT_OUT_ANNOTATION]).toBe(
      '50 label(s) beyond the first 100 left out by Firebreak',
    );
    expect(bounded.annotations.description).toBe('the error ratio is above 10%');
  });

  test('an over-long link is left out rather than cut into a broken URL', () => {
    const bounded = boundAlert(
      alert({
        links: { runbook: 'https://runbooks.example/ok', dashboard: `https://d.example/${'q'.repeat(5000)}` },
      }),
    );
    expect(bounded.links).toEqual({ runbook: 'https://runbooks.example/ok' });
  });

  test('a huge occurrence key becomes its hash: the same key stays the same alert, another stays another', () => {
    const key = 'k'.repeat(10_000);
    const once = boundAlert(alert({ occurrenceKey: key })).occurrenceKey;
    expect(once).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(boundAlert(alert({ occurrenceKey: key })).occurrenceKey).toBe(once);
    expect(boundAlert(alert({ occurrenceKey: `${key}2` })).occurrenceKey).not.toBe(once);
  });

  test('its group is chosen from its full labels, before they are cut', () => {
    const long = 'p'.repeat(2000);
    const [a, b] = groupAlerts(
      [
        alert({ labels: { service: 'checkout', pod: `${long}-a` } }),
        alert({ labels: { service: 'checkout', pod: `${long}-b` } }),
      ],
      ['service', 'pod'],
    );
    expect(a?.group).not.toBe(b?.group);
    expect(a?.alerts[0]?.labels.pod?.length).toBeLessThanOrEqual(ALERT_BOUNDS.labelValue);
  });
});
