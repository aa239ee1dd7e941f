import type { Kysely } from 'kysely';
import type { Database, Dialect, Role } from '@medreg/db';
import { resolveLocale, translator, type Locale, type Translate } from '@medreg/i18n';
import type { FileStore } from './files/store.server.js';
import type { Auth } from './users/auth.server.js';
import { keepSessionAlive } from './users/idle-sessions.server.js';

/** Long-lived services shared by every request. */
export interface Services {
  db: Kysely<Database>;
  dialect: Dialect;
  files: FileStore;
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

function cookie(headers: Headers, name: string): string | null {
  const raw = headers.get('cookie');
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** The signed-in user behind a request's session cookie, or null (also for blocked accounts). */
export async function sessionUser(services: Services, headers: Headers): Promise<SessionUser | null> {
  return (await sessionState(services, headers)).user;
}

/** The signed-in user, and whether the request's session has just ended for inactivity. */
export async function sessionState(services: Services, headers: Headers): Promise<{ user: SessionUser | null; expired: boolean }> {
  const session = await services.auth.api.getSession({ headers });
  if (!session) return { user: null, expired: false };
  if (!(await keepSessionAlive(services, session.session.id))) return { user: null, expired: true };
  return { user: await userOf(services, session.session.id, session.user.id), expired: false };
}

async function userOf(services: Services, sessionId: string, userId: string): Promise<SessionUser | null> {
  // One round trip for the person and their departments (a row per department): every request pays for it.
  const rows = await services.db
    .selectFrom('users')
    .leftJoin('user_departments as ud', 'ud.user_id', 'users.id')
    .select(['users.id', 'users.name', 'users.email', 'users.role', 'users.phone', 'users.blocked_at', 'users.must_change_password', 'ud.department_id'])
    .where('users.id', '=', userId)
    .execute();
  const row = rows[0];
  if (!row || row.blocked_at) return null;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    phone: row.phone,
    departmentIds: rows.flatMap((r) => (r.department_id === null ? [] : [r.department_id])),
    sessionId,
    mustChangePassword: row.must_change_password === 1,
  };
}

export function requestLocale(headers: Headers): Locale {
  return resolveLocale(cookie(headers, LOCALE_COOKIE), headers.get('accept-language'));
}

/** Builds the tRPC context for one request. */
export async function createContext(services: Services, headers: Headers): Promise<Context> {
  const locale = requestLocale(headers);
  const { user, expired } = await sessionState(services, headers);
  return { services, user, sessionExpired: expired, locale, t: translator(locale) };
}
