import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Dialect } from '@medreg/db';
import { createTestDb, TEST_PG_URL, testDialects, type TestDb } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { sessionUser } from '../context.js';
import { today } from '../inspections/due.js';
import { verifyAllChains } from '../logbook/verify.server.js';
import { createCaller } from '../router.js';
import { DEMO_PASSWORD } from '../seed/catalog.js';
import { startApp, type App } from '../services.server.js';
import { photo } from '../testing.js';
import { FILES_DIR, manifestSchema, MANIFEST_FILE } from './manifest.js';
import { restoreBackup } from './restore.server.js';
import { blobPath, digestTables } from './snapshot.server.js';

const coreRoot = resolve(import.meta.dirname, '../..');

/** A command of this package as the operator runs it: its own process, configured by the environment. */
function runCli(script: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
      cwd: coreRoot,
      env: { ...process.env, INIT_CWD: '', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => res({ code, out }));
  });
}

/** An empty PostgreSQL database (createTestDb's are migrated already) for a restore to go into. */
async function emptyPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `medreg_restore_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (run: (db: ReturnType<typeof createDb>['db']) => Promise<unknown>) => {
    const d = createDb({ databaseUrl: TEST_PG_URL });
    try {
      await run(d.db);
    } finally {
      await d.close();
    }
  };
  await admin((db) => sql`create database ${sql.id(name)}`.execute(db));
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin((db) => sql`drop database if exists ${sql.id(name)} with (force)`.execute(db)) };
}

const pgUrlOf = (t: TestDb) => {
  const url = new URL(TEST_PG_URL);
  url.pathname = new URL(t.target).pathname;
  return url.toString();
};

const good = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '10', functional: 'pass' };

/**
 * A backup taken by the command while inspections with protocol photos are being saved, restored by the command into
 * a fresh installation: the same rows, every referenced file with its SHA-256, unbroken chains.
 */
describe.each(testDialects)('backup and restore on %s', (dialect: Dialect) => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const liveDir = tempDir('medreg-live-');
  const backupDir = join(tempDir('medreg-backups-'), 'today');
  const restoreDir = tempDir('medreg-restored-');
  let liveDb: TestDb | undefined;
  let restoreDb: Awaited<ReturnType<typeof emptyPgDatabase>> | undefined;
  let app: App;
  let liveUrl: string | undefined;

  beforeAll(async () => {
    if (dialect === 'postgres') {
      liveDb = await createTestDb('postgres');
      liveUrl = pgUrlOf(liveDb);
      restoreDb = await emptyPgDatabase();
    }
    app = await startApp({ dataDir: liveDir, databaseUrl: liveUrl, baseUrl: 'http://localhost:3000', seedDemo: true, authSecret: 'backup-test-secret-backup-test-secret' });
  });
  afterAll(async () => {
    await app?.close();
    await liveDb?.drop();
    await restoreDb?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const restoreEnv = () => ({ DATA_DIR: restoreDir, ...(restoreDb ? { DATABASE_URL: restoreDb.url } : {}) });
  const openRestored = () => createDb({ dataDir: restoreDir, databaseUrl: restoreDb?.url });

  it('backs up while inspections with photos are saved, and restores the same rows, files and chains', async () => {
    const { services } = app;
    const { db } = services;
    const signIn = await services.auth.api.signInEmail({ body: { email: 'technik@demo.medreg', password: DEMO_PASSWORD }, returnHeaders: true });
    const user = await sessionUser(services, new Headers({ cookie: signIn.headers.get('set-cookie')!.split(';')[0]! }));
    const tech = createCaller({ services, user, locale: 'en', t: translator('en') });
    const targets = await db
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('model_inspection_types as mit', 'mit.model_id', 'm.id')
      .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
      .where('it.code', '=', 'EL-62353')
      .where('m.protection_class', '=', 'I')
      .where('m.applied_part', '=', 'CF')
      .where('devices.status', '=', 'in_service')
      .select(['devices.id as deviceId', 'it.id as inspectionTypeId'])
      .orderBy('devices.inventory_number')
      .limit(6)
      .execute();
    expect(targets.length).toBeGreaterThan(2);
    const testInstrumentId = (await db.selectFrom('test_instruments').select('id').where('serial_number', '=', 'ESA615-4471023').executeTakeFirstOrThrow()).id;

    // Writers: each inspection carries a photo of its own (a new blob), so the file store grows while the backup runs.
    const acked: { submissionId: string; at: number }[] = [];
    let stop = false;
    let n = 0;
    const writer = async (w: number) => {
      while (!stop) {
        const i = n++;
        const jpeg = await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: i % 256, g: (i >> 8) % 256, b: w * 30 } } }).jpeg().toBuffer();
        const submissionId = crypto.randomUUID();
        await tech.inspections.record({
          ...targets[i % targets.length]!,
          performedOn: today(new Date()),
          result: 'passed',
          values: good,
          testInstrumentId,
          photos: [photo(new Uint8Array(jpeg))],
          submissionId,
        });
        acked.push({ submissionId, at: Date.now() });
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    while (acked.length < 4) await new Promise((r) => setTimeout(r, 20));

    const started = Date.now();
    const backup = await runCli('backup', [backupDir], { DATA_DIR: liveDir, ...(liveUrl ? { DATABASE_URL: liveUrl } : {}) });
    const finished = Date.now();
    stop = true;
    await writers;
    expect(backup.code, backup.out).toBe(0);
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(backupDir, MANIFEST_FILE), 'utf8')));
    const snapshotAt = Date.parse(manifest.createdAt);
    const before = acked.filter((a) => a.at < started);
    expect(acked.filter((a) => a.at > snapshotAt && a.at < finished).length, 'inspections saved while the backup ran').toBeGreaterThan(0);
    expect(manifest.database.kind).toBe(dialect);
    expect(manifest.files.count).toBeGreaterThanOrEqual(before.length);

    const restore = await runCli('restore', [backupDir], restoreEnv());
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toContain('All chains intact.');

    const restored = openRestored();
    try {
      // Per table, the same rows and the same content as the snapshot the backup described.
      const tables = await restored.db.transaction().execute((trx) => digestTables(trx, dialect));
      const { chain_checks: _written, ...restoredTables } = tables;
      const { chain_checks: _backedUp, ...backupTables } = manifest.tables;
      expect(restoredTables).toEqual(backupTables);
      // The restore's own chain check is the one row it added.
      expect(tables.chain_checks!.rows).toBe(manifest.tables.chain_checks!.rows + 1);
      expect(manifest.tables.logbook_entries!.rows).toBeLessThan(Number((await db.selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));

      // Everything acknowledged before the backup started is in it.
      const present = await restored.db.selectFrom('logbook_entries').select('submission_id').where('submission_id', 'in', before.map((a) => a.submissionId)).execute();
      expect(present.length).toBe(before.length);

      // Every referenced file is there with the content its hash names.
      const blobs = await restored.db.selectFrom('attachments').select(['sha256', 'preview_sha256']).execute();
      const shas = [...new Set(blobs.flatMap((b) => [b.sha256, b.preview_sha256]).filter((s): s is string => !!s))];
      expect(shas.length).toBeGreaterThan(before.length);
      const wrong = shas.filter((sha) => {
        const p = blobPath(join(restoreDir, FILES_DIR), sha);
        return !existsSync(p) || createHash('sha256').update(readFileSync(p)).digest('hex') !== sha;
      });
      expect(wrong).toEqual([]);

      const chains = await verifyAllChains(restored.db, { startedBy: null, now: () => new Date() });
      expect(chains.broken).toBe(0);
      expect(chains.entries).toBe(manifest.tables.logbook_entries!.rows);
    } finally {
      await restored.close();
    }
  });

  it('refuses to overwrite data without --force, and a damaged backup before writing anything', async () => {
    const fingerprint = async () => {
      const d = openRestored();
      try {
        return JSON.stringify(await d.db.transaction().execute((trx) => digestTables(trx, dialect)));
      } finally {
        await d.close();
      }
    };
    const was = await fingerprint();
    const refused = await runCli('restore', [backupDir], restoreEnv());
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/Restore refused: Not empty: .*--force/s);
    expect(await fingerprint()).toBe(was);

    // One flipped byte in one stored photo: refused while checking the backup, nothing written.
    const damaged = join(tempDir('medreg-damaged-'), 'copy');
    cpSync(backupDir, damaged, { recursive: true });
    const dir = join(damaged, FILES_DIR, readdirSync(join(damaged, FILES_DIR))[0]!);
    const blob = join(dir, readdirSync(dir)[0]!);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(blob, bytes);
    await expect(restoreBackup({ dataDir: restoreDir, databaseUrl: restoreDb?.url, source: damaged, force: true })).rejects.toThrow(/does not match its SHA-256: the backup is damaged/);
    expect(await fingerprint()).toBe(was);

    // A manifest whose row counts were edited no longer matches its own content hash.
    const manifestFile = join(damaged, MANIFEST_FILE);
    writeFileSync(blob, bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b)));
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    m.tables.logbook_entries.rows += 1;
    writeFileSync(manifestFile, JSON.stringify(m));
    await expect(restoreBackup({ dataDir: restoreDir, databaseUrl: restoreDb?.url, source: damaged, force: true })).rejects.toThrow(/manifest contradicts itself/);

    // With --force the backup replaces the data, and the restore proves it again.
    const forced = await restoreBackup({ dataDir: restoreDir, databaseUrl: restoreDb?.url, source: backupDir, force: true });
    expect(forced.chains.broken).toBe(0);
  });
});
