// X-PagerDuty-Signature as PagerDuty documents it (contracts/pagerduty.md §3.5), including rotation.
import { createHmac } from 'node:crypto';
import { verifyPagerDutySignature } from '../../../integrations/pagerduty-signature';

const body = Buffer.from('{"event":{"id":"01ABC","event_type":"incident.acknowledged"}}');
const sign = (secret: string, bytes: Buffer = body): string =>
  `v1=${createHmac('sha256', secret).update(bytes).digest('hex')}`;

describe('webhook signatures', () => {
  test('a body signed with the configured secret is valid', () => {
    expect(verifyPagerDutySignature(body, sign('current'), ['current'])).toBe('valid');
  });

  test('during rotation any one of several v1 entries may match any configured secret', () => {
    const header = `${sign('old-secret')},${sign('new-secret')}`;
    expect(verifyPagerDutySignature(body, header, ['new-secret'])).toBe('valid');
    expect(verifyPagerDutySignature(body, header, ['old-secret'])).toBe('valid');
    expect(verifyPagerDutySignature(body, sign('new-secret'), ['old-secret', 'new-secret'])).toBe('valid');
  });

  test('hex in upper case and spaces after commas are accepted', () => {
    const header = `v1=${'0'.repeat(64)}, ${sign('current').toUpperCase().replace('V1=', 'v1=')}`;
    expect(verifyPagerDutySignature(body, header, ['current'])).toBe('valid');
  });

  test('a missing header is told apart from one without any usable v1 entry', () => {
    expect(verifyPagerDutySignature(body, undefined, ['current'])).toBe('missing');
    expect(verifyPagerDutySignature(body, '', ['current'])).toBe('missing');
    expect(verifyPagerDutySignature(body, 'v0=abc,sha256=def', ['current'])).toBe('malformed');
    expect(verifyPagerDutySignature(body, 'v1=not-hex', ['current'])).toBe('malformed');
  });

  test('a forgery (another secret, or a changed body) matches nothing', () => {
    expect(verifyPagerDutySignature(body, sign('guessed'), ['current'])).toBe('mismatch');
    const tampered = Buffer.from(body.toString().replace('acknowledged', 'resolved'));
    expect(verifyPagerDutySignature(tampered, sign('current'), ['current'])).toBe('mismatch');
  });

  test('with no secret configured nothing is valid', () => {
    expect(verifyPagerDutySignature(body, sign(''), [])).toBe('mismatch');
  });
});
