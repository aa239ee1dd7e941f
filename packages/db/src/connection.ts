import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './tables/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DbConfig {
  /** A postgres:// URL selects PostgreSQL; otherwise SQLite at `sqliteFile` or `<dataDir>/medreg.sqlite`. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  sqliteFile?: string | undefined;
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
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, authDb: db, dialect: 'sqlite', target: file, close: () => db.destroy() };
}

/**
 * Kysely prepares every statement anew, and SQLite then parses and plans the SQL each time: on a device page that
 * cost more than running the queries. The app runs the same few hundred statements over and over, so prepared
 * statements are kept by their text (the least recently used leave first). Long texts (multi-row inserts of an
 * import) are prepared per use. Statements on one connection run one at a time (Kysely's connection mutex), so a
 * kept statement is never in use twice.
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
