import type { Cookies } from '@sveltejs/kit';
import { parseSetCookieHeader } from 'better-auth/cookies';

/** Copies the cookies better-auth set (session token, or their removal on sign-out) onto SvelteKit's response. */
export function forwardAuthCookies(headers: Headers, cookies: Cookies): void {
  for (const header of headers.getSetCookie()) {
    for (const [name, a] of parseSetCookieHeader(header)) {
      cookies.set(name, decodeURIComponent(a.value), {
        path: a.path ?? '/',
        httpOnly: a.httponly ?? true,
        sameSite: a.samesite ?? 'lax',
        secure: a.secure ?? false,
        maxAge: a['max-age'],
        expires: a.expires,
        // better-auth has already encoded the signed value.
        encode: (v) => v,
      });
    }
  }
}
