import type { Kysely } from 'kysely';
import { type Database, type Dialect, prepared, type Role } from '@medreg/db';
import { resolveLocale, translator, type Locale, type Translate } from '@medreg/i18n';
import type { FileStore } from './files/store.server.js';
import type { ProgressBoard } from './progress.server.js';
import type { Auth } from './users/auth.server.js';
import { keepSessionAlive } from './users/idle-sessions.server.js';
import { cookieValue, sessionToken } from './users/session-cookie.server.js';

/** Long-lived services shared by every request. */
export interface Services {
  db: Kysely<Database>;
  dialect: Dialect;
  files: FileStore;
  /** Progress of long work (imports, logbook checks) that every process of the app can read. */
  progress: ProgressBoard;
  auth: Auth;
  /** Public address of the app, used in QR codes: `<baseUrl>/d/<code>`. */
  baseUrl: string;
  now: () => Date;
  /** Minutes without a request after which a session ends (SESSION_IDLE_MINUTES, default 30). */
  sessionIdleMinutes?: number;
}

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  phone: string | null;
  /** Departments a nurse may see devices of. */
  departmentIds: string[];
  /** The session the request came with (absent for calendar feeds and jobs). */
  sessionId?: string;
  /** Signed in with a one-time initial password: must choose their own before anything else. */
  mustChangePassword?: boolean;
}

export type Context = {
  services: Services;
  user: SessionUser | null;
  /** The request came with a session that has just ended for inactivity (the login page says so). */
  sessionExpired?: boolean;
  locale: Locale;
  t: Translate;
};

export const LOCALE_COOKIE = 'medreg_locale';

/** The signed-in user behind a request's session cookie, or null (also for blocked accounts). */
export async function sessionUser(services: Services, headers: Headers): Promise<SessionUser | null> {
  return (await sessionState(services, headers)).user;
}

/**
 * The signed-in user, and whether the request's session has just ended for inactivity. Every request pays for this:
 * the cookie's signature is checked in-process and the session, the person and their departments come in one query
 * (a row per department).
 */
export async function sessionState(services: Services, headers: Headers): Promise<{ user: SessionUser | null; expired: boolean }> {
  const token = await sessionToken(services.auth, headers);
  if (!token) return { user: null, expired: false };
  const rows = await sessionRows.all(services.db, { token });
  const row = rows[0];
  if (!row) return { user: null, expired: false };
  const now = new Date(); // real time, as better-auth's
  if (new Date(row.expires_at).getTime() < now.getTime()) {
    // Past its 12 h lifetime: gone, as better-auth's own check would have it.
    await services.db.deleteFrom('sessions').where('id', '=', row.session_id).execute();
    return { user: null, expired: false };
  }
  if (!(await keepSessionAlive(services, { id: row.session_id, last_active_at: row.last_active_at, created_at: row.created_at }, now)))
    return { user: null, expired: true };
  if (row.blocked_at) return { user: null, expired: false };
  const user: SessionUser = {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    phone: row.phone,
    departmentIds: rows.flatMap((r) => (r.department_id === null ? [] : [r.department_id])),
    sessionId: row.session_id,
    mustChangePassword: row.must_change_password === 1,
  };
  return { user, expired: false };
}

const sessionRows = prepared((db, p: { token: string }) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users', 'users.id', 's.user_id')
    .leftJoin('user_departments as ud', 'ud.user_id', 'users.id')
    .select(['s.id as session_id', 's.expires_at', 's.created_at', 's.last_active_at'])
    .select(['users.id', 'users.name', 'users.email', 'users.role', 'users.phone', 'users.blocked_at', 'users.must_change_password', 'ud.department_id'])
    .where('s.token', '=', p.token),
);

export function requestLocale(headers: Headers): Locale {
  return resolveLocale(cookieValue(headers.get('cookie'), LOCALE_COOKIE), headers.get('accept-language'));
}

/** Builds the tRPC context for one request. */
export async function createContext(services: Services, headers: Headers): Promise<Context> {
  const locale = requestLocale(headers);
  const { user, expired } = await sessionState(services, headers);
  return { services, user, sessionExpired: expired, locale, t: translator(locale) };
}
