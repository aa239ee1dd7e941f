import { formatInstant, type Locale, type Translate } from '@medreg/i18n';
import { ACCOUNT_BLOCKED, ACCOUNT_LOCKED } from './auth-hooks.server.js';

/**
 * What the login page says for a refused sign-in. Unknown address and wrong password read the same, so the page
 * does not tell which accounts exist; blocked and locked accounts are said as such, the lock with its end.
 */
export function signInRefusal(error: unknown, t: Translate, locale: Locale): { status: number; message: string } {
  const body = (error as { body?: { code?: string; lockedUntil?: string } } | null)?.body;
  if (body?.code === ACCOUNT_BLOCKED) return { status: 403, message: t('login.blocked') };
  if (body?.code === ACCOUNT_LOCKED && body.lockedUntil)
    return { status: 423, message: t('accounts.lockout.locked', { until: formatInstant(locale, body.lockedUntil) }) };
  return { status: 401, message: t('login.failed') };
}
