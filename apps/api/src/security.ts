import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { requestLocale } from '@medreg/core';
import { translator } from '@medreg/i18n';

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;

/**
 * Whether a browser says this request comes from a page of another origin. Browsers send `Origin` with every
 * non-GET request and `Sec-Fetch-Site` with every request; either one naming the app's own origin is enough (as in
 * Hono's csrf). A request with neither comes from a program, not a browser page, and cannot ride on a victim's cookie.
 */
export function fromAnotherOrigin(headers: Headers, ownOrigin: string): boolean {
  const origin = headers.get('origin');
  const site = headers.get('sec-fetch-site');
  if (origin === null && site === null) return false;
  return origin !== ownOrigin && site !== 'same-origin';
}

/**
 * Refuses every state-changing request (tRPC mutations, /api/* writes, /api/auth/*) that a browser sent from a
 * page of another origin, with a translated 403, before anything runs. Hono's csrf covers the bodies a cross-site
 * form or `fetch` can send without a CORS preflight (form encodings, text/plain; there also a request naming no
 * origin at all); `fromAnotherOrigin` adds JSON and other bodies, so a session cookie used from another origin's
 * page is refused whatever it sends.
 */
export function sameOriginChanges(baseUrl: string): MiddlewareHandler {
  const ownOrigin = new URL(baseUrl).origin;
  const formLike = csrf({ origin: ownOrigin, secFetchSite: 'same-origin' });
  return async (c, next) => {
    if (SAFE_METHOD.test(c.req.method)) return next();
    const refuse = () => {
      const t = translator(requestLocale(c.req.raw.headers));
      const origin = c.req.header('origin') ?? c.req.header('sec-fetch-site') ?? t('sessions.unknownOrigin');
      return c.json({ error: t('sessions.crossOrigin', { origin, baseUrl: ownOrigin }) }, 403, { 'Cache-Control': 'no-store' });
    };
    if (fromAnotherOrigin(c.req.raw.headers, ownOrigin)) return refuse();
    try {
      // Only the check: the route runs after it, outside this try, so its own errors are not taken for a refusal.
      await formLike(c, async () => {});
    } catch (e) {
      if (e instanceof HTTPException && e.status === 403) return refuse();
      throw e;
    }
    return next();
  };
}

/**
 * Headers every response of both entry points carries (the web app adds its hashed CSP to pages). Framing is
 * refused everywhere (clickjacking; also PDFs and files), the camera is for our own pages only (the scan page) and
 * every other powerful feature is off, addresses do not leak to other hosts, and HSTS is sent only when the app is
 * reached over https (on a plain-http intranet it would lock browsers out). No includeSubDomains: a hospital's other
 * intranet hosts are not ours to decide for. Only features Chromium knows are named: an unknown one ("bluetooth")
 * logs a console warning on every page.
 */
export function securityHeaders(baseUrl: string): Record<string, string> {
  return {
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), display-capture=()',
    ...(new URL(baseUrl).protocol === 'https:' ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

/** The security headers, and `frame-ancestors 'none'`, on every API response (JSON, PDFs, files, refusals). */
export function apiSecurityHeaders(baseUrl: string): MiddlewareHandler {
  const headers = { ...securityHeaders(baseUrl), 'Content-Security-Policy': "frame-ancestors 'none'" };
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
