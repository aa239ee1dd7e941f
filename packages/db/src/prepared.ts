import { type Compilable, type CompiledQuery, type Kysely, PostgresAdapter } from 'kysely';
import { directSqlite, isBusy } from './connection.js';
import type { Database } from './tables/index.js';

/** Where a value of the parameters goes in a compiled query: the builder saw this in its place. */
class Slot {
  constructor(
    readonly key: string,
    readonly index: number | null,
  ) {}
}

type Params = Record<string, unknown>;

/** In-lists this long or longer (a due list's chunk of devices) are compiled per use: each length would be a shape. */
const LONG_LIST = 20;
/** Shapes kept per query; beyond, a new shape is compiled per use (a bug that makes shapes from values stays cheap). */
const MAX_SHAPES = 100;
type Compiled = { query: CompiledQuery; take: Array<Slot | { constant: unknown }> };

/**
 * A query that is built and compiled once per dialect and shape, and then run with new values. On a device page
 * Kysely's building and compiling of the same twenty statements cost about as much CPU as running them.
 *
 * The builder receives stand-ins for the values and must use them as values only (in `where`, `limit`, `sql`
 * templates): it must not read or test them. An array value becomes one stand-in per element (an `in` list), and its
 * length is part of the shape. Whatever else changes the SQL (an optional filter, a role) goes into the `shape`
 * argument, which the builder receives. A value the builder did not use, or used as a literal, is refused when the
 * query is first compiled.
 */
export function prepared<P extends Params, R>(build: (db: Kysely<Database>, p: P, shape: string) => Compilable<R>) {
  const compiled = new Map<string, Compiled>();

  function compile(db: Kysely<Database>, params: P, shape: string, key: string | null): Compiled {
    const stand: Params = {};
    for (const [k, v] of Object.entries(params)) stand[k] = Array.isArray(v) ? v.map((_, i) => new Slot(k, i)) : new Slot(k, null);
    const query = build(db, stand as P, shape).compile();
    const take = query.parameters.map((p) => (p instanceof Slot ? p : { constant: p }));
    const used = new Set(take.flatMap((t) => (t instanceof Slot ? [t.key] : [])));
    const unused = Object.keys(params).filter((k) => !used.has(k) && !(Array.isArray(params[k]) && (params[k] as unknown[]).length === 0));
    if (unused.length) throw new Error(`prepared query: ${unused.join(', ')} not used as a value (put what changes the SQL into the shape)`);
    const entry = { query, take };
    if (key !== null && compiled.size < MAX_SHAPES) compiled.set(key, entry);
    return entry;
  }

  async function rows(db: Kysely<Database>, params: P, shape = ''): Promise<R[]> {
    let key = `${db.getExecutor().adapter instanceof PostgresAdapter ? 'pg' : 'sqlite'}|${shape}`;
    let long = false;
    for (const k in params) {
      const v = params[k];
      if (!Array.isArray(v)) continue;
      key += `|${k}:${v.length}`;
      long ||= v.length >= LONG_LIST;
    }
    const { query, take } = (!long && compiled.get(key)) || compile(db, params, shape, long ? null : key);
    const values = take.map((t) => (t instanceof Slot ? (t.index === null ? params[t.key] : (params[t.key] as unknown[])[t.index]) : t.constant));
    const direct = directSqlite.get(db);
    if (direct && !direct.database.inTransaction) {
      // No transaction is open on the connection, so nothing can be half-done on it: a read runs now. A busy
      // database (another process checkpointing) takes the waiting path below.
      const statement = direct.statements.prepare(query.sql);
      if (statement.reader)
        try {
          return statement.all(values) as R[];
        } catch (e) {
          if (!isBusy(e)) throw e;
        }
    }
    return (await db.executeQuery<R>({ ...query, parameters: values })).rows;
  }

  return {
    /** Every row. */
    all: rows,
    /** The first row, or undefined. */
    first: async (db: Kysely<Database>, params: P, shape?: string): Promise<R | undefined> => (await rows(db, params, shape))[0],
  };
}
