import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Dialect } from '@medreg/db';
import type { TableDigests } from './manifest.js';

type AnyDb = Kysely<any> | Transaction<any>;

/** The application's tables: SQLite's own and FTS5's shadow tables are left out (they follow their table). */
export async function tableNames(db: AnyDb, dialect: Dialect): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from pragma_table_list where schema = 'main' and type in ('table', 'virtual') and name not like 'sqlite\\_%' escape '\\'`.execute(db)
      : await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema()`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

/** The key columns a table's rows are hashed in order of; none (SQLite: rowid; PostgreSQL: every column). */
async function keyColumns(db: AnyDb, dialect: Dialect, table: string): Promise<string[]> {
  if (dialect === 'sqlite') {
    const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table})`.execute(db);
    return cols.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  }
  const cols = await sql<{ name: string }>`
    select a.attname as name from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${table}::regclass and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  return cols.rows.map((c) => c.name);
}

/**
 * Rows and a SHA-256 over the rows of every table, in key order. On PostgreSQL call it inside a transaction (it reads
 * through a cursor, and a backup reads the same snapshot it dumps); keys are ordered as text in the "C" collation,
 * so a database restored with another default collation hashes the same.
 */
export async function digestTables(db: AnyDb, dialect: Dialect): Promise<TableDigests> {
  const out: TableDigests = {};
  for (const table of await tableNames(db, dialect)) {
    const h = createHash('sha256');
    let rows = 0;
    const add = (row: Record<string, unknown>) => {
      h.update(JSON.stringify(Object.values(row)));
      h.update('\n');
      rows++;
    };
    const keys = await keyColumns(db, dialect, table);
    if (dialect === 'sqlite') {
      const order = keys.length ? sql.join(keys.map((k) => sql.id(k))) : sql`rowid`;
      for await (const row of (db as Kysely<any>).selectFrom(table).selectAll().orderBy(order).stream(1000)) add(row);
    } else {
      const order = keys.length ? sql.join(keys.map((k) => sql`${sql.id(k)}::text collate "C"`)) : sql`${sql.id(table)}::text collate "C"`;
      await sql`declare medreg_digest no scroll cursor for select * from ${sql.id(table)} order by ${order}`.execute(db);
      for (;;) {
        const batch = await sql<Record<string, unknown>>`fetch 1000 from medreg_digest`.execute(db);
        for (const row of batch.rows) add(row);
        if (batch.rows.length < 1000) break;
      }
      await sql`close medreg_digest`.execute(db);
    }
    out[table] = { rows, sha256: h.digest('hex') };
  }
  return out;
}

/** Every blob the database points to: attachments (original and preview) and uploads staged for a form. */
export async function referencedBlobs(db: Kysely<Database> | Transaction<Database>): Promise<string[]> {
  const [attachments, staged] = await Promise.all([
    db.selectFrom('attachments').select(['sha256', 'preview_sha256']).execute(),
    db.selectFrom('staged_uploads').select(['sha256', 'preview_sha256']).execute(),
  ]);
  const all = new Set<string>();
  for (const r of [...attachments, ...staged]) for (const sha of [r.sha256, r.preview_sha256]) if (sha) all.add(sha);
  return [...all].sort();
}

/** SQLite's own check of the file (pages, indexes, constraints); empty when intact. PostgreSQL has no equivalent. */
export async function integrityProblems(db: AnyDb, dialect: Dialect): Promise<string[]> {
  if (dialect !== 'sqlite') return [];
  const rows = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
  return rows.rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Where a blob lives under a file store root (files/ab/cdef…), as FileStore keeps it. */
export const blobPath = (root: string, sha: string) => join(root, sha.slice(0, 2), sha.slice(2));

/**
 * Copies blobs from one store root to another, each read once and checked against its name (content-addressed:
 * the name is its SHA-256). Returns what was copied and which blobs were missing or damaged at the source.
 */
export function copyBlobs(from: string, to: string, shas: readonly string[]) {
  let bytes = 0;
  let count = 0;
  const missing: string[] = [];
  const damaged: string[] = [];
  for (const sha of shas) {
    const src = blobPath(from, sha);
    if (!existsSync(src)) {
      missing.push(sha);
      continue;
    }
    const data = readFileSync(src);
    if (createHash('sha256').update(data).digest('hex') !== sha) {
      damaged.push(sha);
      continue;
    }
    const dst = blobPath(to, sha);
    mkdirSync(dirname(dst), { recursive: true });
    writeFileSync(dst, data);
    bytes += data.byteLength;
    count++;
  }
  return { count, bytes, missing, damaged };
}

/** The blobs under a store root, by name (temp files of a write in progress are skipped). */
export function storedBlobs(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const dir of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(dir) || !statSync(join(root, dir)).isDirectory()) continue;
    for (const f of readdirSync(join(root, dir))) if (/^[0-9a-f]{62}$/.test(f)) out.push(dir + f);
  }
  return out.sort();
}
