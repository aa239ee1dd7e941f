import { hashPassword } from 'better-auth/crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database, Role } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { logAccess } from './access-log.server.js';
import { passwordProblem } from './password-rules.js';
import { blockPerson } from './personal-data.server.js';
import { endAllSessions } from './idle-sessions.server.js';
import { storePassword } from './passwords.server.js';

export const ROLES = ['admin', 'manager', 'technician', 'nurse'] as const satisfies readonly Role[];
const LIST_LIMIT = 200;

const role = z.enum(ROLES, { error: 'errors.invalidChoice' });
const departmentIds = z.array(z.uuid({ error: 'accounts.users.unknownDepartment' })).max(500).default([]);

export const listInput = z.object({ q: z.string().trim().max(100).default('') }).default({ q: '' });
const name = z.string({ error: 'errors.required' }).trim().min(1, { error: 'errors.required' }).max(120);
const email = z.string({ error: 'errors.required' }).trim().toLowerCase().pipe(z.email({ error: 'errors.invalidEmail' }).max(320));
export const inviteInput = z.object({ name, email, role, departmentIds });
/** Name and e-mail address when given: people marry, and a typo at the invitation is corrected here (not by the person). */
export const updateInput = z.object({ id: z.uuid({ error: 'errors.notFound' }), name: name.optional(), email: email.optional(), role, departmentIds });
export const idInput = z.object({ id: z.uuid({ error: 'errors.notFound' }) });

/** Letters and digits that cannot be mistaken for one another when read out or copied from a screen. */
const READABLE = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A one-time initial password: 4 groups of 5 readable characters (about 115 bits), within the rules. */
export function initialPassword(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(20));
    // 256 is not a multiple of the alphabet's length: skip the bytes that would favour its first characters.
    if (bytes.some((b) => b >= 256 - (256 % READABLE.length))) continue;
    const chars = [...bytes].map((b) => READABLE[b % READABLE.length]!);
    const pw = [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
    if (!passwordProblem(pw)) return pw;
  }
}

async function checkDepartments(services: Services, ids: string[]) {
  if (!ids.length) return;
  const found = await services.db.selectFrom('departments').select('id').where('id', 'in', ids).execute();
  if (found.length !== new Set(ids).size) throw badInput('accounts.users.unknownDepartment', {}, 'departmentIds');
}

