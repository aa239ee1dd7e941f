import { hashPassword, verifyPassword } from 'better-auth/crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { badInput } from '../trpc/errors.js';
import { newPassword, PASSWORD_HISTORY_DEPTH, PASSWORD_MAX_LENGTH, passwordProblem } from './password-rules.js';

/** The credential of an account: better-auth's scrypt hash in `accounts.password`. */
async function currentHash(db: Kysely<Database>, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('accounts')
    .select('password')
    .where('user_id', '=', userId)
    .where('provider_id', '=', 'credential')
    .executeTakeFirst();
  return row?.password ?? null;
}

/**
 * True when the password is one of the user's last PASSWORD_HISTORY_DEPTH passwords: the current hash (accounts
 * from before the history, like the demo ones, have only that) and the history, compared with the same scrypt
 * verification better-auth signs in with.
 */
export async function isRecentPassword(db: Kysely<Database>, userId: string, password: string): Promise<boolean> {
  const history = await db
    .selectFrom('password_history')
    .select('hash')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(PASSWORD_HISTORY_DEPTH)
    .execute();
  const current = await currentHash(db, userId);
  const hashes = [...new Set([current, ...history.map((h) => h.hash)].filter((h): h is string => !!h))].slice(0, PASSWORD_HISTORY_DEPTH);
  for (const hash of hashes) if (await verifyPassword({ hash, password })) return true;
  return false;
}

/** Writes a new password hash to the account and the history (keeping the last PASSWORD_HISTORY_DEPTH). */
export async function storePassword(trx: Transaction<Database>, userId: string, hash: string, at: Date): Promise<void> {
  const iso = at.toISOString();
  await trx.updateTable('accounts').set({ password: hash, updated_at: iso }).where('user_id', '=', userId).where('provider_id', '=', 'credential').execute();
  await trx.insertInto('password_history').values({ id: crypto.randomUUID(), user_id: userId, hash, created_at: iso }).execute();
  const old = await trx
    .selectFrom('password_history')
    .select('id')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .offset(PASSWORD_HISTORY_DEPTH)
    .limit(1000)
    .execute();
  if (old.length) await trx.deleteFrom('password_history').where('id', 'in', old.map((o) => o.id)).execute();
}

export const changePasswordInput = z
  .object({
    current: z.string({ error: 'errors.required' }).min(1, { error: 'errors.required' }).max(PASSWORD_MAX_LENGTH),
    next: newPassword,
    confirm: z.string({ error: 'errors.required' }),
  })
  .refine((v) => v.next === v.confirm, { path: ['confirm'], error: 'accounts.password.mismatch' });

/**
 * A user changes their own password: the current one must be right, the new one must keep the rules and
 * differ from the last three. Clears the forced change of an initial password and ends the user's other
 * sessions (whoever knew the old password is signed out); the session making the change stays.
 */
export async function changeOwnPassword(services: Services, user: SessionUser, input: z.infer<typeof changePasswordInput>) {
  const { db } = services;
  const hash = await currentHash(db, user.id);
  if (!hash || !(await verifyPassword({ hash, password: input.current })))
    throw badInput('accounts.password.currentWrong', {}, 'current');
  const problem = passwordProblem(input.next, { email: user.email, name: user.name });
  if (problem) throw badInput(`accounts.password.${problem}`, {}, 'next');
  if (await isRecentPassword(db, user.id, input.next))
    throw badInput('accounts.password.reused', { count: PASSWORD_HISTORY_DEPTH }, 'next');
  const next = await hashPassword(input.next);
  await db.transaction().execute(async (trx) => {
    await storePassword(trx, user.id, next, services.now());
    await trx.updateTable('users').set({ must_change_password: 0, updated_at: services.now().toISOString() }).where('id', '=', user.id).execute();
    let others = trx.deleteFrom('sessions').where('user_id', '=', user.id);
    if (user.sessionId) others = others.where('id', '!=', user.sessionId);
    await others.execute();
  });
}
