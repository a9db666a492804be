// Sender credentials: bearer, basic and body HMAC, with several valid at once during rotation.
import { createHmac } from 'node:crypto';
import { authenticate } from '../../../client/intake/auth';
import { credentialsSchema } from '../../../config/intake-schema';

const credentials = credentialsSchema.parse({
  bearerTokens: ['${OLD}', '${NEW}'],
  basic: [{ user: 'grafana', password: '${PW}' }],
  hmac: { secrets: ['${S1}', '${S2}'] },
});
// In a real config the loader resolves ${...}; here the references themselves are the values.
const body = Buffer.from('{"alerts":[]}');
const sign = (secret: string, raw: Buffer = body) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

describe('sender authentication', () => {
  test('either of two rotated bearer tokens is accepted', () => {
    expect(authenticate({ authorization: 'Bearer ${OLD}' }, body, credentials)).toBe(true);
    expect(authenticate({ authorization: 'Bearer ${NEW}' }, body, credentials)).toBe(true);
  });

  test('a wrong or missing token is refused', () => {
    expect(authenticate({ authorization: 'Bearer nope' }, body, credentials)).toBe(false);
    expect(authenticate({}, body, credentials)).toBe(false);
  });

  test('basic auth with the configured user and password is accepted, a wrong password is not', () => {
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect(authenticate({ authorization: basic('grafana', '${PW}') }, body, credentials)).toBe(true);
    expect(authenticate({ authorization: basic('grafana', 'guess') }, body, credentials)).toBe(false);
  });

  test('an HMAC of the raw body with any current secret is accepted', () => {
    expect(authenticate({ 'x-firebreak-signature': sign('${S2}') }, body, credentials)).toBe(true);
  });

  test('an HMAC of a different body, or with an old secret, is refused', () => {
    expect(
      authenticate({ 'x-firebreak-signature': sign('${S1}', Buffer.from('{}')) }, body, credentials),
    ).toBe(false);
    expect(authenticate({ 'x-firebreak-signature': sign('retired') }, body, credentials)).toBe(false);
  });

  test('a source without any credential does not pass config validation', () => {
    expect(credentialsSchema.safeParse({}).success).toBe(false);
  });
});
