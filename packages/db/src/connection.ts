import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, type Compilable, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type QueryResult, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { checkpointInBackground } from './checkpoints.js';
import type { Database } from './tables/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DbConfig {
  /** A postgres:// URL selects PostgreSQL; otherwise SQLite at `sqliteFile` or `<dataDir>/medreg.sqlite`. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  sqliteFile?: string | undefined;
  /** SQLite only: open an existing file read-only (a backup's snapshot), without switching its journal mode. */
  readonly?: boolean;
  /** SQLite only: checkpoint the write-ahead log in a worker thread instead of in the committing request (the server). */
  checkpointInBackground?: boolean;
  /**
   * PostgreSQL only, default true: statements that run again are sent as named statements. Off behind a pooler that
   * hands a server connection to another client per transaction without tracking them (PgBouncer before 1.21, or
   * without `max_prepared_statements`).
   */
  namedStatements?: boolean;
  /**
   * SQLite only: how long a write waits for another connection's write lock before it is refused as busy (nothing
   * written). Default SQLITE_WRITE_WAIT_SECONDS, else 30 s.
   */
  writeWaitMs?: number;
}

export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * The connection the auth library uses. On PostgreSQL it is a second pool with pg's default
   * parsers, because the auth library expects JS Dates where the app wants ISO strings.
   */
  authDb: Kysely<any>;
  /** Human-readable target, without credentials. */
  target: string;
  close(): Promise<void>;
}

const isPostgresUrl = (url: string | undefined): url is string => !!url && /^postgres(ql)?:\/\//.test(url);

/** pg returns dates and timestamps as JS Dates and int8 as strings; the app wants one shape on both databases. */
export function pgTypes(): pg.CustomTypesConfig {
  const { types } = pg;
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      switch (oid) {
        case types.builtins.DATE:
          return (v: string) => v;
        case types.builtins.TIMESTAMPTZ:
        case types.builtins.TIMESTAMP:
          return (v: string) => new Date(v.includes('+') || v.endsWith('Z') ? v : `${v}Z`).toISOString();
        case types.builtins.INT8:
        case types.builtins.NUMERIC:
          return (v: string) => Number(v);
        default:
          return types.getTypeParser(oid, format);
      }
    },
  } as pg.CustomTypesConfig;
}

export function createDb(config: DbConfig = {}): Db {
  if (isPostgresUrl(config.databaseUrl)) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, types: pgTypes(), max: 10 });
    if (config.namedStatements !== false) pool.on('connect', runNamedStatements);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const authPool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
    // An idle connection that the server drops (restart, failover) must not crash the process;
    // the pool replaces it on the next query.
    for (const p of [pool, authPool]) p.on('error', (e) => console.warn(`PostgreSQL connection lost: ${e.message}`));
    const authDb = new Kysely<any>({ dialect: new PostgresDialect({ pool: authPool }) });
    const url = new URL(config.databaseUrl);
    return {
      db,
      authDb,
      dialect: 'postgres',
      target: `postgres://${url.host}${url.pathname}`,
      close: async () => {
        await authDb.destroy();
        await db.destroy();
      },
    };
  }
  const file = config.sqliteFile ?? join(resolve(config.dataDir ?? './data'), 'medreg.sqlite');
  if (!config.sqliteFile) mkdirSync(resolve(config.dataDir ?? './data'), { recursive: true });
  if (config.readonly) {
    const database = new SQLite(file, { readonly: true, fileMustExist: true });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return { db, authDb: db, dialect: 'sqlite', target: file, close: () => db.destroy() };
  }
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  // Short: better-sqlite3 waits synchronously, blocking the event loop. Longer waits are WaitingSqliteDriver's.
  database.pragma(`busy_timeout = ${SYNC_BUSY_MS}`);
  // A commit survives a crash of the process (the WAL is in the OS's page cache); a power cut may lose the last ones.
  database.pragma('synchronous = NORMAL');
  // SQLite's own page cache is 2 MB by default: at a hospital group's size every device page then reads its index
  // pages from the OS again. 64 MB keeps the hot part of a 100,000-device register in memory.
  database.pragma('cache_size = -65536');
  const statements = withStatementCache(database);
  const db = new Kysely<Database>({ dialect: new WaitingSqliteDialect(database, statements, config.writeWaitMs ?? writeWaitFromEnv()) });
  directSqlite.set(db, { database, statements });
  const checkpoints = config.checkpointInBackground ? checkpointInBackground(database, file) : undefined;
  const close = async () => {
    await checkpoints?.stop();
    await db.destroy();
  };
  return { db, authDb: db, dialect: 'sqlite', target: file, close };
}

/**
 * The SQLite connection behind a Kysely instance made by `createDb`, for reads that need not queue behind Kysely's
 * connection lock (prepared queries): better-sqlite3 runs a statement synchronously, so outside a transaction a read
 * can run at once. Transactions are other Kysely instances and are not here.
 */
export const directSqlite = new WeakMap<Kysely<Database>, { database: SQLite.Database; statements: SqliteDatabase }>();

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on every call: on a scan's verdict that took
 * longer than running the statements. A named statement is parsed once per connection, and its plan is kept where
 * PostgreSQL finds a generic plan no worse than planning anew. A text is named the second time it runs, so one-off
 * texts are not, and at most MAX_NAMED texts per process, because a named statement stays on every connection that ran
 * it until the connection closes. Long texts (a multi-row insert of a batch, whose last batch has a length of its own)
 * are neither named nor remembered: parsing is little beside running them.
 */
