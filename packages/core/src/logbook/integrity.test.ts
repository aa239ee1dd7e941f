import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { behindTheBack, createTestApp, rejection, type TestApp } from '../testing.js';
import { entryHash, GENESIS_HASH } from './chain.js';
import { verifyChain, type StoredEntry } from './verify.js';
import { verifyAllChains, verifyDevice } from './verify.server.js';

/** A well-formed chain of n entries, built the way appendEntry builds it. */
function chain(n: number): StoredEntry[] {
  const out: StoredEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = {
      id: `e${seq}`, device_id: 'd', seq, kind: 'note' as const, occurred_at: `2026-01-0${seq}T08:00:00.000Z`, recorded_at: `2026-01-0${seq}T08:00:00.000Z`,
      recorded_by: 'u', performed_by: null, result: null, text: `entry ${seq}`, corrects_entry_id: null, inspection_type_id: null,
      test_instrument_id: null, due_on: null, next_due_on: null, details: null, submission_id: null, measurements: [`pe=${seq * 10} mOhm`], attachments: [],
    };
    const hash = entryHash(prev, content);
    out.push({ ...content, prev_hash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('verifyChain', () => {
  const cases: { name: string; entries: () => StoredEntry[]; expected: { ok: true } | { ok: false; seq: number; reason: string } }[] = [
    { name: 'an empty logbook', entries: () => [], expected: { ok: true } },
    { name: 'an intact chain', entries: () => chain(5), expected: { ok: true } },
    { name: 'edited text', entries: () => chain(5).map((e) => (e.seq === 3 ? { ...e, text: 'changed' } : e)), expected: { ok: false, seq: 3, reason: 'content' } },
    { name: 'edited measured value', entries: () => chain(5).map((e) => (e.seq === 2 ? { ...e, measurements: ['pe=999 mOhm'] } : e)), expected: { ok: false, seq: 2, reason: 'content' } },
    { name: 'a removed middle entry', entries: () => chain(5).filter((e) => e.seq !== 3), expected: { ok: false, seq: 4, reason: 'sequence' } },
    { name: 'a removed last entry', entries: () => chain(5).slice(0, 4), expected: { ok: true } },
    {
      name: 'a removed entry with the sequence renumbered',
      entries: () => chain(5).filter((e) => e.seq !== 2).map((e, i) => ({ ...e, seq: i + 1 })),
      // Renumbering changes the content of every later entry; the first one that no longer links shows first.
      expected: { ok: false, seq: 2, reason: 'link' },
    },
    {
      name: 'an entry re-hashed after editing (the next one no longer links)',
      entries: () => {
        const c = chain(4);
        const edited = { ...c[1]!, text: 'forged' };
        c[1] = { ...edited, hash: entryHash(edited.prev_hash, edited) };
        return c;
      },
      expected: { ok: false, seq: 3, reason: 'link' },
    },
    { name: 'swapped entries', entries: () => { const c = chain(3); return [c[0]!, c[2]!, c[1]!]; }, expected: { ok: false, seq: 3, reason: 'sequence' } },
  ];
  it.each(cases)('$name', ({ entries, expected }) => {
    expect(verifyChain(entries())).toMatchObject(expected);
  });
});

describe.each(testDialects)('logbook integrity on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());
  const db = () => app.services.db;

  it('verifies every chain of the demo hospital', async () => {
    const entries = Number((await db().selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const devices = Number((await db().selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const progress: number[] = [];
    const result = await verifyAllChains(db(), { startedBy: null, now: () => new Date(), onProgress: (done) => progress.push(done) });
    expect(result).toMatchObject({ devices, entries, broken: 0, findings: [] });
    expect(progress.at(-1)).toBe(devices);
  });

  it('catches a row edited behind the application, names it, and records the check', async () => {
    // An inspection with measured values that is not the device's last entry.
    const target = await db()
      .selectFrom('logbook_entries as e')
      .innerJoin('devices as d', 'd.id', 'e.device_id')
      .select(['e.id', 'e.seq', 'e.device_id', 'd.inventory_number'])
      .where('e.kind', '=', 'inspection')
      .where((eb) => eb.exists(eb.selectFrom('inspection_measurements as m').select('m.id').whereRef('m.entry_id', '=', 'e.id')))
      .where((eb) => eb.exists(eb.selectFrom('logbook_entries as later').select('later.id').whereRef('later.device_id', '=', 'e.device_id').whereRef('later.seq', '>', 'e.seq')))
      .orderBy('e.id')
      .executeTakeFirstOrThrow();
    // The application itself cannot do this.
    await expect(db().updateTable('logbook_entries').set({ result: 'passed' }).where('id', '=', target.id).execute()).rejects.toThrow(/append-only/);
    expect(await verifyDevice(db(), target.device_id)).toMatchObject({ ok: true });

    await behindTheBack(db(), dialect, () => sql`update logbook_entries set result = ${'passed'}, text = ${'alles gut'} where id = ${target.id}`.execute(db()));
    expect(await verifyDevice(db(), target.device_id)).toMatchObject({ ok: false, entryId: target.id, seq: target.seq, reason: 'content' });

    const admin = await app.as('admin');
    expect(await admin.integrity.start()).toEqual({ started: true });
    let status = await admin.integrity.status();
    for (let i = 0; i < 200 && status.running; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await admin.integrity.status();
    }
    const last = status.checks[0]!;
    expect(last.finished_at).not.toBeNull();
    expect(last.broken).toBe(1);
    expect(last.findings).toEqual([{ deviceId: target.device_id, inventoryNumber: target.inventory_number, code: expect.any(String), entryId: target.id, seq: target.seq, reason: 'content' }]);
    expect(last.started_by_name).toBeTruthy();
  });

  it('sees a check that another process of the app runs, and one whose process stopped as over', async () => {
    const other = app.otherProcess();
    const admin = await other.as('admin');
    const id = crypto.randomUUID();
    // Another process is 300 devices into a check of 1,000: its row is unfinished and it reports progress.
    await db().insertInto('chain_checks').values({ id, started_by: await app.userId('admin'), started_at: new Date().toISOString(), finished_at: null, devices: 0, entries: 0, broken: 0, findings: null }).execute();
    app.services.progress.write('chain-check', id, { done: 300, total: 1000 });
    expect((await admin.integrity.status()).running).toEqual({ done: 300, total: 1000 });
    expect(await admin.integrity.start()).toEqual({ started: false });
    // That process stopped: no more reports, so the check is over and a new one may start.
    app.services.progress.remove('chain-check', id);
    expect((await admin.integrity.status()).running).toBeNull();
    expect(await admin.integrity.start()).toEqual({ started: true });
    let status = await admin.integrity.status();
    for (let i = 0; i < 200 && status.running; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await admin.integrity.status();
    }
    expect(status.checks[0]!.finished_at).not.toBeNull();
    await db().deleteFrom('chain_checks').where('id', '=', id).execute();
  });

  it('a check that ends while the status is read shows as running or as finished, never as neither', async () => {
    const id = crypto.randomUUID();
    await db().insertInto('chain_checks').values({ id, started_by: await app.userId('admin'), started_at: new Date().toISOString(), finished_at: null, devices: 0, entries: 0, broken: 0, findings: null }).execute();
    app.services.progress.write('chain-check', id, { done: 999, total: 1000 });
    // The check ends (its report goes) just after the list of checks is read.
    const other = app.otherProcess();
    other.services.db = db().withPlugin({
      transformQuery: ({ node }) => node,
      async transformResult({ result }) {
        if ((result.rows as { id?: string }[]).some((r) => r.id === id)) app.services.progress.remove('chain-check', id);
        return result;
      },
    });
    const status = await (await other.as('admin')).integrity.status();
    expect(status.running !== null || status.checks.find((c) => c.id === id)!.finished_at !== null).toBe(true);
    app.services.progress.remove('chain-check', id);
    await db().deleteFrom('chain_checks').where('id', '=', id).execute();
  });

  it('catches a measured value changed in its own table', async () => {
    const m = await db()
      .selectFrom('inspection_measurements as m')
      .innerJoin('logbook_entries as e', 'e.id', 'm.entry_id')
      .select(['m.id', 'e.id as entry_id', 'e.device_id', 'e.seq'])
      .where('m.value_number', 'is not', null)
      .orderBy('m.id', 'desc')
      .executeTakeFirstOrThrow();
    await db().updateTable('inspection_measurements').set((eb) => ({ value_number: eb('value_number', '/', 10) })).where('id', '=', m.id).execute();
    expect(await verifyDevice(db(), m.device_id)).toMatchObject({ ok: false, entryId: m.entry_id, seq: m.seq, reason: 'content' });
  });

  it('catches a file attached to an entry behind the application', async () => {
    // An entry of a device the tests above left intact.
    const entries = await db().selectFrom('logbook_entries').select(['id', 'device_id', 'seq', 'recorded_by', 'recorded_at']).orderBy('id').limit(50).execute();
    let e = entries[0]!;
    for (const candidate of entries) if ((await verifyDevice(db(), (e = candidate).device_id)).ok) break;
    expect(await verifyDevice(db(), e.device_id)).toMatchObject({ ok: true });
    await db()
      .insertInto('attachments')
      .values({
        id: crypto.randomUUID(), device_id: e.device_id, entry_id: e.id, sha256: 'a'.repeat(64), media_type: 'application/pdf', size: 1,
        preview_sha256: null, original_name: 'nachgereicht.pdf', purpose: 'protocol', visibility: 'all', uploaded_by: e.recorded_by,
        uploaded_at: e.recorded_at, withdrawn_at: null, withdrawn_by: null,
      })
      .execute();
    expect(await verifyDevice(db(), e.device_id)).toMatchObject({ ok: false, entryId: e.id, seq: e.seq, reason: 'content' });
  });

  it('is for managers and admins only', async () => {
    for (const role of ['nurse', 'technician'] as const) {
      const caller = await app.as(role);
      expect((await rejection(caller.integrity.start())).code).toBe('FORBIDDEN');
      expect((await rejection(caller.integrity.status())).code).toBe('FORBIDDEN');
    }
    expect((await (await app.as('manager')).integrity.status()).checks.length).toBeGreaterThan(0);
  });
});

describe('npm run verify-logbook', () => {
  it('exits 0 on an intact register and 1 naming the broken entry after tampering (SQLite file in DATA_DIR)', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFile } = await import('node:child_process');
    const { startApp } = await import('../services.server.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'medreg-verify-'));
    const run = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile('npm', ['run', '-s', 'verify-logbook', ...(args.length ? ['--', ...args] : [])], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, DATA_DIR: dataDir, INIT_CWD: '' } }, (err, stdout) =>
          resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout }),
        ),
      );
    try {
      const app = await startApp({ dataDir, baseUrl: 'http://localhost:3000', seedDemo: true, authSecret: 'x'.repeat(32) });
      const target = await app.services.db.selectFrom('logbook_entries').innerJoin('devices as d', 'd.id', 'logbook_entries.device_id').select(['logbook_entries.id', 'seq', 'd.inventory_number']).where('seq', '=', 2).orderBy('logbook_entries.id').executeTakeFirstOrThrow();
      await app.close();

      const intact = await run();
      expect(intact.out).toMatch(/All chains intact\./);
      expect(intact.code).toBe(0);
      // The seal to keep, and a comparison with it (and with one that is not this register's).
      const seal = /MedReg logbook seal\n[\s\S]*?Seal: [0-9a-f]{64}\n/.exec(intact.out)?.[0];
      expect(seal).toBeDefined();
      const sealFile = join(dataDir, 'kept-seal.txt');
      writeFileSync(sealFile, seal!);
      const same = await run('--seal', sealFile);
      expect(same.out).toMatch(/The seal of \S+ matches/);
      expect(same.code).toBe(0);
      writeFileSync(sealFile, seal!.replace(/Seal: [0-9a-f]/, (m) => (m.endsWith('0') ? `${m.slice(0, -1)}1` : `${m.slice(0, -1)}0`)));
      const other = await run('--seal', sealFile);
      expect(other.out).toMatch(/does NOT match/);
      expect(other.code).toBe(1);

      const reopened = await startApp({ dataDir, baseUrl: 'http://localhost:3000', seedDemo: false, authSecret: 'x'.repeat(32) });
      await sql`drop trigger logbook_no_update`.execute(reopened.services.db);
      await sql`update logbook_entries set occurred_at = ${'2020-01-01T00:00:00.000Z'} where id = ${target.id}`.execute(reopened.services.db);
      await reopened.close();

      const broken = await run();
      expect(broken.code).toBe(1);
      expect(broken.out).toContain(`BROKEN  device ${target.inventory_number}`);
      expect(broken.out).toContain(`entry #2 (id ${target.id}), content`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
