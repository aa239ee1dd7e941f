import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, type TestApp } from '../testing.js';
import { inventoryNumbersTaken, lowered, startsWith, takenQuery } from './lowered.server.js';

describe.each(testDialects)('inventory numbers without case on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());
  const pg = dialect === 'postgres';

  /** The plan of a statement; on PostgreSQL with sequential scans priced out, so that an index that can serve is used. */
  const plan = (compiled: CompiledQuery) =>
    app.services.db.transaction().execute(async (trx) => {
      if (pg) await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`${pg ? 'explain' : 'explain query plan'} ${compiled.sql}`, [...compiled.parameters]));
      return rows.map((r) => Object.values(r).join(' ')).join('\n');
    });

  it('finds the numbers the register holds whatever their case, and only those', async () => {
    const held = (await app.services.db.selectFrom('devices').select('inventory_number').limit(2).execute()).map((r) => r.inventory_number);
    const asked = [held[0]!, held[1]!.toLowerCase(), 'NIE-VERGEBEN-1', held[0]!];
    expect([...(await inventoryNumbersTaken(app.services.db, asked))].sort()).toEqual([held[0]!, held[1]!.toLowerCase()].sort());
    expect((await inventoryNumbersTaken(app.services.db, [])).size).toBe(0);
  });

  it('looks each number up in the lower() index instead of reading the register (the device form and the import)', async () => {
    expect(await plan(takenQuery(app.services.db, ['MT-1', 'mt-2']).compile(app.services.db))).toContain('devices_inventory_lower_idx');
    const form = app.services.db.selectFrom('devices').select('id').where(lowered('devices.inventory_number', pg), '=', sql<string>`lower(${'MT-1'})`);
    expect(await plan(form.compile())).toContain('devices_inventory_lower_idx');
  });

  it('walks the index for a prefix without case (the device list and the label sheets)', async () => {
    const db = app.services.db;
    const prefix = db.selectFrom('devices').select('inventory_number').where((eb) => startsWith(eb, 'devices.inventory_number', 'mt-1000', pg));
    expect(await plan(prefix.compile())).toContain('devices_inventory_lower_idx');
    const found = (await prefix.execute()).map((r) => r.inventory_number);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((n) => n.toLowerCase().startsWith('mt-1000'))).toBe(true);
    // % and _ are characters here, not wildcards.
    expect(await db.selectFrom('devices').select('id').where((eb) => startsWith(eb, 'devices.inventory_number', 'mt%', pg)).execute()).toEqual([]);
  });
});
