import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, type TestApp } from '../testing.js';
import { models } from '../seed/catalog.js';
import { generatedRegisterCsv } from './generate.js';
import { importFinished } from './run.server.js';
import { loadChains } from '../logbook/verify.server.js';
import { verifyChain } from '../logbook/verify.js';

const N = 100_000;

/** The "done when": a register of 100,000 devices comes in from one CSV file. */
describe.each(testDialects)('importing 100,000 devices on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  const count = async (table: 'devices' | 'logbook_entries' | 'device_obligations') =>
    Number((await app.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('reads, checks and imports a generated 100,000-row CSV', { timeout: 300_000 }, async () => {
    const before = { devices: await count('devices'), entries: await count('logbook_entries'), obligations: await count('device_obligations') };
    const manager = await app.as('manager');
    const t0 = performance.now();
    const up = await manager.imports.upload({ file: new File([generatedRegisterCsv(N)], 'altbestand.csv') });
    const check = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    const t1 = performance.now();
    expect(check).toMatchObject({ rows: N, valid: N, problemCount: 0 });
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    const t2 = performance.now();
    console.log(`${dialect}: upload + dry run ${((t1 - t0) / 1000).toFixed(1)} s, import ${((t2 - t1) / 1000).toFixed(1)} s`);
    expect(await manager.imports.progress({ importId })).toMatchObject({ phase: 'done', created: N, done: N });
    // Each model's assigned inspection types, for every 20th device (the file cycles through the 20 models).
    const perCycle = models.reduce((n, m) => n + m.types.length, 0);
    expect(N % models.length).toBe(0);
    expect({ devices: await count('devices'), entries: await count('logbook_entries'), obligations: await count('device_obligations') }).toEqual({
      devices: before.devices + N,
      entries: before.entries + N,
      obligations: before.obligations + (N / models.length) * perCycle,
    });
    // Every imported device's one-entry chain verifies (read in pages, as the integrity check does).
    const ids = (await app.services.db.selectFrom('devices').select('id').where('inventory_number', 'like', 'GEN-%').execute()).map((d) => d.id);
    expect(ids).toHaveLength(N);
    let verified = 0;
    for (let i = 0; i < ids.length; i += 2000) {
      const chains = await loadChains(app.services.db, ids.slice(i, i + 2000));
      for (const entries of chains.values()) if (verifyChain(entries).ok && entries.length === 1) verified++;
    }
    expect(verified).toBe(N);
    const codes = await app.services.db.selectFrom('devices').select((eb) => eb.fn.count('code').distinct().as('n')).executeTakeFirstOrThrow();
    expect(Number(codes.n)).toBe(before.devices + N);
  });
});
