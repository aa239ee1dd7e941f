import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepared } from './prepared.js';
import { createDb } from './connection.js';
import { migrateToLatest } from './migrate.js';
import { createPgDatabase, createTestDb, testDialects, type TestDb } from './testing.js';

const makers = [
  { id: 'm1', name: 'Dräger', address: 'Lübeck', country: 'DE' },
  { id: 'm2', name: 'B. Braun', address: 'Melsungen', country: 'DE' },
  { id: 'm3', name: 'Philips', address: 'Amsterdam', country: 'NL' },
  { id: 'm4', name: 'GE', address: 'Chicago', country: null },
];

const byCountry = prepared((db, p: { country: string | null; limit: number }) =>
  db.selectFrom('manufacturers').select(['id', 'name']).where('country', '=', p.country).orderBy('id').limit(p.limit),
);
const byIds = prepared((db, p: { ids: string[]; prefix: string }) =>
  db.selectFrom('manufacturers').select('id').where('id', 'in', p.ids).where('name', 'like', sql<string>`${p.prefix} || '%'`).orderBy('id'),
);

describe.each(testDialects)('prepared queries (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await t.db.insertInto('manufacturers').values(makers).execute();
  });
  afterAll(() => t.drop());

  it('compiles once and runs with each call’s values: the rows the built query returns', async () => {
    for (const [country, limit] of [['DE', 5], ['DE', 1], ['NL', 5], ['XX', 5]] as const) {
      const built = await t.db.selectFrom('manufacturers').select(['id', 'name']).where('country', '=', country).orderBy('id').limit(limit).execute();
      expect(await byCountry.all(t.db, { country, limit })).toEqual(built);
    }
    expect(await byCountry.first(t.db, { country: 'NL', limit: 9 })).toEqual({ id: 'm3', name: 'Philips' });
    expect(await byCountry.first(t.db, { country: 'XX', limit: 9 })).toBeUndefined();
  });

  it('an array becomes an in-list of its length; another length is another compiled query', async () => {
    expect(await byIds.all(t.db, { ids: ['m1'], prefix: '' })).toEqual([{ id: 'm1' }]);
    expect(await byIds.all(t.db, { ids: ['m4', 'm2', 'm3'], prefix: '' })).toEqual([{ id: 'm2' }, { id: 'm3' }, { id: 'm4' }]);
    expect(await byIds.all(t.db, { ids: ['m1', 'm2', 'm3'], prefix: 'B' })).toEqual([{ id: 'm2' }]);
    expect(await byIds.all(t.db, { ids: ['m1', 'm9'], prefix: 'D' })).toEqual([{ id: 'm1' }]);
  });

  it('a long in-list (a chunk of a due list) is compiled per use, with the same rows', async () => {
    const ids = [...Array.from({ length: 40 }, (_, i) => `x${i}`), 'm3', 'm1'];
    expect(await byIds.all(t.db, { ids, prefix: '' })).toEqual([{ id: 'm1' }, { id: 'm3' }]);
    expect(await byIds.all(t.db, { ids: ids.slice(0, 41), prefix: '' })).toEqual([{ id: 'm3' }]);
  });

  it('the shape tells queries apart whose SQL differs in more than the values', async () => {
    const q = prepared((db, p: { country: string }, shape) => {
      const base = db.selectFrom('manufacturers').select('id').where('country', '=', p.country);
      return shape === 'desc' ? base.orderBy('id', 'desc') : base.orderBy('id');
    });
    expect(await q.all(t.db, { country: 'DE' })).toEqual([{ id: 'm1' }, { id: 'm2' }]);
    expect(await q.all(t.db, { country: 'DE' }, 'desc')).toEqual([{ id: 'm2' }, { id: 'm1' }]);
    expect(await q.all(t.db, { country: 'DE' })).toEqual([{ id: 'm1' }, { id: 'm2' }]);
  });

  it('runs inside a transaction, on the transaction’s connection', async () => {
    await t.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('manufacturers').values({ id: 'm5', name: 'Mindray', address: 'Shenzhen', country: 'CN' }).execute();
        expect(await byCountry.all(trx, { country: 'CN', limit: 5 })).toEqual([{ id: 'm5', name: 'Mindray' }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await byCountry.all(t.db, { country: 'CN', limit: 5 })).toEqual([]);
  });

  it('a read outside a transaction neither sees nor slips into one that is open on the connection', async () => {
    let inside!: () => void;
    const paused = new Promise<void>((r) => (inside = r));
    let resume!: () => void;
    const held = new Promise<void>((r) => (resume = r));
    const trx = t.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('manufacturers').values({ id: 'm6', name: 'Nihon Kohden', address: 'Tokyo', country: 'JP' }).execute();
        inside();
        await held;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await paused;
    // SQLite has one connection: this read waits for the transaction to end instead of reading its uncommitted row.
    const read = byCountry.all(t.db, { country: 'JP', limit: 5 });
    resume();
    expect(await read).toEqual([]);
    await trx;
  });

  it.runIf(dialect === 'postgres')('on PostgreSQL a statement that runs again is named, parsed once per connection; one run once is not', async () => {
    const named = await t.db.transaction().execute(async (trx) => {
      for (const country of ['DE', 'NL', 'DE']) await byCountry.all(trx, { country, limit: 5 });
      await trx.selectFrom('manufacturers').select('address').where('name', '=', 'GE').execute();
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
      return rows;
    });
    const byCountryText = /^select "id", "name" from "manufacturers" where "country" = \$1/;
    expect(named.filter((r) => byCountryText.test(r.statement))).toEqual([{ name: expect.stringMatching(/^medreg_\d+$/), statement: expect.any(String) }]);
    expect(named.filter((r) => r.statement.includes('"address"'))).toEqual([]);
  });

  it.runIf(dialect === 'postgres')('with named statements off (behind a pooler that does not track them) nothing is named', async () => {
    const pgDb = await createPgDatabase();
    const plain = createDb({ databaseUrl: pgDb.url, namedStatements: false });
    try {
      await migrateToLatest(plain.db);
      const named = await plain.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 3; i++) await byCountry.all(trx, { country: 'DE', limit: 5 });
        return (await sql<{ name: string }>`select name from pg_prepared_statements`.execute(trx)).rows;
      });
      expect(named).toEqual([]);
    } finally {
      await plain.close();
      await pgDb.drop();
    }
  });

  it('refuses a builder that tests a value instead of using it, or puts it into the SQL text', async () => {
    const tests = prepared((db, p: { country: string; all: boolean }) =>
      db.selectFrom('manufacturers').select('id').$if(!p.all, (qb) => qb.where('country', '=', p.country)),
    );
    await expect(tests.all(t.db, { country: 'DE', all: false })).rejects.toThrow(/all not used as a value/);
    const literal = prepared((db, p: { limit: number }) => db.selectFrom('manufacturers').select('id').limit(sql.lit(p.limit)));
    await expect(literal.all(t.db, { limit: 1 })).rejects.toThrow();
  });
});
