import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { createDb, migrateToLatest } from '@medreg/db';
import { verifyAllChains, type CheckResult } from '../logbook/verify.server.js';
import { OperationError, requireTool, runTool } from './backup.server.js';
import { AUTH_SECRET, contentHash, FILES_DIR, MANIFEST_FILE, manifestSchema, PG_DUMP, SQLITE_SNAPSHOT, tableDifferences, type Manifest } from './manifest.js';
import { blobPath, copyBlobs, digestTables, fileSha256, integrityProblems, referencedBlobs, storedBlobs } from './snapshot.server.js';

export interface RestoreOptions {
  /** The DATA_DIR to restore into (and, unless databaseUrl, its SQLite file). */
  dataDir: string;
  databaseUrl?: string | undefined;
  /** A directory written by createBackup. */
  source: string;
  /** Replace an existing installation's data. */
  force?: boolean;
  now?: () => Date;
  log?: (line: string) => void;
}

/** Reads and checks a backup directory before anything is written: manifest, snapshot hash, every blob. */
export async function checkBackup(dir: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new OperationError(`${file} not found: not a MedReg backup, or an unfinished one.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new OperationError(`${file} is not valid JSON.`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) throw new OperationError(`${file} is not a MedReg backup manifest (${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}).`);
  const manifest = result.data;
  if (contentHash(manifest.tables) !== manifest.contentSha256) throw new OperationError('The manifest contradicts itself (content hash): it was altered.');
  const snapshot = join(dir, manifest.database.file);
  if (!existsSync(snapshot)) throw new OperationError(`${snapshot} is missing.`);
  if ((await fileSha256(snapshot)) !== manifest.database.sha256) throw new OperationError(`${snapshot} does not match its SHA-256 in the manifest: the backup is damaged.`);
  const blobs = storedBlobs(join(dir, FILES_DIR));
  let bytes = 0;
  for (const sha of blobs) {
    const p = blobPath(join(dir, FILES_DIR), sha);
    if ((await fileSha256(p)) !== sha) throw new OperationError(`${p} does not match its SHA-256: the backup is damaged.`);
    bytes += statSync(p).size;
  }
  if (blobs.length !== manifest.files.count || bytes !== manifest.files.bytes)
    throw new OperationError(`The backup holds ${blobs.length} files (${bytes} bytes), its manifest says ${manifest.files.count} (${manifest.files.bytes} bytes).`);
  return manifest;
}

const isEmptyDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

/**
 * Restores a backup into a stopped installation: checks the backup, refuses to overwrite data unless forced, writes
 * the database and the files, proves the restored database holds what the manifest lists (rows and content per
 * table), that every referenced file is there with its SHA-256, and verifies every logbook chain.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<{ manifest: Manifest; chains: CheckResult }> {
  const log = opts.log ?? (() => {});
  const source = resolve(opts.source);
  const dataDir = resolve(opts.dataDir);
  const manifest = await checkBackup(source);
  const kind = opts.databaseUrl ? 'postgres' : 'sqlite';
  if (manifest.database.kind !== kind)
    throw new OperationError(`This is a ${manifest.database.kind} backup, but the configuration points to ${kind} (DATABASE_URL ${opts.databaseUrl ? 'set' : 'not set'}).`);
  log(`Backup of ${manifest.createdAt} checked: ${manifest.database.file}, ${manifest.files.count} files.`);

  const sqliteFile = join(dataDir, 'medreg.sqlite');
  const occupied: string[] = [];
  if (kind === 'sqlite' && !isEmptyDir(dataDir)) occupied.push(dataDir);
  if (kind === 'postgres') {
    if (!isEmptyDir(join(dataDir, FILES_DIR))) occupied.push(join(dataDir, FILES_DIR));
    const target = createDb({ databaseUrl: opts.databaseUrl });
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where schemaname = current_schema()`.execute(target.db);
      if (rows[0]!.n > 0) occupied.push(target.target);
    } finally {
      await target.close();
    }
  }
  if (occupied.length && !opts.force) throw new OperationError(`Not empty: ${occupied.join(', ')}. Stop the app and add --force to replace its data with the backup.`);

  // Write: the database first, then the files, then the session secret.
  mkdirSync(dataDir, { recursive: true });
  if (kind === 'sqlite') {
    for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) rmSync(f, { force: true });
    copyFileSync(join(source, SQLITE_SNAPSHOT), `${sqliteFile}.restoring`);
    renameSync(`${sqliteFile}.restoring`, sqliteFile);
  } else {
    requireTool('pg_restore');
    const clean = occupied.length ? ['--clean', '--if-exists'] : [];
    await runTool('pg_restore', ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...clean, `--dbname=${opts.databaseUrl}`, join(source, PG_DUMP)]);
  }
  rmSync(join(dataDir, FILES_DIR), { recursive: true, force: true });
  const copied = copyBlobs(join(source, FILES_DIR), join(dataDir, FILES_DIR), storedBlobs(join(source, FILES_DIR)));
  if (copied.count !== manifest.files.count) throw new OperationError(`Copied ${copied.count} of ${manifest.files.count} files.`);
  if (manifest.authSecret) copyFileSync(join(source, AUTH_SECRET), join(dataDir, AUTH_SECRET));
  log(`Database and ${copied.count} files (${copied.bytes} bytes) written.`);

  // Prove it.
  const restored = createDb({ databaseUrl: opts.databaseUrl, dataDir });
  try {
    const problems = await integrityProblems(restored.db, kind);
    if (problems.length) throw new OperationError(`The restored database is damaged: ${problems.slice(0, 5).join('; ')}`);
    const tables = await restored.db.transaction().execute((trx) => digestTables(trx, kind));
    const differences = tableDifferences(manifest.tables, tables);
    if (differences.length) throw new OperationError(`The restored database differs from the backup:\n  ${differences.join('\n  ')}`);
    log(`Rows and content of ${Object.keys(tables).length} tables match the manifest.`);
    const store = join(dataDir, FILES_DIR);
    const absent = (await referencedBlobs(restored.db)).filter((sha) => !existsSync(blobPath(store, sha)));
    if (absent.length) throw new OperationError(`${absent.length} file(s) the database references are not in the backup (first: ${absent[0]}).`);
    // A backup of an older version gets the schema the app would migrate it to; then the chains are verified.
    await migrateToLatest(restored.db);
    const chains = await verifyAllChains(restored.db, { startedBy: null, now: opts.now ?? (() => new Date()) });
    return { manifest, chains };
  } finally {
    await restored.close();
  }
}
