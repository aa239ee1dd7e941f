import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Auth } from './auth.server.js';

/**
 * The value of a cookie signed the way better-auth signs its session cookie (better-call: `<value>.<base64
 * HMAC-SHA256 of value>`, URI-encoded), or null when it is missing, malformed or its signature is wrong.
 * better-auth's own `getSession` does the same through WebCrypto and its endpoint machinery, which cost more than
 * the rest of a typical request; every request needs it, so it is done here directly (auth-session.test.ts keeps
 * both in agreement).
 */
export function verifiedCookieValue(raw: string | null, secret: string): string | null {
  if (!raw) return null;
  const dot = raw.lastIndexOf('.');
  if (dot < 1) return null;
  const value = raw.slice(0, dot);
  const signature = Buffer.from(raw.slice(dot + 1), 'base64');
  const expected = createHmac('sha256', secret).update(value).digest();
  return signature.length === expected.length && timingSafeEqual(signature, expected) ? value : null;
}

/** A cookie's value from a Cookie header: the first of that name wins and is URI-decoded, as better-call reads it. */
export function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}

const settings = new WeakMap<Auth, Promise<{ name: string; secret: string }>>();

/** The session token a request's cookie carries, its signature checked; null without a valid one. */
export async function sessionToken(auth: Auth, headers: Headers): Promise<string | null> {
  let s = settings.get(auth);
  if (!s) {
    // better-auth's own cookie name (`medreg.session_token`, `__Secure-` prefixed over https) and secret.
    s = auth.$context.then((c) => ({ name: c.authCookies.sessionToken.name, secret: c.secret }));
    settings.set(auth, s);
  }
  const { name, secret } = await s;
  return verifiedCookieValue(cookieValue(headers.get('cookie'), name), secret);
}
