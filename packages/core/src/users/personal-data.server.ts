import { randomInt } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { escapeLike } from '../devices/queries.server.js';
import { AppError, badInput, forbidden, notFound } from '../trpc/errors.js';
import { logAccess } from './access-log.server.js';
import { confirms, pseudonymCode, pseudonymEmail, pseudonymName } from './personal-data.js';

/**
 * Where a person appears, by reference: every column that holds a user id, read by that column. `key` orders a
 * person's rows for keyset paging (unique among them); `omit` are secrets that never leave (hashes, tokens).
 * The test compares this list with the foreign keys of the schema, so a new table that references a person
 * fails it until it is added here.
 */
export const PERSONAL_DATA_SOURCES = [
  { table: 'user_departments', column: 'user_id', key: ['department_id'] },
  { table: 'sessions', column: 'user_id', key: ['id'], omit: ['token'] },
  { table: 'accounts', column: 'user_id', key: ['id'], omit: ['password', 'access_token', 'refresh_token', 'id_token'] },
  { table: 'phone_sign_ins', column: 'user_id', key: ['id'], omit: ['token_hash'] },
  { table: 'password_history', column: 'user_id', key: ['id'], omit: ['hash'] },
  { table: 'sign_in_failures', column: 'user_id', key: ['id'] },
  { table: 'favourites', column: 'user_id', key: ['device_id'] },
  { table: 'calendar_tokens', column: 'user_id', key: ['id'], omit: ['token_hash'] },
  { table: 'digest_log', column: 'user_id', key: ['week'] },
  { table: 'staged_uploads', column: 'user_id', key: ['id'] },
  // The file itself is a list of devices, not about the person: the export says that it waits, not what it holds.
  { table: 'import_uploads', column: 'user_id', key: ['id'], omit: ['content'] },
  { table: 'logbook_entries', column: 'recorded_by', key: ['recorded_at', 'id'] },
  { table: 'attachments', column: 'uploaded_by', key: ['id'] },
  { table: 'attachments', column: 'withdrawn_by', key: ['id'] },
  { table: 'defect_reports', column: 'reported_by', key: ['id'] },
  { table: 'defect_reports', column: 'handled_by', key: ['id'] },
  { table: 'locks', column: 'locked_by', key: ['id'] },
  { table: 'locks', column: 'released_by', key: ['id'] },
  { table: 'instructions', column: 'instructor_user_id', key: ['id'] },
  { table: 'instructions', column: 'recorded_by', key: ['id'] },
  { table: 'instruction_trainees', column: 'user_id', key: ['instruction_id'] },
  { table: 'instruction_requests', column: 'user_id', key: ['id'] },
  { table: 'appointed_persons', column: 'user_id', key: ['id'] },
  { table: 'appointed_persons', column: 'appointed_by', key: ['id'] },
  { table: 'device_inspection_overrides', column: 'set_by', key: ['device_id', 'inspection_type_id'] },
  { table: 'register_changes', column: 'changed_by', key: ['changed_at', 'id'] },
  { table: 'import_runs', column: 'started_by', key: ['id'] },
  { table: 'chain_checks', column: 'started_by', key: ['id'] },
  { table: 'access_log', column: 'user_id', key: ['at', 'id'] },
  { table: 'access_log', column: 'subject_user_id', key: ['at', 'id'] },
] as const satisfies readonly { table: keyof Database; column: string; key: readonly string[]; omit?: readonly string[] }[];

/** Rows per query of the export: a person with 100,000 logbook entries is read 1,000 at a time. */
export const EXPORT_PAGE = 1000;

export const personId = z.string({ error: 'errors.notFound' }).min(1, { error: 'errors.notFound' }).max(64, { error: 'errors.notFound' });

function requireAdmin(user: SessionUser | null): asserts user is SessionUser {
  if (!user || user.role !== 'admin') throw forbidden();
}

/**
 * Everything stored about one person as JSON (GDPR Art. 15 and 20), for admins: the account (no password hash, no
 * session token), departments, and every row that references the person, grouped by table and column. Read page
 * by page as the client takes it, so memory stays flat; the export is written to the access log before the first
 * byte. The pages are separate reads: rows written while the download runs may or may not be in it.
 */
