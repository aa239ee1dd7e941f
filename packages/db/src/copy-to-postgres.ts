import { type Kysely, sql } from 'kysely';

// Copies a SQLite register into a PostgreSQL database of the same schema, table by table, generic over the schema:
// whatever the migrations created is copied, so a new table needs no change here.

/** Kysely's bookkeeping: the target has its own from migrateToLatest. */
const KYSELY_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);
/** PostgreSQL allows 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/**
 * The tables of a SQLite register to copy. Left out: SQLite's own tables, Kysely's, and full-text indexes (virtual
 * tables and their shadow tables `<name>_data`, `_idx`…): the target keeps its own index over the copied rows.
 */
export async function sqliteTables(source: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string; sql: string | null }>`select name, sql from sqlite_master where type = 'table' order by name`.execute(source);
  const virtual = rows.filter((r) => /^create\s+virtual\s+table/i.test(r.sql ?? '')).map((r) => r.name);
  return rows
    .map((r) => r.name)
    .filter((name) => !name.startsWith('sqlite_') && !KYSELY_TABLES.has(name))
    .filter((name) => !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
}

/**
 * Tables in an order where each comes after every table it references, so that each batch's foreign keys already
 * exist (self-references are met by copying in insertion order). A cycle between tables cannot be copied so.
 */
export function foreignKeyOrder(references: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: string, path: string[]) => {
    if (state.get(table) === 'done') return;
    if (state.get(table) === 'visiting') throw new Error(`Foreign keys form a cycle: ${[...path, table].join(' → ')}`);
    state.set(table, 'visiting');
    for (const ref of [...(references.get(table) ?? [])].sort()) if (ref !== table && references.has(ref)) visit(ref, [...path, table]);
    state.set(table, 'done');
    order.push(table);
  };
  for (const table of [...references.keys()].sort()) visit(table, []);
  return order;
}

const ZONE = /(z|[+-]\d\d(:?\d\d)?)$/i;

/**
 * A value read from SQLite as the PostgreSQL column (its `information_schema` data type) takes it: flags 0/1 become
 * booleans, instants without a zone are UTC (SQLite's `datetime('now')` writes none), epoch milliseconds become ISO.
 */
