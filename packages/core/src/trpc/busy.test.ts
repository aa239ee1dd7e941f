import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '@medreg/i18n';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { today } from '../inspections/due.js';
import { describeError } from './describe.js';

/**
 * A write on SQLite while another connection holds the write lock longer than the write wait (a large CSV import
 * does, on its own connection): refused as busy, in the user's language, with nothing written; saved once the lock
 * is free. The wait is cut to 0.3 s here (it is 30 s by default).
 */
describe('a write while another connection holds SQLite’s write lock', () => {
  let app: TestApp;
  let other: SQLite.Database;
  beforeAll(async () => {
    process.env.SQLITE_WRITE_WAIT_SECONDS = '0.3';
    try {
      app = await createTestApp('sqlite');
    } finally {
      delete process.env.SQLITE_WRITE_WAIT_SECONDS;
    }
    const file = (await sql<{ name: string; file: string }>`pragma database_list`.execute(app.services.db)).rows.find((r) => r.name === 'main')!.file;
    other = new SQLite(file);
  });
  afterAll(async () => {
    if (other?.inTransaction) other.exec('rollback');
    other?.close();
    await app?.close();
  });

  const entries = async () => Number((await app.services.db.selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('answers "busy, save again" (503), writes nothing, and saves once the lock is free', async () => {
    const tech = { de: await app.as('technician', 'de'), en: await app.as('technician', 'en') };
    const device = await app.services.db
      .selectFrom('devices')
      .innerJoin('model_inspection_types as mit', 'mit.model_id', 'devices.model_id')
      .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
      .where('it.code', '=', 'STK')
      .where('devices.status', '=', 'in_service')
      .select(['devices.id', 'it.id as typeId'])
      .orderBy('devices.inventory_number')
      .executeTakeFirstOrThrow();
    const input = { deviceId: device.id, inspectionTypeId: device.typeId, performedOn: today(new Date()), result: 'failed' as const, text: 'Gehäuse gerissen' };
    const before = await entries();

    other.exec('begin immediate');
    for (const locale of ['de', 'en'] as const)
      expect(await rejection(tech[locale].inspections.record(input), locale)).toEqual({ code: 'SERVICE_UNAVAILABLE', message: translator(locale)('errors.busy'), fieldErrors: null });
    // The error itself carries the code, so that tRPC's HTTP answer is 503, not 500.
    await expect(tech.en.inspections.record(input)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    // Reads go on meanwhile.
    expect((await tech.en.devices.get({ id: device.id })).device.id).toBe(device.id);
    other.exec('rollback');

    expect(await entries()).toBe(before);
    await tech.en.inspections.record(input);
    expect(await entries()).toBe(before + 1);
  });
});

/** Routes that call a service directly (not through a procedure) get the same answer from describeError. */
it('describeError answers a busy SQLite error as "busy, save again"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'medreg-busy-'));
  const [holder, writer] = [new SQLite(join(dir, 'busy.sqlite')), new SQLite(join(dir, 'busy.sqlite'), { timeout: 0 })];
  try {
    holder.exec('create table t (x integer); begin immediate');
    const busy = (() => {
      try {
        writer.exec('insert into t values (1)');
      } catch (e) {
        return e;
      }
    })();
    expect(describeError(busy, translator('de'))).toEqual({ code: 'SERVICE_UNAVAILABLE', message: translator('de')('errors.busy'), fieldErrors: null });
  } finally {
    holder.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