const MAX_NAMED = 300;
/** Texts seen once, remembered for a second run (at most 1,000 of up to 4,000 characters). */
const MAX_WAITING = 1000;
const MAX_TEXT = 4000;
const pgNames = new Map<string, string>();
const seenOnce = new Set<string>();
const NAMEABLE = /^\s*(select|insert|update|delete|with)\b/i;

function pgStatementName(text: string): string | undefined {
  const name = pgNames.get(text);
  if (name || pgNames.size >= MAX_NAMED || text.length > MAX_TEXT || !NAMEABLE.test(text)) return name;
  if (!seenOnce.delete(text)) {
    // Full of one-off texts: start again, so that a statement first run later can still be named.
    if (seenOnce.size >= MAX_WAITING) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  const named = `medreg_${pgNames.size}`;
  pgNames.set(text, named);
  return named;
}

/** Makes a new pool client run repeated statements as named ones (pg parses each once per client). */
function runNamedStatements(client: pg.PoolClient) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' && rest.length === 1 && Array.isArray(rest[0]) ? pgStatementName(text) : undefined;
    return name ? query({ name, text, values: rest[0] }) : query(text, ...rest);
  }) as typeof client.query;
}

/** How long better-sqlite3 may block the event loop waiting for a lock, and how long a writer waits in all. */
const SYNC_BUSY_MS = 20;
const WRITE_WAIT_MS = 30_000;
const writeWaitFromEnv = () => {
  const seconds = Number(process.env.SQLITE_WRITE_WAIT_SECONDS);
  return seconds > 0 ? seconds * 1000 : WRITE_WAIT_MS;
};

export const isBusy = (e: unknown) => e instanceof SQLite.SqliteError && e.code.startsWith('SQLITE_BUSY');

/**
 * SQLite has one writer at a time. Another connection may hold the write lock for a while: another process (the API
 * next to the web app, `npm run verify-logbook`) or this process's own second connection (the CSV import writes
 * through one, across awaits). So a transaction takes the write lock when it begins (BEGIN IMMEDIATE: a deferred
 * one that read first fails at once with SQLITE_BUSY_SNAPSHOT when another connection wrote meanwhile, whatever the
 * timeout), and a busy BEGIN or a busy statement outside a transaction (which changed nothing) is tried again after
 * an asynchronous pause, so the holder can finish meanwhile; during each pause the connection is given back, so the
 * process's other queries go on instead of queueing behind a write that waits for an import to commit. A write
 * still refused after the write wait (30 s unless configured) changed nothing; the user is told to save again
 * (errors.busy), never "database is locked".
 */
class WaitingSqliteDriver extends SqliteDriver {
  readonly #database: SQLite.Database;
  readonly #waitMs: number;
  constructor(database: SQLite.Database, statements: SqliteDatabase, waitMs: number) {
    super({ database: statements });
    this.#database = database;
    this.#waitMs = waitMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const database = this.#database;
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
        database.inTransaction
          ? connection.executeQuery<R>(query)
          : whenFree(
              this.#waitMs,
              () => connection.executeQuery<R>(query),
              async (ms) => {
                await this.releaseConnection();
                try {
                  await sleep(ms);
                } finally {
                  await super.acquireConnection();
                }
              },
            ),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `run` again after a pause (`pauseFor`) until it is not busy. */
async function whenFree<T>(waitMs: number, run: () => Promise<T>, pauseFor: (ms: number) => Promise<void>): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      return await run();
    } catch (e) {
      if (!isBusy(e) || Date.now() > deadline) throw e;
      await pauseFor(pause);
    }
  }
}

class WaitingSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database;
  readonly #statements: SqliteDatabase;
  readonly #waitMs: number;
  constructor(database: SQLite.Database, statements: SqliteDatabase, waitMs: number) {
    super({ database });
    this.#database = database;
    this.#statements = statements;
    this.#waitMs = waitMs;
  }
  override createDriver() {
    return new WaitingSqliteDriver(this.#database, this.#statements, this.#waitMs);
  }
}

/**
 * A write that the next request can do as well (a session's last activity): on SQLite it is skipped, not waited for,
 * while another connection holds the write lock (a CSV import holds it for tens of seconds) or this connection is in
 * a transaction. Waiting would hold up the request that writes it that long. Returns whether it was written;
 * PostgreSQL writes it as any other statement.
 */
export async function writeUnlessBusy(db: Kysely<Database>, query: Compilable): Promise<boolean> {
  const compiled = query.compile();
  const direct = directSqlite.get(db);
  if (!direct) {
    await db.executeQuery(compiled);
    return true;
  }
  if (direct.database.inTransaction) return false;
  try {
    direct.statements.prepare(compiled.sql).run(compiled.parameters);
    return true;
  } catch (e) {
    if (isBusy(e)) return false;
    throw e;
  }
}

/**
 * Kysely prepares every statement anew, and SQLite then parses and plans the SQL each time: on a device page that
 * cost more than running the queries. The app runs the same few hundred statements over and over, so prepared
 * statements are kept by their text (the least recently used leave first). Long texts (multi-row inserts of an
 * import) are prepared per use. Statements on one connection run one at a time (Kysely's connection mutex; prepared
 * reads run synchronously), so a kept statement is never in use twice; the one streamed statement (a snapshot's
 * `select *` of a table) is no prepared query's.
 */
export function withStatementCache(database: SQLite.Database, size = 500): SqliteDatabase {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      if (sql.length > 4000) return database.prepare(sql);
      let statement = kept.get(sql);
      if (statement) kept.delete(sql);
      else {
        statement = database.prepare(sql);
        if (kept.size >= size) kept.delete(kept.keys().next().value!);
      }
      kept.set(sql, statement);
      return statement;
    },
  };
}
