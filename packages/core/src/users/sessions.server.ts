import { sql } from 'kysely';
import type { Services, SessionUser } from '../context.js';
import { notFound } from '../trpc/errors.js';
import { describeUserAgent } from './sessions.js';

/**
 * The user's sessions that have not expired, most recently active first, each with its device in plain words and
 * whether a phone got it by QR code. "Last active" is the session's `last_active_at` (idle-sessions.server.ts writes
 * it at most once a minute), or its sign-in. Tokens never leave the server.
 */
export async function listSessions(services: Services, user: SessionUser) {
  const rows = await services.db
    .selectFrom('sessions as s')
    .leftJoin('phone_sign_ins as p', 'p.session_id', 's.id')
    .select(['s.id', 's.created_at', 's.last_active_at', 's.user_agent', 'p.id as phone_sign_in'])
    .where('s.user_id', '=', user.id)
    .where('s.expires_at', '>', services.now().toISOString())
    .orderBy(sql`coalesce(s.last_active_at, s.created_at)`, 'desc')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    signedInAt: r.created_at,
    lastSeenAt: r.last_active_at ?? r.created_at,
    byPhoneCode: r.phone_sign_in !== null,
    ...describeUserAgent(r.user_agent),
  }));
}

/** Signs one of the user's own sessions out: its row goes, so its cookie stops working at the next request. */
export async function revokeSession(services: Services, user: SessionUser, sessionId: string): Promise<void> {
  const result = await services.db.deleteFrom('sessions').where('id', '=', sessionId).where('user_id', '=', user.id).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw notFound('sessions.notFound');
}
