// How a sender proves who it is: a bearer token, basic auth, or an HMAC-SHA256 of the raw body. Several
// credentials of each kind may be valid at once (rotation). Every comparison is constant-time, and every
// candidate is checked, so timing reveals neither whether nor which one matched.
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
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
      matchesDigests(
        given,
        digestsOf(credentials.basic, (b) => `${b.user}:${b.password}`),
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
  return matchesDigests(
    given,
    digestsOf(valid, (token) => token),
  );
}

function matchesDigests(given: string, valid: Buffer[]): boolean {
  const digest = sha256(given);
  return valid.reduce((ok, candidate) => timingSafeEqual(digest, candidate) || ok, false);
}

/** Digests of the valid credentials, computed once per list: the config's lists live as long as the process. */
const digestCache = new WeakMap<readonly unknown[], Buffer[]>();

function digestsOf<T>(valid: readonly T[], secret: (credential: T) => string): Buffer[] {
  let digests = digestCache.get(valid);
  if (!digests) {
    digests = valid.map((credential) => sha256(secret(credential)));
    digestCache.set(valid, digests);
  }
  return digests;
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
  return hash('sha256', text, 'buffer');
}