export async function personalDataExport(services: Services, reader: SessionUser | null, id: string, opts: { pageSize?: number } = {}) {
  requireAdmin(reader);
  const db = services.db;
  const found = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!found) throw notFound('privacy.personNotFound');
  const person = found;
  const now = services.now();
  await logAccess(db, reader.id, 'personal_data_export', `user:${id}`, now);
  const pageSize = opts.pageSize ?? EXPORT_PAGE;
  const anyDb = db as unknown as Kysely<any>;

  async function* chunks(): AsyncGenerator<string> {
    const departments = await db
      .selectFrom('user_departments as ud')
      .innerJoin('departments as d', 'd.id', 'ud.department_id')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .select(['d.id', 'd.name', 's.name as site'])
      .where('ud.user_id', '=', id)
      .orderBy('s.name')
      .orderBy('d.name')
      .execute();
    const head = {
      format: 'medreg-personal-data/1',
      exportedAt: now.toISOString(),
      exportedBy: { id: reader!.id, name: reader!.name },
      person,
      role: person.role,
      departments,
    };
    // The head without its closing brace; the records follow table by table.
    yield `${JSON.stringify(head, null, 1).slice(0, -2)},\n "records": {`;
    let firstTable = true;
    // Object.groupBy needs Node 21; the sources of one table are next to each other in the list.
    const tables = new Map<string, (typeof PERSONAL_DATA_SOURCES)[number][]>();
    for (const s of PERSONAL_DATA_SOURCES) tables.set(s.table, [...(tables.get(s.table) ?? []), s]);
    for (const [table, sources] of tables) {
      yield `${firstTable ? '' : ','}\n  ${JSON.stringify(table)}: {`;
      firstTable = false;
      let firstColumn = true;
      for (const source of sources) {
        yield `${firstColumn ? '' : ','}\n   ${JSON.stringify(source.column)}: [`;
        firstColumn = false;
        const omit: readonly string[] = 'omit' in source ? source.omit : [];
        let after: unknown[] | null = null;
        let firstRow = true;
        for (;;) {
          let q = anyDb
            .selectFrom(source.table)
            .selectAll()
            .where(source.column, '=', id)
            .limit(pageSize);
          for (const k of source.key) q = q.orderBy(k);
          if (after) {
            const bound = after;
            q = q.where((eb) => (source.key.length === 1 ? eb(source.key[0]!, '>', bound[0]) : eb(eb.refTuple(source.key[0]!, source.key[1]!), '>', eb.tuple(bound[0], bound[1]))));
          }
          const rows: Record<string, unknown>[] = await q.execute();
          if (rows.length === 0) break;
          let text = '';
          for (const row of rows) {
            for (const column of omit) delete row[column];
            text += `${firstRow ? '' : ','}\n    ${JSON.stringify(row)}`;
            firstRow = false;
          }
          yield text;
          if (rows.length < pageSize) break;
          const last = rows[rows.length - 1]!;
          after = source.key.map((k) => last[k]);
        }
        yield firstRow ? ']' : '\n   ]';
      }
      yield '\n  }';
    }
    yield '\n }\n}\n';
  }
  const slug = person.pseudonymised_at ? person.name : person.email.split('@')[0]!;
  return { fileName: `personal-data-${slug.replace(/[^\w.-]+/g, '-')}-${now.toISOString().slice(0, 10)}.json`, chunks: chunks() };
}

/**
 * Blocks a person: no sign-in (the session check refuses blocked accounts) and every session ended now.
 * The account stays: the logbook and instruction records point at it.
 */
export async function blockPerson(trx: Kysely<Database> | Transaction<Database>, id: string, now: Date): Promise<void> {
  await trx.updateTable('users').set({ blocked_at: sql<string>`coalesce(blocked_at, ${now.toISOString()})`, updated_at: now.toISOString() }).where('id', '=', id).execute();
  await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
}

export const pseudonymiseInput = z.object({
  personId,
  confirmation: z.string({ error: 'privacy.confirmationRequired' }).max(320, { error: 'errors.tooLong' }),
});

/**
 * Blocks a departed person and replaces the personal fields of the account (name, e-mail, phone, picture,
 * language) by a pseudonym such as "Person 7F3K9Q"; irreversible, so the admin types the person's e-mail address.
 * Outside the legal records, what only served the person goes: sign-in credentials, sessions, calendar
 * addresses, favourites, the digest log, open instruction requests (withdrawn). The legal records stay as written:
 * logbook entries (their hash chains cover the content, MPBetreibV §13) reference the account by id and so show
 * the pseudonym, but names typed into an entry (the performer, the text) remain; instruction sessions keep the
 * instructor's name as recorded, their trainees show the pseudonym. One transaction, with an access log row.
 */
