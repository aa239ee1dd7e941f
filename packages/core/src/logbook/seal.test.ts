import { sql, type Kysely } from 'kysely';
import { createDb, type Database } from '@medreg/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL, testDialects } from '@medreg/db/testing';
import { behindTheBack, createTestApp, type TestApp } from '../testing.js';
import { startJobs } from '../jobs.server.js';
import { appendEntry } from './append.server.js';
import { weeklyChainCheck } from './check.server.js';
import { entryHash } from './chain.js';
import { headAt, parseSeal, sealText, sealer } from './seal.js';
import { compareSeal, loadChains, verifyAllChains } from './verify.server.js';

const at = (iso: string) => new Date(iso);

describe('the logbook seal (pure)', () => {
  const entries = [
    { seq: 1, recorded_at: '2026-01-01T08:00:00.000Z', hash: 'h1' },
    { seq: 2, recorded_at: '2026-01-02T08:00:00.000Z', hash: 'h2' },
    { seq: 3, recorded_at: '2026-01-03T08:00:00.000Z', hash: 'h3' },
  ];
  it.each<[string, string, string | null]>([
    ['before the first entry', '2025-12-31T23:59:59.999Z', null],
    ['at an entry’s instant, that entry', '2026-01-02T08:00:00.000Z', 'h2'],
    ['between two entries, the earlier', '2026-01-02T20:00:00.000Z', 'h2'],
    ['after the last', '2027-01-01T00:00:00.000Z', 'h3'],
  ])('the head %s', (_name, instant, hash) => {
    expect(headAt(entries, at(instant), 'd')?.hash ?? null).toBe(hash);
    expect(headAt([...entries].reverse(), at(instant), 'd')?.hash ?? null).toBe(hash);
  });

  it('reads back its own text, and a seal typed from paper', () => {
    const s = sealer(at('2026-12-07T14:00:00.000Z'));
    s.add({ deviceId: 'a', seq: 3, hash: 'x' });
    s.add({ deviceId: 'b', seq: 1, hash: 'y' });
    const made = s.done();
    const text = sealText({ ...made, checkId: 'c1' });
    expect(text).toContain('Devices: 2');
    expect(parseSeal(text)).toEqual({ sealedAt: made.sealedAt, seal: made.seal });
    const typed = `sealed at: 2026-12-07T14:00:00Z\nSEAL: ${made.seal.toUpperCase().replace(/(.{4})/g, '$1 ')}`;
    expect(parseSeal(typed)).toEqual({ sealedAt: made.sealedAt, seal: made.seal });
    expect(parseSeal(`Sealed at: 2026-12-07T14:00:00.000Z\nSeal: ${made.seal.slice(0, 63)}`)).toBeNull();
    expect(parseSeal('Seal: abc')).toBeNull();
    expect(parseSeal('')).toBeNull();
  });

  it('depends on every head, and refuses heads out of device order', () => {
    const seal = (heads: [string, number, string][]) => {
      const s = sealer(at('2026-12-07T14:00:00.000Z'));
      for (const [deviceId, seq, hash] of heads) s.add({ deviceId, seq, hash });
      return s.done().seal;
    };
    const base = seal([['a', 3, 'x'], ['b', 1, 'y']]);
    expect(seal([['a', 3, 'x'], ['b', 1, 'y']])).toBe(base);
    expect(seal([['a', 2, 'x'], ['b', 1, 'y']])).not.toBe(base);
    expect(seal([['a', 3, 'z'], ['b', 1, 'y']])).not.toBe(base);
    expect(seal([['a', 3, 'x']])).not.toBe(base);
    expect(() => seal([['b', 1, 'y'], ['a', 3, 'x']])).toThrow(/out of order/);
  });
});

