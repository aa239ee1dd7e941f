import { createHmac } from 'node:crypto';
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';
import type { Kysely } from 'kysely';
import { isLocked, lockAfterFailure, lockFromFailures, LOCKOUT_WINDOW_MINUTES, UNKNOWN_FAILURE_KEEP_MINUTES } from './lockout.js';

/**
 * The better-auth endpoints the application uses (as `ctx.path`, the endpoint's declared path): password sign-in
 * (login form, standalone API), sign-out, the session of a cookie (integrations), and the server-only phone
 * sign-in (phone-sign-in-auth.server.ts). Every other endpoint is closed, those a better-auth update adds too:
 * names, email addresses, passwords, accounts and sessions change through the application's own procedures
 * (`users.*`, `sessions.*`), with its rules, its access checks and its logbook; better-auth's `/update-user` would
 * let anyone rename themselves, `/change-password` would skip the password rules.
 */
const OPEN_PATHS = new Set(['/sign-in/email', '/sign-out', '/get-session', '/sign-in/phone-code']);

/** Error codes the sign-in answers with besides better-auth's own; the login page translates them. */
export const ACCOUNT_BLOCKED = 'ACCOUNT_BLOCKED';
export const ACCOUNT_LOCKED = 'ACCOUNT_LOCKED';

const locked = (until: Date) =>
  new APIError('LOCKED', { code: ACCOUNT_LOCKED, message: `Too many wrong passwords: locked until ${until.toISOString()}.`, lockedUntil: until.toISOString() });

/**
 * The `hooks` of the better-auth configuration; they run for HTTP requests and `auth.api` calls alike, so the
 * web app's login form and the standalone API's /api/auth/sign-in/email share them. `db` is better-auth's
 * connection (on PostgreSQL instants come back as Dates there). An address no account has is counted and locked
 * like an account, so that neither the answers nor the lock tell which addresses exist; its failures are kept
 * under a keyed hash of the address (`secret`), for half an hour.
 */
export function accountHooks(db: Kysely<any>, now: () => Date, secret: string) {
  const address = (email: unknown) => (typeof email === 'string' ? email.trim().toLowerCase() : null);
  const account = (email: string) =>
    db.selectFrom('users').select(['id', 'blocked_at', 'locked_until']).where('email', '=', email).executeTakeFirst() as Promise<
      { id: string; blocked_at: unknown; locked_until: string | Date | null } | undefined
    >;
  const addressKey = (email: string) => createHmac('sha256', secret).update(`unknown-sign-in:${email}`).digest('hex');
  const unknownLock = async (key: string, at: Date) => {
    const failures = (await db.selectFrom('unknown_sign_in_failures').select('at').where('address_key', '=', key).execute()) as { at: string | Date }[];
    return lockFromFailures(failures.map((f) => new Date(f.at)), at);
  };

  return {
    before: createAuthMiddleware(async (ctx) => {
      if (typeof ctx.path !== 'string' || !OPEN_PATHS.has(ctx.path))
        throw new APIError('FORBIDDEN', { code: 'USE_THE_APP', message: 'Accounts, names, passwords and sessions are changed in the application.' });
      if (ctx.path !== '/sign-in/email') return;
      const email = address(ctx.body?.email);
      if (!email) return;
      const user = await account(email);
      if (!user) {
        const until = await unknownLock(addressKey(email), now());
        if (until) throw locked(until);
        return;
      }
      // Refused before the password is checked: a locked account tells nothing about a guess.
      if (user.blocked_at) throw new APIError('FORBIDDEN', { code: ACCOUNT_BLOCKED, message: 'This account is blocked.' });
      if (isLocked(user.locked_until, now())) throw locked(new Date(user.locked_until!));
    }),
    after: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== '/sign-in/email') return;
      const returned = ctx.context.returned;
      const email = address(ctx.body?.email);
      if (!email) return;
      const user = await account(email);
      if (!user) {
        if (isAPIError(returned) && returned.body?.code === 'INVALID_EMAIL_OR_PASSWORD') await unknownFailure(addressKey(email));
        return;
      }
      if (!isAPIError(returned)) {
        // Signed in: the count starts again.
        await db.deleteFrom('sign_in_failures').where('user_id', '=', user.id).execute();
        return;
      }
      if (returned.body?.code !== 'INVALID_EMAIL_OR_PASSWORD') return;
      const at = now();
      const earlier = (await db.selectFrom('sign_in_failures').select('at').where('user_id', '=', user.id).execute()) as { at: string | Date }[];
      const until = lockAfterFailure(earlier.map((f) => new Date(f.at)), at);
      if (!until) {
        await db.deleteFrom('sign_in_failures').where('user_id', '=', user.id).where('at', '<=', new Date(at.getTime() - LOCKOUT_WINDOW_MINUTES * 60_000).toISOString()).execute();
        await db.insertInto('sign_in_failures').values({ id: crypto.randomUUID(), user_id: user.id, at: at.toISOString() }).execute();
        return;
      }
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ locked_until: until.toISOString() }).where('id', '=', user.id).execute();
        await trx.deleteFrom('sign_in_failures').where('user_id', '=', user.id).execute();
      });
      // The attempt that locks already says so.
      throw locked(until);
    }),
  };

  /** A wrong password for an unknown address; the one that locks it says so, as for an account. */
  async function unknownFailure(key: string) {
    const at = now();
    await forgetUnknownFailures(db, at);
    await db.insertInto('unknown_sign_in_failures').values({ id: crypto.randomUUID(), address_key: key, at: at.toISOString() }).execute();
    const until = await unknownLock(key, at);
    if (until) throw locked(until);
  }
}

/** Deletes the failures of unknown addresses that no longer matter (at every such failure, and hourly). */
export async function forgetUnknownFailures(db: Kysely<any>, now: Date): Promise<number> {
  const before = new Date(now.getTime() - UNKNOWN_FAILURE_KEEP_MINUTES * 60_000).toISOString();
  const result = await db.deleteFrom('unknown_sign_in_failures').where('at', '<=', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