/** The user list for administrators: name or email contains the search; roles, wards, blocked and locked state. */
export async function listUsers(services: Services, admin: SessionUser, input: z.infer<typeof listInput>) {
  const { db } = services;
  const like = `%${input.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  let q = db.selectFrom('users');
  if (input.q)
    q = q.where((eb) =>
      eb.or([eb(sql`lower(name)`, 'like', sql`${like} escape '\\'`), eb(sql`lower(email)`, 'like', sql`${like} escape '\\'`)]),
    );
  const [rows, total] = await Promise.all([
    q
      .select(['id', 'name', 'email', 'role', 'blocked_at', 'locked_until', 'must_change_password'])
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .limit(LIST_LIMIT)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const deps = rows.length
    ? await db
        .selectFrom('user_departments as ud')
        .innerJoin('departments as d', 'd.id', 'ud.department_id')
        .select(['ud.user_id', 'd.name'])
        .where('ud.user_id', 'in', rows.map((r) => r.id))
        .orderBy('d.name')
        .execute()
    : [];
  // Names and email addresses of many people were shown.
  await logAccess(db, admin.id, 'users.list', input.q ? `search: ${input.q}` : 'all', services.now());
  const now = services.now().getTime();
  return {
    total: Number(total.n),
    limit: LIST_LIMIT,
    users: rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      departments: deps.filter((d) => d.user_id === r.id).map((d) => d.name),
      blockedAt: r.blocked_at,
      lockedUntil: r.locked_until && new Date(r.locked_until).getTime() > now ? r.locked_until : null,
      mustChangePassword: r.must_change_password === 1,
    })),
  };
}

/** One user for the edit page, with the department choices. */
export async function getUser(services: Services, admin: SessionUser, id: string) {
  const { db } = services;
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'phone', 'blocked_at', 'locked_until', 'must_change_password', 'created_at', 'pseudonymised_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!user) throw notFound();
  const deps = await db.selectFrom('user_departments').select('department_id').where('user_id', '=', id).execute();
  // "user:<id>": the row then belongs to the person (their access log, their export), like every access to one person.
  await logAccess(db, admin.id, 'users.get', `user:${id}`, services.now());
  return {
    ...user,
    mustChangePassword: user.must_change_password === 1,
    departmentIds: deps.map((d) => d.department_id),
    departments: await departmentChoices(services),
  };
}

/** Departments grouped by site, for the invite and edit forms. */
export async function departmentChoices(services: Services) {
  return services.db
    .selectFrom('departments as d')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .select(['d.id', 'd.name', 's.name as site'])
    .orderBy('s.name')
    .orderBy('d.name')
    .execute();
}

/**
 * Creates an account with a one-time initial password, returned once and stored only as a hash (also in the
 * history, so it cannot be chosen again). The person must replace it at the first sign-in.
 */
export async function inviteUser(services: Services, admin: SessionUser, input: z.infer<typeof inviteInput>) {
  const { db } = services;
  await checkDepartments(services, input.departmentIds);
  const taken = await db.selectFrom('users').select('id').where(sql`lower(email)`, '=', input.email).executeTakeFirst();
  if (taken) throw new AppError('CONFLICT', 'accounts.users.emailTaken', {}, 'email');
  const password = initialPassword();
  const hash = await hashPassword(password);
  const id = crypto.randomUUID();
  const now = services.now();
  const iso = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('users')
      .values({
        id,
        name: input.name,
        email: input.email,
        email_verified: services.dialect === 'postgres' ? true : 1,
        image: null,
        created_at: iso,
        updated_at: iso,
        role: input.role,
        phone: null,
        locale: null,
        blocked_at: null,
        must_change_password: 1,
      })
      .execute();
    await trx
      .insertInto('accounts')
      .values({ id: crypto.randomUUID(), user_id: id, account_id: id, provider_id: 'credential', access_token: null, refresh_token: null, id_token: null, access_token_expires_at: null, refresh_token_expires_at: null, scope: null, password: null, created_at: iso, updated_at: iso })
      .execute();
    await storePassword(trx, id, hash, now);
    for (const departmentId of new Set(input.departmentIds)) await trx.insertInto('user_departments').values({ user_id: id, department_id: departmentId }).execute();
  });
  await logAccess(db, admin.id, 'users.invite', `user:${id}`, now);
  return { id, initialPassword: password };
}

/** Name, e-mail address, role and departments. An administrator cannot take away their own administrator role. */
export async function updateUser(services: Services, admin: SessionUser, input: z.infer<typeof updateInput>) {
  const { db } = services;
  if (input.id === admin.id && input.role !== 'admin') throw badInput('accounts.users.notSelf', {}, 'role');
  await checkDepartments(services, input.departmentIds);
  await db.transaction().execute(async (trx) => {
    await changeable(trx, input.id);
    if (input.email) {
      const taken = await trx.selectFrom('users').select('id').where(sql`lower(email)`, '=', input.email).where('id', '!=', input.id).executeTakeFirst();
      if (taken) throw new AppError('CONFLICT', 'accounts.users.emailTaken', {}, 'email');
    }
    await trx
      .updateTable('users')
      .set({ ...(input.name ? { name: input.name } : {}), ...(input.email ? { email: input.email } : {}), role: input.role, updated_at: services.now().toISOString() })
      .where('id', '=', input.id)
      .execute();
    await trx.deleteFrom('user_departments').where('user_id', '=', input.id).execute();
    for (const departmentId of new Set(input.departmentIds)) await trx.insertInto('user_departments').values({ user_id: input.id, department_id: departmentId }).execute();
    await logAccess(trx, admin.id, 'users.update', `user:${input.id}`, services.now());
  });
}

/**
 * A forgotten password: a new one-time initial password, returned once, which the person must replace at the next
 * sign-in (as after an invitation). Every session of the account ends, and a lockout from wrong passwords with it.
 * One's own password is changed with the current one instead.
 */
export async function resetPassword(services: Services, admin: SessionUser, id: string) {
  if (id === admin.id) throw badInput('accounts.users.resetSelf');
  const password = initialPassword();
  const hash = await hashPassword(password);
  const now = services.now();
  await services.db.transaction().execute(async (trx) => {
    await changeable(trx, id);
    await trx.updateTable('users').set({ must_change_password: 1, locked_until: null, updated_at: now.toISOString() }).where('id', '=', id).execute();
    await trx.deleteFrom('sign_in_failures').where('user_id', '=', id).execute();
    await storePassword(trx, id, hash, now);
    await logAccess(trx, admin.id, 'users.reset_password', `user:${id}`, now);
  });
  await endAllSessions(services, id);
  return { initialPassword: password };
}

/** Blocks an account (a departed person): no sign-in, every session ends at once. Never deleted. */
export async function blockUser(services: Services, admin: SessionUser, id: string) {
  if (id === admin.id) throw badInput('accounts.users.notSelf');
  await services.db.transaction().execute(async (trx) => {
    if (!(await trx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst())) throw notFound();
    await blockPerson(trx, id, services.now());
    await logAccess(trx, admin.id, 'users.block', `user:${id}`, services.now());
  });
}

/** Unblocks an account; a lockout from wrong passwords ends with it. */
export async function unblockUser(services: Services, admin: SessionUser, id: string) {
  await services.db.transaction().execute(async (trx) => {
    await changeable(trx, id);
    await trx.updateTable('users').set({ blocked_at: null, locked_until: null }).where('id', '=', id).execute();
    await logAccess(trx, admin.id, 'users.unblock', `user:${id}`, services.now());
  });
}

/**
 * An account an administrator may change: it exists and was not pseudonymised. A pseudonymised account stays blocked
 * and keeps its role: it only carries the legal records' references, and unblocking it would revive a person who
 * was erased.
 */
async function changeable(db: Kysely<Database>, id: string) {
  const user = await db.selectFrom('users').select('pseudonymised_at').where('id', '=', id).executeTakeFirst();
  if (!user) throw notFound();
  if (user.pseudonymised_at) throw new AppError('CONFLICT', 'accounts.users.pseudonymised');
}