describe.each(testDialects)('the logbook seal on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());
  const db = () => app.services.db;
  // An hour from now: the seal covers everything the demo seed wrote.
  const checkAt = new Date(Date.now() + 3_600_000);
  const technician = () => app.userId('technician');

  /** Some device's entries, the last recorded before the seal, with the database's own values. */
  async function aDevice(offset: number) {
    const ids = await db().selectFrom('devices').select('id').orderBy('id').offset(offset).limit(1).execute();
    const id = ids[0]!.id;
    return { id, chain: (await loadChains(db(), [id])).get(id)! };
  }

  /** A device whose logbook holds more than one entry: the seed gives some devices a single one, and ids are random. */
  async function aDeviceWithHistory() {
    const row = await db().selectFrom('logbook_entries').select('device_id').groupBy('device_id').having((eb) => eb.fn.countAll(), '>', 1).orderBy('device_id').limit(1).executeTakeFirstOrThrow();
    return { id: row.device_id, chain: (await loadChains(db(), [row.device_id])).get(row.device_id)! };
  }

  it('a check seals the logbooks as they stood a minute before it; later entries leave that seal as it was', async () => {
    const by = await technician();
    const check = await verifyAllChains(db(), { startedBy: null, now: () => checkAt });
    expect(check.sealedAt).toEqual(new Date(checkAt.getTime() - 60_000));
    expect(check.seal).toMatch(/^[0-9a-f]{64}$/);
    const row = await db().selectFrom('chain_checks').select(['sealed_at', 'seal']).where('id', '=', check.id).executeTakeFirstOrThrow();
    expect({ sealedAt: new Date(row.sealed_at!), seal: row.seal }).toEqual({ sealedAt: check.sealedAt, seal: check.seal });
    expect(await compareSeal(db(), check)).toEqual({ matches: true, devices: check.devices });

    const { id } = await aDevice(3);
    const later = new Date(checkAt.getTime() + 60_000).toISOString();
    await db().transaction().execute((trx) => appendEntry(trx, { deviceId: id, kind: 'note', occurredAt: later, recordedAt: later, recordedBy: by, text: 'Nach dem Siegel' }));
    expect((await compareSeal(db(), check)).matches).toBe(true);
    // An entry slipped in before the seal's instant does change it.
    const before = new Date(check.sealedAt.getTime() - 1).toISOString();
    const { id: other } = await aDevice(4);
    await db().transaction().execute((trx) => appendEntry(trx, { deviceId: other, kind: 'note', occurredAt: before, recordedAt: before, recordedBy: by, text: 'Rückdatiert' }));
    expect((await compareSeal(db(), check)).matches).toBe(false);
  });

  it('waits for a writer that is still writing an entry recorded before the seal (a long import), and seals it', async () => {
    const by = await technician();
    // Another connection to the same database, as an import has its own.
    const other =
      dialect === 'sqlite'
        ? createDb({ sqliteFile: (await sql<{ name: string; file: string }>`pragma database_list`.execute(db())).rows.find((r) => r.name === 'main')!.file })
        : createDb({ databaseUrl: Object.assign(new URL(TEST_PG_URL), { pathname: `/${(await sql<{ name: string }>`select current_database() as name`.execute(db())).rows[0]!.name}` }).href });
    const writer: Kysely<Database> = other.db;
    const { id } = await aDevice(11);
    const recorded = new Date(checkAt.getTime() - 30 * 60_000).toISOString();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const written = new Promise<void>((r) => (inserted = r));
    const writing = writer.transaction().execute(async (trx) => {
      await appendEntry(trx, { deviceId: id, kind: 'note', occurredAt: recorded, recordedAt: recorded, recordedBy: by, text: 'Import, noch offen' });
      inserted();
      await held;
    });
    await written;
    const checking = verifyAllChains(db(), { startedBy: null, now: () => checkAt });
    // Long enough for a check that does not wait to have read this device before the commit (it then fails below).
    await new Promise((r) => setTimeout(r, 1500));
    release();
    await writing;
    const check = await checking;
    expect(await compareSeal(db(), check)).toEqual({ matches: true, devices: check.devices });
    await other.close();
  });

  it('shows a chain rewritten with all its hashes, which the chain check cannot', async () => {
    const check = await verifyAllChains(db(), { startedBy: null, now: () => checkAt });
    expect(check.broken).toBe(0);
    const { chain } = await aDeviceWithHistory();
    expect(chain.length).toBeGreaterThan(1);
    // The attacker edits the first entry and computes every hash after it anew.
    await behindTheBack(db(), dialect, async () => {
      let prev = chain[0]!.prev_hash;
      for (const e of chain) {
        const content = { ...e, text: e.seq === 1 ? 'umgeschrieben' : e.text };
        const hash = entryHash(prev, content);
        await sql`update logbook_entries set text = ${content.text}, prev_hash = ${prev}, hash = ${hash} where id = ${e.id}`.execute(db());
        prev = hash;
      }
    });
    const after = await verifyAllChains(db(), { startedBy: null, now: () => checkAt });
    expect(after.broken).toBe(0);
    expect(await compareSeal(db(), check)).toEqual({ matches: false, devices: check.devices });
  });

  it('shows a last entry removed, which the chain check cannot', async () => {
    const by = await technician();
    const { id } = await aDevice(9);
    const recorded = new Date(checkAt.getTime() - 120_000).toISOString();
    const last = await db().transaction().execute((trx) => appendEntry(trx, { deviceId: id, kind: 'note', occurredAt: recorded, recordedAt: recorded, recordedBy: by, text: 'Defekt gemeldet' }));
    const check = await verifyAllChains(db(), { startedBy: null, now: () => checkAt });
    await behindTheBack(db(), dialect, () => sql`delete from logbook_entries where id = ${last.id}`.execute(db()));
    expect((await verifyAllChains(db(), { startedBy: null, now: () => checkAt })).broken).toBe(0);
    expect((await compareSeal(db(), check)).matches).toBe(false);
  });
});

describe.each(testDialects)('the weekly check on %s', (dialect) => {
  let app: TestApp;
  let clock = new Date();
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app.close());
  const checks = () => app.services.db.selectFrom('chain_checks').select(['started_by', 'seal']).execute();

  it('checks and seals when no check began within a week, and not again before the week is over', async () => {
    expect(await checks()).toEqual([]);
    await startJobs(app.services, { intervalMs: 3_600_000 }).stop();
    expect(await checks()).toEqual([{ started_by: null, seal: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    clock = new Date(clock.getTime() + 6 * 86_400_000);
    expect(await weeklyChainCheck(app.services)).toBe(false);
    clock = new Date(clock.getTime() + 86_400_000 + 1);
    expect(await weeklyChainCheck(app.services)).toBe(true);
    expect(await checks()).toHaveLength(2);
  });
});
