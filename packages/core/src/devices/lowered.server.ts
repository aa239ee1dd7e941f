import { type Expression, type ExpressionBuilder, type Kysely, PostgresAdapter, type SqlBool, sql, type Transaction } from 'kysely';
import type { Database } from '@medreg/db';

type Db = Kysely<Database> | Transaction<Database>;
export type LoweredColumn = 'devices.inventory_number' | 'devices.serial_number';

export const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * lower(col) as the 0005 expression indexes hold it. PostgreSQL's are in byte order (collate "C"): a comparison in
 * the database's own collation does not use them and reads the whole register instead.
 */
export const lowered = (col: LoweredColumn, pg: boolean) => (pg ? sql<string>`lower(${sql.ref(col)}) collate "C"` : sql<string>`lower(${sql.ref(col)})`);

/**
 * col starts with q, without case: a range on lower(col) that walks its index (LIKE would read every device, and no
 * wildcard in q can widen a range).
 */
export const startsWith = (eb: ExpressionBuilder<Database, 'devices'>, col: LoweredColumn, q: string, pg: boolean): Expression<SqlBool> =>
  eb.and([eb(lowered(col, pg), '>=', sql<string>`lower(${q})`), eb(lowered(col, pg), '<', sql<string>`lower(${q}) || ${'\uffff'}`)]);

/**
 * Which of these inventory numbers the register holds already, compared without case as the device form compares
 * them (lower() on both sides). Each number is looked up in the index, so the cost follows the list, not the register.
 */
export async function inventoryNumbersTaken(db: Db, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const { rows } = await takenQuery(db, numbers).execute(db);
  return new Set(rows.map((r) => r.n));
}

/** The statement of `inventoryNumbersTaken` (its test reads the plan). */
export function takenQuery(db: Db, numbers: readonly string[]) {
  const distinct = [...new Set(numbers)];
  return isPostgres(db)
    ? sql<{ n: string }>`select c as n from unnest(${distinct}::text[]) as c
        where exists (select 1 from devices where ${lowered('devices.inventory_number', true)} = lower(c))`
    : sql<{ n: string }>`select value as n from json_each(${JSON.stringify(distinct)})
        where exists (select 1 from devices where ${lowered('devices.inventory_number', false)} = lower(value))`;
}
