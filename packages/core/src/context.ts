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
  /** The session the request came with (absent for calendar feeds and jobs). */
  sessionId?: string;
  /** Signed in with a one-time initial password: must choose their own before anything else. */
  mustChangePassword?: boolean;
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
  const row = await services.db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'phone', 'blocked_at', 'must_change_password'])
    .where('id', '=', session.user.id)
    .executeTakeFirst();
  if (!row || row.blocked_at) return null;
  const deps = await services.db
    .selectFrom('user_departments')
    .select('department_id')
    .where('user_id', '=', row.id)
    .execute();
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    phone: row.phone,
    departmentIds: deps.map((d) => d.department_id),
    sessionId: session.session.id,
    mustChangePassword: row.must_change_password === 1,
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
