import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Services, SessionUser } from '../context.js';
import { AppError } from '../trpc/errors.js';
import { judgePhoneCode, PHONE_CODE_SECONDS, type PhoneCodeRefusal } from './phone-sign-in.js';

/** SHA-256 (hex) of a token: the only form in which a token is stored. */
export const phoneTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

const refusalKeys = {
  unknown: 'sessions.tokenUnknown',
  used: 'sessions.tokenUsed',
  expired: 'sessions.tokenExpired',
  blocked: 'sessions.tokenBlocked',
} as const satisfies Record<PhoneCodeRefusal, string>;

const refuse = (why: PhoneCodeRefusal) => new AppError(why === 'blocked' ? 'FORBIDDEN' : 'BAD_REQUEST', refusalKeys[why]);

/**
 * A new code to sign the user's phone in: 32 random bytes, returned once (for the QR code) and stored as SHA-256,
 * valid for two minutes. The user's earlier codes that were not used stop working, so one code is live at a time.
 */
export async function createPhoneCode(services: Services, user: SessionUser) {
  const now = services.now();
  const account = await services.db.selectFrom('users').select('blocked_at').where('id', '=', user.id).executeTakeFirst();
  if (!account || account.blocked_at) throw refuse('blocked');
  const token = randomBytes(32).toString('base64url');
  const row = {
    id: randomUUID(),
    user_id: user.id,
    token_hash: phoneTokenHash(token),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + PHONE_CODE_SECONDS * 1000).toISOString(),
    used_at: null,
    session_id: null,
  };
  await services.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('phone_sign_ins').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    await trx.insertInto('phone_sign_ins').values(row).execute();
  });
  return { id: row.id, url: `${services.baseUrl}/login/qr/${token}`, expiresAt: row.expires_at };
}

/** The code's row if it can sign in now (it exists, is unused and unexpired, its user not blocked); refused otherwise. */
async function usableCode(services: Services, token: string) {
  // A token is 43 base64url characters; anything else cannot be one (and is not worth a query).
  if (!/^[\w-]{43}$/.test(token)) throw refuse('unknown');
  const row = await services.db
    .selectFrom('phone_sign_ins as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.id', 'p.user_id', 'p.expires_at', 'p.used_at', 'u.blocked_at', 'u.name'])
    .where('p.token_hash', '=', phoneTokenHash(token))
    .executeTakeFirst();
  const verdict = judgePhoneCode(row, services.now());
  if (verdict !== 'valid') throw refuse(verdict);
  return row!;
}

/**
 * Whom a code would sign in, without taking it: the phone asks before it signs in, so opening the address (a link
 * preview, a scanner app fetching it, a link someone else sent) signs nobody in and spends no code.
 */
export async function phoneCodeAccount(services: Services, token: string): Promise<{ name: string }> {
  return { name: (await usableCode(services, token)).name };
}

/**
 * Takes a code for a sign-in: it must exist, be unused and unexpired, and its user not blocked. It is marked used
 * by a conditional update, so of two phones racing with one code only one gets through. Returns whom to sign in.
 */
export async function redeemPhoneCode(services: Services, token: string): Promise<{ id: string; userId: string }> {
  const now = services.now();
  const row = await usableCode(services, token);
  const taken = await services.db
    .updateTable('phone_sign_ins')
    .set({ used_at: now.toISOString() })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) throw refuse('used');
  return { id: row.id, userId: row.user_id };
}

/**
 * Signs a phone in with a code from its QR: redeems the code, lets better-auth create the session and its cookie
 * (the phone's user agent and address recorded as on any sign-in), and notes the session on the code so that the
 * session list shows it as a phone. Returns the response headers carrying the session cookie.
 */
export async function signInWithPhoneCode(services: Services, token: string, requestHeaders: Headers): Promise<Headers> {
  const code = await redeemPhoneCode(services, token);
  const { headers, response } = await services.auth.api.signInWithRedeemedPhoneCode({
    body: { userId: code.userId },
    headers: requestHeaders,
    returnHeaders: true,
  });
  await services.db.updateTable('phone_sign_ins').set({ session_id: response.sessionId }).where('id', '=', code.id).execute();
  return headers;
}

/**
 * What became of a code the user showed (the computer polls it): still waiting, used by a phone, or expired. Used
 * once the phone's session is noted on the code, not when the code was taken: the computer then reloads its session
 * list, which must show the phone as a phone.
 */
export async function phoneCodeState(services: Services, user: SessionUser, id: string) {
  const row = await services.db
    .selectFrom('phone_sign_ins')
    .select(['expires_at', 'used_at', 'session_id'])
    .where('id', '=', id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (!row) return { state: 'expired' as const };
  if (row.used_at && row.session_id) return { state: 'used' as const };
  return row.expires_at > services.now().toISOString() ? { state: 'waiting' as const, expiresAt: row.expires_at } : { state: 'expired' as const };
}
