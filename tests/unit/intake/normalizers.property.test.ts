// Thousands of generated and mutated payloads at every source's normalizer: each either becomes
// alerts or is refused with an IntakeError (a 4xx) — never any other exception.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeAlertmanager } from '../../../client/intake/alertmanager';
import { normalizeDatadog } from '../../../client/intake/datadog';
import { normalizeGeneric } from '../../../client/intake/generic';
import { normalizeGrafana } from '../../../client/intake/grafana';
import { IntakeError, type IntakeSettings } from '../../../client/intake/intake';
import { fieldMappingSchema } from '../../../config/intake-schema';
import { datadogPayload, grafanaPayload } from '../../support/payloads';

const settings: IntakeSettings = {
  services: new Set(['checkout']),
  serviceLabel: 'service',
  severityLabel: 'severity',
  groupBy: ['service'],
};
const alertmanager = JSON.parse(
  readFileSync(path.join(__dirname, '../../../examples/alertmanager-firing.json'), 'utf8'),
);
const generic = {
  id: 'a-1',
  service: 'checkout',
  status: 'firing',
  startsAt: '2026-11-20T10:00:00Z',
  summary: 'x',
};

const normalizers: Array<[string, (body: unknown) => unknown, unknown]> = [
  ['alertmanager', (b) => normalizeAlertmanager(b, settings), alertmanager],
  ['grafana', (b) => normalizeGrafana(b, settings), grafanaPayload()],
  ['datadog', (b) => normalizeDatadog(b, settings), datadogPayload()],
  ['generic', (b) => normalizeGeneric(b, 'tool', fieldMappingSchema.parse({}), settings), generic],
];

function onlyIntakeErrors(normalize: (body: unknown) => unknown, body: unknown): boolean {
  try {
    normalize(body);
    return true;
  } catch (error) {
    if (error instanceof IntakeError && error.status >= 400 && error.status < 500) return true;
    throw error;
  }
}

/** A valid payload with one value somewhere replaced by something else. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = collectPaths(valid);
  return fc
    .tuple(fc.constantFrom(...paths), fc.jsonValue())
    .map(([target, value]) => replaceAt(valid, target, value));
}

function collectPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => collectPaths(v, [...prefix, k]))];
}

function replaceAt(root: unknown, target: string[], value: unknown): unknown {
  if (target.length === 0) return value;
  const copy = structuredClone(root) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const step of target.slice(0, -1)) node = node[step] as Record<string, unknown>;
  node[target.at(-1) as string] = value;
  return copy;
}

describe.each(normalizers)('the %s normalizer', (_name, normalize, valid) => {
  test('accepts its realistic example', () => {
    expect(() => normalize(valid)).not.toThrow();
  });

  test('any JSON value is either alerts or a 4xx refusal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => onlyIntakeErrors(normalize, body)),
      { numRuns: 1000 },
    );
  });

  test('a valid payload with any one value replaced is either alerts or a 4xx refusal', () => {
    fc.assert(
      fc.property(mutated(valid), (body) => onlyIntakeErrors(normalize, body)),
      { numRuns: 2000 },
    );
  });
});