export async function pseudonymisePerson(services: Services, reader: SessionUser | null, input: z.output<typeof pseudonymiseInput>) {
  requireAdmin(reader);
  if (input.personId === reader.id) throw badInput('privacy.notYourself', {}, 'personId');
  const now = services.now();
  return services.db.transaction().execute(async (trx) => {
    const person = await trx.selectFrom('users').select(['id', 'email', 'pseudonymised_at']).where('id', '=', input.personId).executeTakeFirst();
    if (!person) throw notFound('privacy.personNotFound');
    if (person.pseudonymised_at) throw new AppError('CONFLICT', 'privacy.alreadyPseudonymised');
    if (!confirms(input.confirmation, person.email)) throw badInput('privacy.confirmationMismatch', {}, 'confirmation');

    let code = pseudonymCode(randomInt);
    // 32^6 codes: a clash is rare, but names must stay unique to tell two departed people apart.
    while (await trx.selectFrom('users').select('id').where((eb) => eb.or([eb('name', '=', pseudonymName(code)), eb('email', '=', pseudonymEmail(code))])).executeTakeFirst())
      code = pseudonymCode(randomInt);

    await blockPerson(trx, person.id, now);
    await trx
      .updateTable('users')
      .set({
        name: pseudonymName(code),
        email: pseudonymEmail(code),
        phone: null,
        image: null,
        locale: null,
        email_verified: services.dialect === 'postgres' ? false : 0,
        weekly_digest: 0,
        pseudonymised_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', person.id)
      .execute();
    await trx.deleteFrom('accounts').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('phone_sign_ins').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('password_history').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('sign_in_failures').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('verifications').where((eb) => eb.or([eb('identifier', '=', person.email), eb('value', '=', person.id)])).execute();
    await trx.deleteFrom('calendar_tokens').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('favourites').where('user_id', '=', person.id).execute();
    await trx.deleteFrom('digest_log').where('user_id', '=', person.id).execute();
    await trx
      .updateTable('instruction_requests')
      .set({ status: 'withdrawn', closed_at: now.toISOString() })
      .where('user_id', '=', person.id)
      .where('status', '=', 'open')
      .execute();
    await logAccess(trx, reader.id, 'personal_data_pseudonymise', `user:${person.id}`, now);
    return { id: person.id, name: pseudonymName(code) };
  });
}

/** People whose name or e-mail contains the text (at most 30), for the privacy page; the search is logged. */
export async function findPeople(services: Services, reader: SessionUser, q: string) {
  const db = services.db;
  let query = db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'blocked_at', 'pseudonymised_at'])
    .orderBy('name')
    .orderBy('id')
    .limit(30);
  if (q) {
    const pattern = `%${escapeLike(q.toLowerCase())}%`;
    query = query.where(sql<boolean>`(lower(name) like ${pattern} escape '\\' or lower(email) like ${pattern} escape '\\')`);
  }
  const people = await query.execute();
  // Names and e-mail addresses of many people were shown (as users.list logs them).
  await logAccess(db, reader.id, 'personal_data_search', q ? `search: ${q}` : 'all', services.now());
  return people;
}

/**
 * A person's account and how many legal records reference them (what pseudonymisation leaves in place); the view
 * is logged as an access to the person.
 */
export async function personOverview(services: Services, reader: SessionUser, id: string) {
  const db = services.db;
  const person = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'phone', 'role', 'created_at', 'blocked_at', 'pseudonymised_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!person) throw notFound('privacy.personNotFound');
  const count = (table: 'logbook_entries' | 'instruction_trainees' | 'instructions', column: string) =>
    (db as unknown as Kysely<any>)
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column, '=', id)
      .executeTakeFirstOrThrow()
      .then((r: { n: number | string }) => Number(r.n));
  const [logbookEntries, instructed, instructing, departments] = await Promise.all([
    count('logbook_entries', 'recorded_by'),
    count('instruction_trainees', 'user_id'),
    count('instructions', 'instructor_user_id'),
    db
      .selectFrom('user_departments as ud')
      .innerJoin('departments as d', 'd.id', 'ud.department_id')
      .select('d.name')
      .where('ud.user_id', '=', id)
      .orderBy('d.name')
      .execute(),
  ]);
  await logAccess(db, reader.id, 'personal_data_view', `user:${id}`, services.now());
  return { ...person, departments: departments.map((d) => d.name), records: { logbookEntries, instructed, instructing } };
}
