import type { Services } from '../context.js';
import { writeUnlessBusy } from '@medreg/db';
import { DEFAULT_SESSION_IDLE_MINUTES, isIdle, needsActivityWrite } from './idle-sessions.js';

/**
 * Keeps a session alive or ends it for inactivity: a session idle for longer than the configured minutes is
 * deleted (false), an active one has its last activity written at most once a minute (true). Sessions are
 * better-auth's, which keeps their 12 h absolute lifetime; the idle limit is ours. Real time, as better-auth's.
 */
export async function keepSessionAlive(
  services: Services,
  session: { id: string; last_active_at: string | Date | null; created_at: string | Date },
  now = new Date(),
): Promise<boolean> {
  if (isIdle(session, now, services.sessionIdleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES)) {
    await services.db.deleteFrom('sessions').where('id', '=', session.id).execute();
    return false;
  }
  // Skipped while a long write (a CSV import) holds SQLite: the next request writes it instead of every request waiting.
  if (needsActivityWrite(session, now))
    await writeUnlessBusy(services.db, services.db.updateTable('sessions').set({ last_active_at: now.toISOString() }).where('id', '=', session.id));
  return true;
}

/** "Sign out everywhere": ends every session of the user, this one included. */
export async function endAllSessions(services: Services, userId: string): Promise<number> {
  const r = await services.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}
