import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { createDb } from '@medreg/db';
import { AUTH_SECRET, contentHash, FILES_DIR, MANIFEST_FILE, PG_DUMP, SQLITE_SNAPSHOT, type Manifest, type TableDigests } from './manifest.js';
import { copyBlobs, digestTables, fileSha256, referencedBlobs } from './snapshot.server.js';

export interface BackupOptions {
  /** The app's DATA_DIR: the SQLite file (unless databaseUrl), the file store, the session secret. */
  dataDir: string;
  databaseUrl?: string | undefined;
  /** A new or empty directory. */
  target: string;
  now?: () => Date;
}

export class OperationError extends Error {}

/** pg_dump / pg_restore must be installed where the command runs; say so plainly when they are not. */
export function requireTool(name: 'pg_dump' | 'pg_restore'): void {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new OperationError(`${name} was not found. Install the PostgreSQL client tools (Debian: apt-get install postgresql-client) of the server's major version or newer.`);
}

export function runTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res() : rej(new OperationError(`${cmd} failed (exit ${code}): ${err.trim()}`))));
  });
}

/**
 * A consistent backup of a running installation: first a snapshot of the database, then the blobs that snapshot
 * references. Blobs are written to the store before the transaction that references them commits, and a blob is
 * only ever removed when its own transaction failed (or a staged upload expired unused), so every blob a committed
 * row points to is there when it is copied after the snapshot. Writes go on meanwhile.
 */
export async function createBackup(opts: BackupOptions): Promise<Manifest> {
  const now = opts.now ?? (() => new Date());
  const dataDir = resolve(opts.dataDir);
  const target = resolve(opts.target);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0))
    throw new OperationError(`${target} is not empty: a backup goes into a new or empty directory.`);
  mkdirSync(target, { recursive: true });
  const createdAt = now().toISOString();

  let database: Manifest['database'];
  let tables: TableDigests;
  let blobs: string[];
  if (opts.databaseUrl) {
    ({ database, tables, blobs } = await snapshotPostgres(opts.databaseUrl, join(target, PG_DUMP)));
  } else {
    const live = join(dataDir, 'medreg.sqlite');
    if (!existsSync(live)) throw new OperationError(`No database at ${live}: is DATA_DIR right?`);
    ({ database, tables, blobs } = await snapshotSqlite(live, join(target, SQLITE_SNAPSHOT)));
  }

  const copied = copyBlobs(join(dataDir, FILES_DIR), join(target, FILES_DIR), blobs);
  if (copied.missing.length || copied.damaged.length)
    throw new OperationError(
      `The file store does not match the database: ${copied.missing.length} referenced file(s) missing, ${copied.damaged.length} damaged (first: ${[...copied.missing, ...copied.damaged][0]}). The backup in ${target} is incomplete.`,
    );
  const secret = join(dataDir, AUTH_SECRET);
  const authSecret = existsSync(secret);
  if (authSecret) copyFileSync(secret, join(target, AUTH_SECRET));

  const manifest: Manifest = {
    format: 'medreg-backup',
    version: 1,
    createdAt,
    database,
    tables,
    contentSha256: contentHash(tables),
    files: { count: copied.count, bytes: copied.bytes },
    authSecret,
  };
  // Written last, and atomically: a directory without a manifest is not a backup.
  writeFileSync(join(target, `${MANIFEST_FILE}.tmp`), `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(join(target, `${MANIFEST_FILE}.tmp`), join(target, MANIFEST_FILE));
  return manifest;
}

/** VACUUM INTO writes a consistent, compact copy from one read transaction (WAL: writers are not held up). */
async function snapshotSqlite(live: string, file: string) {
  const source = createDb({ sqliteFile: live, readonly: true });
  try {
    await sql`vacuum into ${file}`.execute(source.db);
  } finally {
    await source.close();
  }
  const snapshot = createDb({ sqliteFile: file, readonly: true });
  try {
    const tables = await digestTables(snapshot.db, 'sqlite');
    const blobs = await referencedBlobs(snapshot.db);
    const database: Manifest['database'] = { kind: 'sqlite', file: SQLITE_SNAPSHOT, bytes: statSync(file).size, sha256: await fileSha256(file), source: live };
    return { database, tables, blobs };
  } finally {
    await snapshot.close();
  }
}

/**
 * pg_dump (custom format) of a snapshot exported from a repeatable-read transaction; the row digests and the list of
 * referenced blobs are read in that same transaction, so they describe exactly what was dumped.
 */
async function snapshotPostgres(url: string, file: string) {
  requireTool('pg_dump');
  const source = createDb({ databaseUrl: url });
  try {
    return await source.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const { rows } = await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx);
        const dumped = runTool('pg_dump', ['--format=custom', `--snapshot=${rows[0]!.id}`, `--file=${file}`, `--dbname=${url}`]).then(
          () => null,
          (e: unknown) => e,
        );
        let tables: TableDigests;
        let blobs: string[];
        try {
          tables = await digestTables(trx, 'postgres');
          blobs = await referencedBlobs(trx);
        } finally {
          // The dump must finish inside this transaction: the exported snapshot lives as long as it does.
          const failed = await dumped;
          if (failed) throw failed;
        }
        const database: Manifest['database'] = { kind: 'postgres', file: PG_DUMP, bytes: statSync(file).size, sha256: await fileSha256(file), source: source.target };
        return { database, tables, blobs };
      });
  } finally {
    await source.close();
  }
}
