import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, rowCounts, sqliteTables } from '@medreg/db';
import { createPgDatabase, testDialects } from '@medreg/db/testing';
import { appendEntry } from '../logbook/append.server.js';
import { testAppOn, type TestApp } from '../testing.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const cli = resolve(import.meta.dirname, 'migrate-to-postgres.ts');

/** The command as an operator runs it (through tsx), with its exit code and output. */
async function migrate(...args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: resolve(import.meta.dirname, '../..') }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

async function manualPdf(): Promise<File> {
  const doc = new PDFDocument({ info: { Title: 'Manual' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => doc.on('end', r));
  doc.fontSize(14).text('Alarmmeldungen: Okklusion druckseitig');
  doc.end();
  await done;
  return new File([Buffer.concat(chunks)], 'Anleitung.pdf', { type: 'application/pdf' });
}

/**
 * A demo register on SQLite (in a DATA_DIR, as the app keeps it) moved into a new PostgreSQL database by the
 * command: same rows, intact chains, and the procedures a ward uses answer the same on both.
 */
describe.skipIf(!testDialects.includes('postgres'))('migrate-to-postgres', () => {
  let dataDir: string;
  let sqlite: TestApp;
  let postgres: TestApp;
  let target: Awaited<ReturnType<typeof createPgDatabase>>;
  let deviceIds: string[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'medreg-to-pg-'));
    const file = createDb({ dataDir });
    await migrateToLatest(file.db);
    sqlite = await testAppOn({ ...file, drop: () => file.close() }, { now: () => NOW, seed: true });
    const db = sqlite.services.db;
    deviceIds = (await db.selectFrom('devices').select('id').where('department_id', 'is not', null).orderBy('inventory_number').limit(12).execute()).map((d) => d.id);
    // What the demo lacks: a PDF manual with its searchable text, and a correction (an entry referring to an earlier one).
    const manager = await sqlite.as('manager');
    const fd = new FormData();
    for (const [k, v] of Object.entries({ deviceId: deviceIds[0]!, purpose: 'manual', visibility: 'all', file: await manualPdf() })) fd.append(k, v);
    await manager.files.upload(fd);
    const original = await db.selectFrom('logbook_entries').select('id').where('device_id', '=', deviceIds[1]!).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    const at = NOW.toISOString();
    const managerId = await sqlite.userId('manager');
    await db.transaction().execute((trx) =>
      appendEntry(trx, { deviceId: deviceIds[1]!, kind: 'correction', occurredAt: at, recordedAt: at, recordedBy: managerId, correctsEntryId: original.id, text: 'Prüfer berichtigt' }),
    );
    target = await createPgDatabase('medreg_t_migrate');
  });
  afterAll(async () => {
    await postgres?.close();
    await target?.drop();
    await sqlite?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies every table, says how fast, and verifies every logbook chain on PostgreSQL', async () => {
    const run = await migrate('--from', dataDir, '--to', target.url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/logbook_entries: \d+ rows in [\d.]+ s \(\d+ rows\/s\)/);
    expect(run.stdout).toContain('Row counts equal in every table.');
    const devices = Number((await sqlite.services.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(run.stdout).toMatch(new RegExp(`Checked \\d+ logbook entries of ${devices} devices on PostgreSQL: all chains intact.`));

    const pg = createDb({ databaseUrl: target.url });
    postgres = await testAppOn({ ...pg, drop: () => pg.close() }, { now: () => NOW, seed: false });
    const tables = await sqliteTables(sqlite.services.db);
    expect(tables).not.toContain('file_texts_fts');
    expect(tables).toContain('file_texts');
    const [from, to] = await Promise.all([rowCounts(sqlite.services.db, tables), rowCounts(postgres.services.db, tables)]);
    // The verification is recorded on PostgreSQL: one check more there.
    expect(Object.fromEntries(to)).toEqual({ ...Object.fromEntries(from), chain_checks: from.get('chain_checks')! + 1 });
    for (const table of ['devices', 'logbook_entries', 'inspection_measurements', 'attachments', 'file_texts', 'users', 'accounts', 'instructions', 'device_obligations'])
      expect(from.get(table), table).toBeGreaterThan(0);
  });

  it('answers the same on both databases: device pages, logbooks, the due list, the search in PDF texts', async () => {
    for (const role of ['nurse', 'technician', 'manager'] as const) {
      const [a, b] = await Promise.all([sqlite.as(role, 'de'), postgres.as(role, 'de')]);
      for (const id of deviceIds) {
        const got = await a.devices.get({ id }).catch((e: Error) => e.message);
        expect(await b.devices.get({ id }).catch((e: Error) => e.message), `${role} devices.get ${id}`).toEqual(got);
        const entries = await a.logbook.list({ deviceId: id }).catch((e: Error) => e.message);
        expect(await b.logbook.list({ deviceId: id }).catch((e: Error) => e.message), `${role} logbook.list ${id}`).toEqual(entries);
      }
      expect(await b.devices.list({ pageSize: 100 }), `${role} devices.list`).toEqual(await a.devices.list({ pageSize: 100 }));
      const hits = (r: Awaited<ReturnType<typeof a.devices.list>>) => r.fileHits.map((h) => [h.attachmentId, h.page]);
      expect(hits(await b.devices.list({ q: 'Okklusion', files: true })), `${role} PDF search`).toEqual(hits(await a.devices.list({ q: 'Okklusion', files: true })));
      if (role === 'nurse') continue;
      for (const window of ['open', 'overdue', 'failed'] as const)
        expect(await b.due.list({ window, pageSize: 200 }), `${role} due.list ${window}`).toEqual(await a.due.list({ window, pageSize: 200 }));
      expect(await b.due.overview({}), `${role} due.overview`).toEqual(await a.due.overview({}));
    }
    const manager = await postgres.as('manager');
    expect((await manager.devices.list({ q: 'Okklusion', files: true })).fileHits).toHaveLength(1);
  });

  it('refuses a database that already holds a register, and changes nothing there', async () => {
    const tables = await sqliteTables(sqlite.services.db);
    const before = await rowCounts(postgres.services.db, tables);
    const run = await migrate('--from', join(dataDir, 'medreg.sqlite'), '--to', target.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Refused: The PostgreSQL database is not empty (rows in ');
    expect(await rowCounts(postgres.services.db, tables)).toEqual(before);
  });

  it.each([
    [['--from', '/nowhere/medreg', '--to', 'postgres://localhost/x'], 'Nothing at /nowhere/medreg'],
    [['--from', '.', '--to', 'mysql://localhost/x'], '--to must be a postgres:// URL'],
  ])('%j: exit code 2 with what to fix', async (args, message) => {
    const run = await migrate(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: npm run migrate-to-postgres');
  });
});
