import type { Kysely } from 'kysely';
import type { Database, Dialect, Role } from '@medreg/db';
import { resolveLocale, translator, type Locale, type Translate } from '@medreg/i18n';
import type { FileStore } from './files/store.server.js';
import type { Auth } from './users/auth.server.js';

/** Long-lived services shared by every request. */
export interface Services {
  db: Kysely<Database>;
  dialect: Dialect;
  files: FileStore;
  auth: Auth;
  /** Public address of the app, used in QR codes: `<baseUrl>/d/<code>`. */
  baseUrl: string;
  now: () => Date;
}

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  phone: string | null;
  /** Departments a nurse may see devices of. */
  departmentIds: string[];
}

export type Context = {
  services: Services;
  user: SessionUser | null;
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
  const session = await services.auth.api.getSession({ headers });
  if (!session) return null;
  // One round trip for the person and their departments (a row per department): every request pays for it.
  const rows = await services.db
    .selectFrom('users')
    .leftJoin('user_departments as ud', 'ud.user_id', 'users.id')
    .select(['users.id', 'users.name', 'users.email', 'users.role', 'users.phone', 'users.blocked_at', 'ud.department_id'])
    .where('users.id', '=', session.user.id)
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
  };
}

export function requestLocale(headers: Headers): Locale {
  return resolveLocale(cookie(headers, LOCALE_COOKIE), headers.get('accept-language'));
}

/** Builds the tRPC context for one request. */
export async function createContext(services: Services, headers: Headers): Promise<Context> {
  const locale = requestLocale(headers);
  return { services, user: await sessionUser(services, headers), locale, t: translator(locale) };
}
