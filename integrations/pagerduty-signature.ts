// Verifies PagerDuty v3 webhook signatures (contracts/pagerduty.md §3.5): `X-PagerDuty-Signature`
// holds one or more comma-separated `v1=<hex HMAC-SHA256 of the raw body>` entries, one per active
// secret while a secret is being rotated. Any entry matching any of our secrets is enough.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `missing`/`malformed` → 400, `mismatch` → 403 (so PagerDuty stops retrying a forgery), `valid`. */
export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'mismatch';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

export function verifyPagerDutySignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  secrets: string[],
): SignatureVerdict {
  if (header === undefined || header === '') return 'missing';
  const signatures = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('v1='))
    .map((entry) => entry.slice(3))
    .filter((hex) => SHA256_HEX.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (signatures.length === 0) return 'malformed';
  // Compare every pair in constant time, without stopping at the first match, so timing reveals nothing.
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  }
  return matched ? 'valid' : 'mismatch';
}
