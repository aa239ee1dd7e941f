import { type Expression, type ExpressionBuilder, type Kysely, PostgresAdapter, type SqlBool, sql } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { notFound } from '../trpc/errors.js';
import { visibleTo } from './access.js';
import { HIT_END, HIT_START, ftsMatchQuery, markedSnippet, snippetParts, textQueryWords, tsPrefixQuery, type SearchableModel } from './search.js';

/** A where-clause on `devices` (visibility and the list's filters). */
export type DeviceFilter = (eb: ExpressionBuilder<Database, 'devices'>) => Expression<SqlBool>;

/** At most this many file hits: the list shows them as a short "found in files" section. */
export const MAX_FILE_HITS = 10;

/** Every model with what it can be found by; a few thousand rows at most, read whole. */
export async function searchableModels(db: Kysely<Database>): Promise<(SearchableModel & { anlage1: number; anlage2: number })[]> {
  return db
    .selectFrom('device_models as m')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .select(['m.id', 'm.name', 'm.kind', 'm.type_designation', 'm.anlage1', 'm.anlage2', 'mf.name as manufacturer_name'])
    .execute();
}

/**
 * Pages of the devices' PDF files whose text has every word of the query (as a prefix), with a
 * snippet around the hit: only files not withdrawn, of devices the filter lets through, and staff-only files
 * (attachments.visibility 'staff') only for staff. SQLite takes the most relevant (bm25, cheap in FTS5),
 * PostgreSQL the first ten it finds (ranking would re-parse every hit's text), shown by inventory number.
 */
export async function searchFiles(db: Kysely<Database>, user: SessionUser, q: string, devices: DeviceFilter) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const base = (root: Pick<Kysely<Database>, 'selectFrom'>) => root
    .selectFrom('file_texts as ft')
    .innerJoin('attachments as a', 'a.id', 'ft.attachment_id')
    .innerJoin('devices', 'devices.id', 'ft.device_id')
    .innerJoin('device_models as dm', 'dm.id', 'devices.model_id')
    .where('a.withdrawn_at', 'is', null)
    .$if(user.role === 'nurse', (qb) => qb.where('a.visibility', '=', 'all'))
    .where((eb) => devices(eb as unknown as ExpressionBuilder<Database, 'devices'>))
    .select([
      'ft.attachment_id',
      'ft.device_id',
      'ft.page',
      'a.original_name as file_name',
      'devices.code',
      'devices.inventory_number',
      'dm.name as model_name',
    ]);

  let rows: { attachment_id: string; device_id: string; page: number; file_name: string; code: string; inventory_number: string; model_name: string; snippet: string }[];
  if (pg) {
    const tsq = tsPrefixQuery(q);
    if (!tsq) return [];
    const query = sql`to_tsquery('simple', ${tsq})`;
    // The planner misjudges prefix queries: under a LIMIT, or next to a selective device filter, it walks
    // pages in key order parsing each text (a rare word: all of them, seconds), or picks a sequential scan that
    // does the same. So the matching pages come from the GIN index first (a materialised CTE over file_texts
    // alone, sequential scans off in this read's own transaction) and drive the joins; the snippet is cut in JS
    // from the few pages shown (ts_headline parses the whole page again).
    const found = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const root = trx.with(
        (cte) => cte('matches').materialized(),
        (qc) => qc.selectFrom('file_texts').select(['attachment_id', 'page']).where(sql<boolean>`to_tsvector('simple', text) @@ ${query}`),
      );
      return base(root as unknown as Pick<Kysely<Database>, 'selectFrom'>)
        .select('ft.text')
        .where(sql<boolean>`(ft.attachment_id, ft.page) in (select attachment_id, page from matches)`)
        .orderBy('devices.inventory_number')
        .orderBy('ft.attachment_id')
        .orderBy('ft.page')
        .limit(MAX_FILE_HITS)
        .execute();
    });
    rows = found.map(({ text, ...r }) => ({ ...r, snippet: markedSnippet(text, textQueryWords(q)) }));
  } else {
    const match = ftsMatchQuery(q);
    if (!match) return [];
    // The FTS5 table is external-content over file_texts: its rowid is file_texts' rowid.
    rows = await base(db)
      .innerJoin(sql<{ rowid: number }>`file_texts_fts`.as('file_texts_fts'), (j) => j.on(sql<boolean>`file_texts_fts.rowid = ft.rowid`))
      .where(sql<boolean>`file_texts_fts match ${match}`)
      .select(sql<string>`snippet(file_texts_fts, 0, ${HIT_START}, ${HIT_END}, '…', 14)`.as('snippet'))
      .orderBy(sql`file_texts_fts.rank`)
      .orderBy('ft.attachment_id')
      .orderBy('ft.page')
      .limit(MAX_FILE_HITS)
      .execute();
  }
  return rows.map((r) => ({
    attachmentId: r.attachment_id,
    deviceId: r.device_id,
    code: r.code,
    inventoryNumber: r.inventory_number,
    modelName: r.model_name,
    fileName: r.file_name,
    page: Number(r.page),
    snippet: snippetParts(r.snippet),
  }));
}

/** What the list's filters offer: sites and departments the user has devices in, and every model with its kind. */
export async function listFilters(db: Kysely<Database>, user: SessionUser) {
  const nurse = user.role === 'nurse';
  const [sites, departments, models] = await Promise.all([
    db
      .selectFrom('sites')
      .select(['id', 'name'])
      .$if(nurse, (qb) =>
        qb.where('id', 'in', user.departmentIds.length ? db.selectFrom('departments').select('site_id').where('id', 'in', user.departmentIds) : [''])
      )
      .orderBy('name')
      .execute(),
    db
      .selectFrom('departments')
      .select(['id', 'name', 'site_id'])
      .$if(nurse, (qb) => qb.where('id', 'in', user.departmentIds.length ? user.departmentIds : ['']))
      .orderBy('name')
      .execute(),
    db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.id', 'm.name', 'm.kind', 'mf.name as manufacturer_name'])
      .orderBy('m.name')
      .execute(),
  ]);
  return { sites, departments, models };
}

/** Marks or unmarks a device as one of the user's favourites ("my devices"); only a device the user may see. */
export async function setFavourite(db: Kysely<Database>, user: SessionUser, deviceId: string, favourite: boolean) {
  const device = await db.selectFrom('devices').select('id').where('id', '=', deviceId).where(visibleTo(user)).executeTakeFirst();
  if (!device) throw notFound('errors.deviceNotFound');
  if (favourite)
    await db
      .insertInto('favourites')
      .values({ user_id: user.id, device_id: deviceId })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doNothing())
      .execute();
  else await db.deleteFrom('favourites').where('user_id', '=', user.id).where('device_id', '=', deviceId).execute();
}