export function toPostgres(value: unknown, dataType: string, where: string): unknown {
  if (value === null || value === undefined) return null;
  switch (dataType) {
    case 'boolean':
      if (value === 1 || value === '1' || value === 'true' || value === true) return true;
      if (value === 0 || value === '0' || value === 'false' || value === false) return false;
      throw new Error(`${where}: ${JSON.stringify(value)} is not a flag (0/1)`);
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      if (typeof value === 'number') return new Date(value).toISOString();
      if (typeof value === 'string') return ZONE.test(value) ? value : `${value.replace(' ', 'T')}Z`;
      throw new Error(`${where}: ${JSON.stringify(value)} is not an instant`);
    case 'date':
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
      throw new Error(`${where}: ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double precision':
    case 'numeric':
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw new Error(`${where}: ${JSON.stringify(value)} is not a number`);
    default:
      return value;
  }
}

export interface CopyProgress {
  table: string;
  /** Rows of this table copied so far, and its total. */
  tableDone: number;
  tableRows: number;
  tableSeconds: number;
  /** Rows of every table copied so far, and the total. */
  done: number;
  total: number;
  rowsPerSecond: number;
}

export interface CopyResult {
  /** The copied tables in copy order, with their row counts in the source. */
  tables: { name: string; rows: number }[];
  rows: number;
  seconds: number;
}

/** Rows per table. */
export async function rowCounts(db: Kysely<any>, tables: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const table of tables) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    counts.set(table, Number(rows[0]!.n));
  }
  return counts;
}

/**
 * Copies every table of `source` (SQLite) into `target` (PostgreSQL, migrated to the same schema and empty) in one
 * transaction, in foreign-key order and batches, keeping ids: either everything is copied or nothing. Refuses a
 * target that holds any row, and a source column the target lacks (its data would be lost).
 */
export async function copyToPostgres(
  source: Kysely<any>,
  target: Kysely<any>,
  opts: { batchRows?: number; onProgress?: (p: CopyProgress) => void } = {},
): Promise<CopyResult> {
  const tables = await sqliteTables(source);
  const { rows: columnRows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()`.execute(target);
  const targetColumns = new Map<string, Map<string, string>>();
  for (const c of columnRows) targetColumns.set(c.table_name, (targetColumns.get(c.table_name) ?? new Map()).set(c.column_name, c.data_type));

  const missing = tables.filter((t) => !targetColumns.has(t));
  if (missing.length) throw new Error(`The PostgreSQL database has no table ${missing.join(', ')}: is it at the same schema version?`);
  const filled: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ one: number }>`select 1 as one from ${sql.table(table)} limit 1`.execute(target);
    if (rows.length) filled.push(table);
  }
  if (filled.length) throw new NonEmptyTargetError(filled);

  const references = new Map<string, string[]>();
  const columns = new Map<string, string[]>();
  for (const table of tables) {
    const fks = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${table})`.execute(source);
    references.set(table, fks.rows.map((r) => r.table));
    const info = await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(source);
    const names = info.rows.map((r) => r.name);
    const lost = names.filter((n) => !targetColumns.get(table)!.has(n));
    if (lost.length) throw new Error(`The PostgreSQL table ${table} has no column ${lost.join(', ')}: is it at the same schema version?`);
    columns.set(table, names);
  }
  const order = foreignKeyOrder(references);
  const counts = await rowCounts(source, order);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);

  const started = performance.now();
  let done = 0;
  await target.transaction().execute(async (trx) => {
    for (const table of order) {
      const names = columns.get(table)!;
      const types = targetColumns.get(table)!;
      const batch = Math.max(1, Math.min(opts.batchRows ?? 5_000, Math.floor(MAX_PARAMETERS / names.length)));
      let tableDone = 0;
      const tableStarted = performance.now();
      let after: number | null = null;
      for (;;) {
        // By rowid: insertion order (a correction after the entry it corrects) and a keyset that stays fast.
        const { rows } = await sql<Record<string, unknown> & { __rowid: number }>`
          select rowid as __rowid, ${sql.join(names.map((n) => sql.ref(n)))} from ${sql.table(table)}
          ${after === null ? sql`` : sql`where rowid > ${after}`} order by rowid limit ${batch}`.execute(source);
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.__rowid;
        const values = rows.map((row) =>
          Object.fromEntries(names.map((n) => [n, toPostgres(row[n], types.get(n)!, `${table}.${n} (rowid ${row.__rowid})`)])),
        );
        await trx.insertInto(table).values(values).execute();
        tableDone += rows.length;
        done += rows.length;
        const now = performance.now();
        const seconds = (now - started) / 1000;
        opts.onProgress?.({ table, tableDone, tableRows: counts.get(table)!, tableSeconds: (now - tableStarted) / 1000, done, total, rowsPerSecond: seconds > 0 ? done / seconds : 0 });
      }
    }
    // Serial columns (none today) continue after the copied ids.
    const { rows: serials } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and column_default like 'nextval(%'`.execute(trx);
    for (const s of serials) {
      await sql`select setval(pg_get_serial_sequence(${s.table_name}, ${s.column_name}), coalesce(max(${sql.ref(s.column_name)}), 0) + 1, false)
        from ${sql.table(s.table_name)}`.execute(trx);
    }
  });
  // Fresh statistics, so that the planner chooses the indexes the queries were written for.
  await sql`analyze`.execute(target);
  return { tables: order.map((name) => ({ name, rows: counts.get(name)! })), rows: total, seconds: (performance.now() - started) / 1000 };
}

export class NonEmptyTargetError extends Error {
  constructor(readonly tables: string[]) {
    super(`The PostgreSQL database is not empty (rows in ${tables.join(', ')}): migrate into a new, empty database.`);
  }
}
