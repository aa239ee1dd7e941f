import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Dialect } from '@medreg/db';
import { testDialects } from '@medreg/db/testing';
import { startJobs } from '../jobs.server.js';
import { verifyAllChains } from '../logbook/verify.server.js';
import { DEMO_PASSWORD } from '../seed/catalog.js';
import { sessionUser } from '../context.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { logAccess, readAccessLog, accessLogFilters } from './access-log.server.js';
import { confirms, dayStart, pseudonymCode, retentionDays } from './personal-data.js';
import { PERSONAL_DATA_SOURCES, personalDataExport } from './personal-data.server.js';

describe('personal data rules', () => {
  it.each([
    { typed: 'technik@demo.medreg', email: 'technik@demo.medreg', ok: true },
    { typed: '  Technik@Demo.MedReg ', email: 'technik@demo.medreg', ok: true },
    { typed: 'technik@demo.medre', email: 'technik@demo.medreg', ok: false },
    { typed: 'Tom Techniker', email: 'technik@demo.medreg', ok: false },
    { typed: '', email: '', ok: false },
  ])('confirmation "$typed" for $email: $ok', ({ typed, email, ok }) => {
    expect(confirms(typed, email)).toBe(ok);
  });

  it('draws pseudonym codes from an alphabet without I, L, O, U', () => {
    expect(pseudonymCode(() => 0)).toBe('000000');
    expect(pseudonymCode(() => 31)).toBe('ZZZZZZ');
    const seq = [7, 15, 3, 19, 9, 23];
    expect(pseudonymCode(() => seq.shift()!)).toBe('7F3K9Q');
  });

  it.each([
    { raw: undefined, days: 90, warned: false },
    { raw: '', days: 90, warned: false },
    { raw: '30', days: 30, warned: false },
    { raw: ' 365 ', days: 365, warned: false },
    { raw: '0', days: 90, warned: true },
    { raw: '-5', days: 90, warned: true },
    { raw: '7.5', days: 90, warned: true },
    { raw: '90d', days: 90, warned: true },
    { raw: '3651', days: 90, warned: true },
  ])('ACCESS_LOG_RETENTION_DAYS=$raw gives $days days', ({ raw, days, warned }) => {
    const warnings: string[] = [];
    expect(retentionDays(raw, (m) => warnings.push(m))).toBe(days);
    expect(warnings.length > 0).toBe(warned);
  });

  it.each([
    { day: '2026-01-15', start: '2026-01-14T23:00:00.000Z' },
    { day: '2026-07-01', start: '2026-06-30T22:00:00.000Z' },
    // The days the clocks change: the day still begins at local midnight.
    { day: '2026-03-29', start: '2026-03-28T23:00:00.000Z' },
    { day: '2026-03-30', start: '2026-03-29T22:00:00.000Z' },
    { day: '2026-10-25', start: '2026-10-24T22:00:00.000Z' },
    { day: '2026-10-26', start: '2026-10-25T23:00:00.000Z' },
  ])('a day filter $day begins at $start (Europe/Berlin)', ({ day, start }) => {
    expect(dayStart(day).toISOString()).toBe(start);
  });
});

/** Every foreign key of the schema that points at users, as "table.column". */
async function userForeignKeys(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ tbl: string; col: string }>`select m.name as tbl, p."from" as col from sqlite_master m, pragma_foreign_key_list(m.name) p
          where m.type = 'table' and p."table" = 'users'`.execute(db)
      : await sql<{ tbl: string; col: string }>`select c.conrelid::regclass::text as tbl, a.attname as col from pg_constraint c
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
          where c.contype = 'f' and c.confrelid = 'users'::regclass`.execute(db);
  return rows.rows.map((r) => `${r.tbl}.${r.col}`).sort();
}

/** Every text column of every table of ours (SQLite: declared text; PostgreSQL: text and varchar). */
async function textColumns(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ tbl: string; col: string }>`select m.name as tbl, p.name as col from sqlite_master m, pragma_table_info(m.name) p
          where m.type = 'table' and m.name not like 'sqlite_%' and m.name not like 'kysely_%' and m.name not like 'file_texts_fts%'
          and lower(p.type) = 'text'`.execute(db)
      : await sql<{ tbl: string; col: string }>`select table_name as tbl, column_name as col from information_schema.columns
          where table_schema = current_schema() and table_name not like 'kysely_%' and data_type in ('text', 'character varying')`.execute(db);
  return rows.rows.map((r) => `${r.tbl}.${r.col}`);
}

