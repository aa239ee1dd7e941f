import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDb, type Db, type Dialect } from './connection.js';
import { migrateToLatest } from './migrate.js';
import { createServer, type AddressInfo } from 'node:net';

/** The PostgreSQL server the tests use; a fresh database is created on it for every test database. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgUp = await pgReachable();
if (!pgUp) {
  if (process.env.CI) throw new Error(`PostgreSQL is required in CI but not reachable at ${TEST_PG_URL}`);
  console.warn(`\n*** PostgreSQL not reachable at ${TEST_PG_URL}: the PostgreSQL tests did NOT run. ***\n`);
}

/** Dialects every database test runs against: SQLite always, PostgreSQL where a server answers (always in CI). */
export const testDialects: Dialect[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDb extends Db {
  /** Closes the connection and removes the database (file or PostgreSQL database). */
  drop(): Promise<void>;
}

/** Where a test database can be copied from instead of being built: a closed SQLite file, or an unused PostgreSQL database. */
export interface TestDbTemplate {
  sqliteFile?: string;
  pgDatabase?: string;
}

/** A fresh, migrated database: a SQLite file in a temp dir, or a new PostgreSQL database; a copy of `from` if given. */
export async function createTestDb(dialect: Dialect, from: TestDbTemplate = {}): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'medreg-test-'));
    if (from.sqliteFile) copyFileSync(from.sqliteFile, join(dir, 'test.sqlite'));
    return migratedWithDrop(createDb({ sqliteFile: join(dir, 'test.sqlite') }), async () => rmSync(dir, { recursive: true, force: true }));
  }
  const pgDb = await createPgDatabase('medreg_t', from.pgDatabase);
  return migratedWithDrop(createDb({ databaseUrl: pgDb.url }), pgDb.drop);
}

/** Migrated; closing it twice (close, then drop) closes it once. */
async function migratedWithDrop(db: Db, remove: () => Promise<void>): Promise<TestDb> {
  await migrateToLatest(db.db);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= db.close());
  return {
    ...db,
    close,
    drop: async () => {
      await close();
      await remove();
    },
  };
}

/** The calendar day a seeded database is valid for: the demo's due dates count from it (in UTC and in the app's zone). */
export const seedDay = (now = new Date()) =>
  `${now.toISOString().slice(0, 10)} ${new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(now)}`;

/**
 * A new PostgreSQL database on the test server (`prefix` names it, so leftovers are recognisable): empty, or a copy of
 * `template` (a database nobody is connected to).
 */
export async function createPgDatabase(prefix = 'medreg_t', template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${pg.escapeIdentifier(template)}` : ''}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A TCP port free on 127.0.0.1 right now: for the test and benchmark servers, which run several at once. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}


/** A process and its direct children (a server's node:cluster workers), from /proc (Linux). */
export function processWithChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e)))
    try {
      if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  return [pid, ...children];
}
