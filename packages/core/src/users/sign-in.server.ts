import { formatInstant, type Locale, type Translate } from '@medreg/i18n';
import type { Services } from '../context.js';
import { ACCOUNT_BLOCKED, ACCOUNT_LOCKED } from './auth-hooks.server.js';
import { CLIENT_IP_HEADER } from './auth.server.js';

export type SignInResult = { ok: true; headers: Headers } | { ok: false; status: number; message: string };

/**
 * The login form's sign-in. It goes through the auth library's HTTP handler, not its in-process API, so that the
 * per-client rate limit counts it together with `/api/auth/sign-in/email`: a script cannot try passwords for many
 * accounts through the form where the API would refuse it.
 */
export async function signInWithPassword(
  services: Services,
  input: { email: string; password: string },
  client: { address: string | undefined; userAgent: string | null },
  t: Translate,
  locale: Locale,
): Promise<SignInResult> {
  const headers = new Headers({ 'content-type': 'application/json', origin: new URL(services.baseUrl).origin });
  if (client.address) headers.set(CLIENT_IP_HEADER, client.address);
  if (client.userAgent) headers.set('user-agent', client.userAgent);
  const response = await services.auth.handler(
    new Request(`${services.baseUrl}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify(input) }),
  );
  if (response.ok) return { ok: true, headers: response.headers };
  if (response.status === 429) {
    const seconds = Math.max(1, Number(response.headers.get('x-retry-after')) || 1);
    return { ok: false, status: 429, message: t('login.tooManyAttempts', { count: seconds }) };
  }
  const body = (await response.json().catch(() => null)) as { code?: string; lockedUntil?: string } | null;
  return { ok: false, ...signInRefusal(body, t, locale) };
}

/**
 * What the login page says for a refused sign-in. Unknown address and wrong password read the same, so the page
 * does not tell which accounts exist; blocked and locked accounts are said as such, the lock with its end.
 */
function signInRefusal(body: { code?: string; lockedUntil?: string } | null, t: Translate, locale: Locale): { status: number; message: string } {
  if (body?.code === ACCOUNT_BLOCKED) return { status: 403, message: t('login.blocked') };
  if (body?.code === ACCOUNT_LOCKED && body.lockedUntil)
    return { status: 423, message: t('accounts.lockout.locked', { until: formatInstant(locale, body.lockedUntil) }) };
  return { status: 401, message: t('login.failed') };
}
