import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, type TestApp } from '../testing.js';
import { importFinished } from './run.server.js';

// The first codes the import draws are ones the register holds already (random codes clash now and then at a
// million devices); everything after comes from the real generator.
const planned: string[] = [];
vi.mock('../devices/short-code.js', async (original) => {
  const real = await original<typeof import('../devices/short-code.js')>();
  return { ...real, newShortCode: () => planned.shift() ?? real.newShortCode() };
});

describe.each(testDialects)('device codes of an import on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  it('draws again a code the register holds already, instead of failing the import', async () => {
    const db = app.services.db;
    const held = await db.selectFrom('devices').select(['id', 'code']).orderBy('code').limit(2).execute();
    const model = await db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.name', 'm.type_designation', 'mf.name as maker'])
      .executeTakeFirstOrThrow();
    const place = await db
      .selectFrom('departments as d')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .select(['d.name as ward', 's.name as site'])
      .executeTakeFirstOrThrow();
    const csv = ['Inventarnummer;Hersteller;Bezeichnung;Typ;Standort;Station', ...['CODE-1', 'CODE-2'].map((n) => [n, model.maker, model.name, model.type_designation, place.site, place.ward].join(';'))].join('\n');
    const manager = await app.as('manager');
    const up = await manager.imports.upload({ file: new File([csv], 'codes.csv', { type: 'text/csv' }) });
    expect((await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested })).problemCount).toBe(0);
    // The first draw of each device is a code the register holds.
    planned.push(held[0]!.code, held[1]!.code);
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    expect(await manager.imports.progress({ importId })).toMatchObject({ phase: 'done', created: 2, error: null });
    expect(planned).toEqual([]);
    const imported = await db.selectFrom('devices').select('code').where('inventory_number', 'in', ['CODE-1', 'CODE-2']).execute();
    expect(imported).toHaveLength(2);
    for (const d of imported) expect(held.map((h) => h.code)).not.toContain(d.code);
    // The devices that held the codes keep them.
    expect((await db.selectFrom('devices').select(['id', 'code']).where('code', 'in', held.map((h) => h.code)).orderBy('code').execute())).toEqual(held);
  });
});