/** Columns named like a person reference that are not one: free text (a person or a firm), kept as written. */
const NOT_A_USER_ID = ['logbook_entries.performed_by'];

/**
 * Legal records and the rows that mirror them (the same text as their logbook entry): a name typed into them
 * stays after pseudonymisation (MPBetreibV §13; instruction records §4/§11).
 */
const LEGAL_RECORDS = ['logbook_entries.performed_by', 'logbook_entries.text', 'logbook_entries.details', 'instructions.instructor_name', 'instructions.remark', 'defect_reports.text', 'defect_reports.resolution', 'locks.reason', 'locks.release_reason', 'attachments.original_name', 'file_texts.text'];

async function collect(chunks: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

describe.each(testDialects)('personal data on %s', (dialect) => {
  let app: TestApp;
  let db: Kysely<Database>;
  let tech: string;
  let admin: string;
  let techSessionCookie: string;
  beforeAll(async () => {
    app = await createTestApp(dialect);
    db = app.services.db;
    tech = await app.userId('technician');
    admin = await app.userId('admin');
    const now = new Date().toISOString();
    const device = await db.selectFrom('devices').select(['id', 'model_id', 'site_id']).limit(1).executeTakeFirstOrThrow();
    // The technician's traces outside the legal records, besides what the demo gives (logbook, instructions).
    const signIn = await app.services.auth.api.signInEmail({ body: { email: 'technik@demo.medreg', password: DEMO_PASSWORD }, returnHeaders: true });
    techSessionCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    await db.insertInto('favourites').values({ user_id: tech, device_id: device.id }).execute();
    await db.insertInto('calendar_tokens').values({ id: crypto.randomUUID(), user_id: tech, token_hash: 'f'.repeat(64), created_at: now, revoked_at: null, last_used_at: null }).execute();
    await db.insertInto('digest_log').values({ user_id: tech, week: '2026-W01', sent_at: now, items: 3 }).execute();
    await db.insertInto('instruction_requests').values({ id: crypto.randomUUID(), user_id: tech, model_id: device.model_id, site_id: device.site_id, device_id: device.id, requested_at: now, status: 'open', closed_at: null, instruction_id: null }).execute();
    await db.insertInto('verifications').values({ id: crypto.randomUUID(), identifier: 'technik@demo.medreg', value: 'x', expires_at: now, created_at: now, updated_at: now }).execute();
    await db.insertInto('register_changes').values({ id: crypto.randomUUID(), entity: 'device', entity_id: device.id, field: 'notes', old_value: null, new_value: 'checked', changed_by: tech, changed_at: now }).execute();
    // Read by a manager (subject), and reading someone else's record (reader).
    await (await app.as('manager')).instructions.personRecord({ userId: tech });
    await logAccess(db, tech, 'instruction_record', `user:${await app.userId('nurse')}`, new Date());
  }, 120_000);
  afterAll(() => app.close());

  it('exports every table and column that references a person: the list matches the schema', async () => {
    const fks = await userForeignKeys(db, dialect);
    expect(fks.length).toBeGreaterThan(20);
    expect(PERSONAL_DATA_SOURCES.map((s) => `${s.table}.${s.column}`).sort()).toEqual(fks);
    // A column that looks like a person reference but has no foreign key must be known not to be one.
    const unreferenced = (await textColumns(db, dialect)).filter((c) => /(_by|user_id)$/.test(c) && !fks.includes(c));
    expect(unreferenced.sort()).toEqual(NOT_A_USER_ID);
  });

  it('streams a person’s export page by page with every referencing row and no secrets', async () => {
    const { chunks, fileName } = await personalDataExport(app.services, (await sessionUserOf('admin'))!, tech, { pageSize: 7 });
    expect(fileName).toMatch(/^personal-data-technik-\d{4}-\d\d-\d\d\.json$/);
    const parts = await collect(chunks);
    const text = parts.join('');
    const data = JSON.parse(text) as { person: Record<string, unknown>; departments: unknown[]; role: string; records: Record<string, Record<string, Record<string, unknown>[]>> };
    expect(data.person).toMatchObject({ id: tech, name: 'Tom Techniker', email: 'technik@demo.medreg', phone: '+49 221 000-300' });
    expect(data.role).toBe('technician');
    // Every foreign key to users, read from the schema: its rows for this person, each once.
    for (const fk of await userForeignKeys(db, dialect)) {
      const [table, column] = fk.split('.') as [string, string];
      const { n } = await (db as unknown as Kysely<any>).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(column, '=', tech).executeTakeFirstOrThrow();
      expect(data.records[table]?.[column], fk).toHaveLength(Number(n));
    }
    const entries = data.records.logbook_entries!.recorded_by!;
    expect(entries.length).toBeGreaterThan(7 * 3);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    // Paged: no part carries more than one page of rows.
    expect(Math.max(...parts.map((p) => p.split('\n    {').length - 1))).toBeLessThanOrEqual(7);
    for (const table of ['sessions', 'accounts', 'favourites', 'calendar_tokens', 'digest_log', 'instruction_requests', 'register_changes', 'instructions', 'instruction_trainees'])
      expect(Object.values(data.records[table]!).flat().length, table).toBeGreaterThan(0);
    expect(data.records.access_log!.user_id!.map((r) => r.action)).toContain('instruction_record');
    expect(data.records.access_log!.subject_user_id!.map((r) => r.action)).toEqual(expect.arrayContaining(['instruction_record', 'personal_data_export']));
    // Secrets stay home.
    const session = await db.selectFrom('sessions').select('token').where('user_id', '=', tech).executeTakeFirstOrThrow();
    const account = await db.selectFrom('accounts').select('password').where('user_id', '=', tech).executeTakeFirstOrThrow();
    expect(text).not.toContain(session.token);
    expect(text).not.toContain(account.password!);
    expect(text).not.toContain('f'.repeat(64));
    expect(data.records.sessions!.user_id![0]).not.toHaveProperty('token');
  });

  it('lets only admins export, and names a missing person', async () => {
    const before = await accessLogCount();
    expect((await rejection(personalDataExport(app.services, (await sessionUserOf('manager'))!, tech))).code).toBe('FORBIDDEN');
    expect((await rejection(personalDataExport(app.services, null, tech))).code).toBe('FORBIDDEN');
    const missing = await rejection(personalDataExport(app.services, (await sessionUserOf('admin'))!, 'no-such-person'));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'This person does not exist.' });
    expect(await accessLogCount()).toBe(before);
  });

  it('reads the access log by reader, subject and day, 50 rows a page', async () => {
    const caller = await app.as('admin');
    const nurse = await app.userId('nurse');
    const base = Date.parse('2026-03-10T12:00:00.000Z');
    for (let i = 0; i < 60; i++) await logAccess(db, admin, 'instruction_record', `user:${nurse}`, new Date(base + i * 60_000));
    const first = await caller.privacy.accessLog({ subject: 'PFLEGE@demo', reader: 'anna', from: '2026-03-10', to: '2026-03-10' });
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]).toMatchObject({ reader_name: 'Anna Admin', subject_name: 'Paula Pflege', at: '2026-03-10T12:59:00.000Z' });
    const second = await caller.privacy.accessLog({ subject: 'PFLEGE@demo', reader: 'anna', from: '2026-03-10', to: '2026-03-10', after: first.next! });
    expect(second.rows).toHaveLength(10);
    expect(second.next).toBeNull();
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(60);
    // 12:00 UTC on the 10th is the 10th in Berlin; the 11th holds none of them.
    expect((await caller.privacy.accessLog({ subject: 'pflege', from: '2026-03-11' })).rows.filter((r) => r.reader_name === 'Anna Admin')).toHaveLength(0);
    expect((await caller.privacy.accessLog({ reader: 'nobody-like-this' })).rows).toHaveLength(0);
    expect(await rejection(caller.privacy.accessLog({ from: '2026-03-11', to: '2026-03-10' }), 'de')).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { to: 'Das Enddatum darf nicht vor dem Anfangsdatum liegen.' } });
    expect((await rejection((await app.as('manager')).privacy.accessLog({}))).code).toBe('FORBIDDEN');
    expect(accessLogFilters.safeParse({ after: 'no-cursor' }).success).toBe(false);
    expect((await readAccessLog(db, accessLogFilters.parse({ reader: '%' }))).rows).toHaveLength(0);
  });

  it('writes the privacy page’s search and the opened person to the access log', async () => {
    const caller = await app.as('admin');
    const nurse = await app.userId('nurse');
    const before = await accessLogCount();
    expect((await caller.privacy.people({ q: ' PFLEGE@demo ' })).map((p) => p.email)).toEqual(['pflege@demo.medreg']);
    expect((await caller.privacy.people({})).length).toBeGreaterThan(4);
    expect(await caller.privacy.person({ personId: nurse })).toMatchObject({ email: 'pflege@demo.medreg', departments: expect.arrayContaining([expect.any(String)]) });
    // Nothing shown, nothing logged: a missing person, other roles.
    expect((await rejection(caller.privacy.person({ personId: 'no-such-person' }))).code).toBe('NOT_FOUND');
    expect((await rejection((await app.as('manager')).privacy.people({ q: '' }))).code).toBe('FORBIDDEN');
    expect((await rejection((await app.as('manager')).privacy.person({ personId: nurse }))).code).toBe('FORBIDDEN');
    expect(await accessLogCount()).toBe(before + 3);
    const rows = await db
      .selectFrom('access_log')
      .select(['user_id', 'action', 'subject', 'subject_user_id'])
      .where('action', 'in', ['personal_data_search', 'personal_data_view'])
      .orderBy('action')
      .orderBy('subject')
      .execute();
    expect(rows).toEqual([
      { user_id: admin, action: 'personal_data_search', subject: 'all', subject_user_id: null },
      { user_id: admin, action: 'personal_data_search', subject: 'search: PFLEGE@demo', subject_user_id: null },
      { user_id: admin, action: 'personal_data_view', subject: `user:${nurse}`, subject_user_id: nurse },
    ]);
    // The view is in the person's own access log.
    expect((await caller.privacy.accessLog({ subject: 'pflege@demo.medreg', reader: 'admin@demo' })).rows.map((r) => r.action)).toContain('personal_data_view');
  });

  it('deletes access log rows past the retention in the hourly job', async () => {
    const now = new Date('2026-12-04T12:00:00.000Z');
    const services = { ...app.services, now: () => now };
    const day = 86_400_000;
    const ids = { old: crypto.randomUUID(), edge: crypto.randomUUID(), recent: crypto.randomUUID() };
    await db
      .insertInto('access_log')
      .values([
        { id: ids.old, user_id: admin, action: 'retention-test', subject: 'x', subject_user_id: null, at: new Date(now.getTime() - 91 * day).toISOString() },
        { id: ids.edge, user_id: admin, action: 'retention-test', subject: 'x', subject_user_id: null, at: new Date(now.getTime() - 31 * day).toISOString() },
        { id: ids.recent, user_id: admin, action: 'retention-test', subject: 'x', subject_user_id: null, at: new Date(now.getTime() - 29 * day).toISOString() },
      ])
      .execute();
    const left = async () => (await db.selectFrom('access_log').select('id').where('action', '=', 'retention-test').execute()).map((r) => r.id).sort();
    let jobs = startJobs(services, { intervalMs: 3_600_000 });
    await jobs.run();
    await jobs.stop();
    expect(await left()).toEqual([ids.edge, ids.recent].sort());
    jobs = startJobs(services, { intervalMs: 3_600_000, accessLogRetentionDays: 30 });
    await jobs.run();
    await jobs.stop();
    expect(await left()).toEqual([ids.recent]);
  });

  it('blocks and pseudonymises a departed person, leaving the legal records and their hash chains intact', async () => {
    const caller = await app.as('admin', 'de');
    const before = { trainees: await count('instruction_trainees', 'user_id'), entries: await count('logbook_entries', 'recorded_by'), log: await accessLogCount() };

    // Refused: wrong confirmation, oneself, other roles. Nothing changes.
    expect(await rejection(caller.privacy.pseudonymise({ personId: tech, confirmation: 'Tom Techniker' }), 'de')).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { confirmation: 'Das ist nicht die E-Mail-Adresse dieser Person; geben Sie sie zur Bestätigung genau ein.' },
    });
    expect((await rejection(caller.privacy.pseudonymise({ personId: admin, confirmation: 'admin@demo.medreg' }))).code).toBe('BAD_REQUEST');
    expect((await rejection((await app.as('manager')).privacy.pseudonymise({ personId: tech, confirmation: 'technik@demo.medreg' }))).code).toBe('FORBIDDEN');
    expect(await db.selectFrom('users').select(['name', 'blocked_at']).where('id', '=', tech).executeTakeFirstOrThrow()).toEqual({ name: 'Tom Techniker', blocked_at: null });
    expect(await accessLogCount()).toBe(before.log);

    const done = await caller.privacy.pseudonymise({ personId: tech, confirmation: ' TECHNIK@demo.medreg ' });
    expect(done.name).toMatch(/^Person [0-9A-HJKMNP-TV-Z]{6}$/);
    const user = await db.selectFrom('users').selectAll().where('id', '=', tech).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ name: done.name, phone: null, image: null, locale: null, weekly_digest: 0 });
    expect(user.email).toMatch(/@pseudonymised\.invalid$/);
    expect(user.blocked_at).not.toBeNull();
    expect(user.pseudonymised_at).not.toBeNull();

    // Blocked: the old session is gone and the old credentials sign in nobody.
    expect(await sessionUser(app.services, new Headers({ cookie: techSessionCookie }))).toBeNull();
    expect(await count('sessions', 'user_id')).toBe(0);
    expect(await count('accounts', 'user_id')).toBe(0);
    await expect(app.services.auth.api.signInEmail({ body: { email: 'technik@demo.medreg', password: DEMO_PASSWORD } })).rejects.toThrow();
    for (const table of ['calendar_tokens', 'favourites', 'digest_log'] as const) expect(await count(table, 'user_id'), table).toBe(0);
    expect(await db.selectFrom('instruction_requests').select('status').where('user_id', '=', tech).execute()).toEqual([{ status: 'withdrawn' }]);

    // The legal records stay, pointing at the account, which now shows the pseudonym.
    expect(await count('instruction_trainees', 'user_id')).toBe(before.trainees);
    expect(await count('logbook_entries', 'recorded_by')).toBe(before.entries);
    const record = await caller.instructions.personRecord({ userId: tech });
    expect(record.person.name).toBe(done.name);
    const check = await verifyAllChains(db, { startedBy: admin, now: () => new Date() });
    expect(check.entries).toBeGreaterThanOrEqual(before.entries);
    expect(check.broken).toBe(0);

    // The name, e-mail and phone appear nowhere but in the legal records (where the demo typed the name).
    const found = new Set<string>();
    for (const column of await textColumns(db, dialect)) {
      const [table, col] = column.split('.') as [string, string];
      for (const needle of ['tom techniker', 'technik@demo.medreg', '000-300']) {
        const hit = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where lower(${sql.ref(col)}) like ${`%${needle}%`}`.execute(db);
        if (Number(hit.rows[0]!.n) > 0) found.add(column);
      }
    }
    expect([...found].filter((c) => !LEGAL_RECORDS.includes(c))).toEqual([]);
    expect([...found].sort()).toEqual(['instructions.instructor_name', 'logbook_entries.performed_by']);

    const log = await db.selectFrom('access_log').select(['user_id', 'action']).where('subject_user_id', '=', tech).where('action', '=', 'personal_data_pseudonymise').execute();
    expect(log).toEqual([{ user_id: admin, action: 'personal_data_pseudonymise' }]);
    expect(await rejection(caller.privacy.pseudonymise({ personId: tech, confirmation: user.email }), 'de')).toMatchObject({ code: 'CONFLICT', message: 'Diese Person wurde bereits pseudonymisiert.' });
    expect((await caller.privacy.person({ personId: tech })).pseudonymised_at).not.toBeNull();
    // The account stays as it is: no unblocking, no new role or wards.
    const unblock = await rejection(caller.users.unblock({ id: tech }), 'de');
    expect(unblock).toMatchObject({ code: 'CONFLICT' });
    expect(unblock.message).toMatch(/pseudonymisiert und bleibt gesperrt/);
    expect((await rejection(caller.users.update({ id: tech, role: 'admin', departmentIds: [] }))).code).toBe('CONFLICT');
    expect(await db.selectFrom('users').select(['role', 'blocked_at']).where('id', '=', tech).executeTakeFirstOrThrow()).toEqual({ role: user.role, blocked_at: user.blocked_at });
  }, 60_000);

  async function sessionUserOf(role: 'admin' | 'manager') {
    const email = role === 'admin' ? 'admin@demo.medreg' : 'manager@demo.medreg';
    const s = await app.services.auth.api.signInEmail({ body: { email, password: DEMO_PASSWORD }, returnHeaders: true });
    return sessionUser(app.services, new Headers({ cookie: s.headers.get('set-cookie')!.split(';')[0]! }));
  }
  async function accessLogCount() {
    return Number((await db.selectFrom('access_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  }
  async function count(table: string, column: string) {
    return Number((await (db as unknown as Kysely<any>).selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(column, '=', tech).executeTakeFirstOrThrow()).n);
  }
});
