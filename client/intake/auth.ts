// How a sender proves who it is: a bearer token, basic auth, or an HMAC-SHA256 of the raw body. Several
// credentials of each kind may be valid at once (rotation). Every comparison is constant-time, and every
// candidate is checked, so timing reveals neither whether nor which one matched.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials } from '../../config/intake-schema';

export function authenticate(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  credentials: Credentials,
): boolean {
  const authorization = headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
  const basic = /^Basic\s+(.+)$/i.exec(authorization)?.[1];
  let ok = false;
  if (bearer !== undefined) ok = matchesAny(bearer, credentials.bearerTokens) || ok;
  if (basic !== undefined) {
    const given = Buffer.from(basic, 'base64').toString('utf8');
    ok =
      matchesAny(
        given,
        credentials.basic.map((b) => `${b.user}:${b.password}`),
      ) || ok;
  }
  if (credentials.hmac) ok = hmacMatches(headers, rawBody, credentials.hmac) || ok;
  return ok;
}

/** A bearer token against a list of valid tokens (the API's own tokens use this too). */
export function bearerMatches(authorization: string | undefined, tokens: string[]): boolean {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
  return token !== undefined && matchesAny(token, tokens);
}

function matchesAny(given: string, valid: string[]): boolean {
  const digest = sha256(given);
  return valid.reduce((ok, candidate) => timingSafeEqual(digest, sha256(candidate)) || ok, false);
}

function hmacMatches(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  hmac: NonNullable<Credentials['hmac']>,
): boolean {
  const header = headers[hmac.header.toLowerCase()];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return false;
  const hex = value.startsWith(hmac.prefix) ? value.slice(hmac.prefix.length) : value;
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  const given = Buffer.from(hex, 'hex');
  return hmac.secrets.reduce(
    (ok, secret) => timingSafeEqual(given, createHmac('sha256', secret).update(rawBody).digest()) || ok,
    false,
  );
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
