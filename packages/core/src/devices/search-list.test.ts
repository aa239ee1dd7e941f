import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { today } from '../inspections/due.js';
import { listTuning } from './queries.server.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TODAY = today(NOW);

/** The device list's search, filters, counts and favourites through the API, on both databases. */
describe.each(testDialects)('device list and search on %s', (dialect) => {
  let app: TestApp;
  let manager: Awaited<ReturnType<TestApp['as']>>;
  let nurse: Awaited<ReturnType<TestApp['as']>>;
  /** Every device with what the tests compare against, read straight from the tables. */
  let all: { id: string; inventory_number: string; serial_number: string | null; model_name: string; kind: string; manufacturer: string; anlage1: number; anlage2: number; site_id: string; department_id: string | null; status: string }[];
  let nurseWards: string[];
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    manager = await app.as('manager');
    nurse = await app.as('nurse');
    all = await app.services.db
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['devices.id', 'inventory_number', 'serial_number', 'm.name as model_name', 'm.kind', 'mf.name as manufacturer', 'm.anlage1', 'm.anlage2', 'site_id', 'department_id', 'status'])
      .execute();
    const nurseId = await app.userId('nurse');
    nurseWards = (await app.services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', nurseId).execute()).map((r) => r.department_id);
  }, 60_000);
  afterAll(() => app.close());

  const ids = (items: { id: string }[]) => items.map((d) => d.id).sort();
  const idsOf = (rows: { id: string }[]) => rows.map((d) => d.id).sort();
  /** Every device a search finds, over all pages. */
  const everything = async (caller: typeof manager, input: Parameters<typeof manager.devices.list>[0]) => {
    const r = await caller.devices.list({ ...input, pageSize: 200 });
    expect(r.total).toBeLessThanOrEqual(200);
    return r;
  };

  it('finds inventory numbers by prefix in any case, in order, and nothing more', async () => {
    const r = await everything(manager, { q: 'mt-1000' });
    const expected = all.filter((d) => d.inventory_number.toLowerCase().startsWith('mt-1000')).map((d) => d.inventory_number).sort();
    expect(expected.length).toBe(9); // MT-10001 … MT-10009
    expect(r.items.map((d) => d.inventory_number)).toEqual(expected);
    expect(r.total).toBe(9);
    // The exact number finds its device first (the scan page relies on it).
    expect((await manager.devices.list({ q: 'MT-10001', pageSize: 2 })).items[0]!.inventory_number).toBe('MT-10001');
  });

  it('finds serial numbers by prefix in any case', async () => {
    const target = all.find((d) => d.serial_number)!;
    const prefix = target.serial_number!.slice(0, 6).toLowerCase();
    const r = await everything(manager, { q: prefix });
    expect(ids(r.items)).toEqual(idsOf(all.filter((d) => d.serial_number?.toLowerCase().startsWith(prefix))));
    expect(r.items.some((d) => d.id === target.id)).toBe(true);
  });

  it('finds models by designation, kind, type and manufacturer, with typos a phone keyboard makes', async () => {
    const perfusor = idsOf(all.filter((d) => d.model_name === 'Perfusor Space'));
    expect(perfusor.length).toBeGreaterThan(0);
    for (const q of ['Perfusor', 'perfusor space', 'Perfusr', 'Pefrusor', 'PERFUSOR', 'Perf', '8713030', 'braun spritzenpumpe'])
      expect(ids((await everything(manager, { q })).items), q).toEqual(perfusor);
    // A kind, and a manufacturer with a typo.
    expect(ids((await everything(manager, { q: 'Spritzenpumpe' })).items)).toEqual(idsOf(all.filter((d) => d.kind === 'Spritzenpumpe')));
    expect(ids((await everything(manager, { q: 'Fresenuis' })).items)).toEqual(idsOf(all.filter((d) => d.manufacturer.startsWith('Fresenius'))));
    // Accents do not matter: "Drager" finds Drägerwerk.
    expect(ids((await everything(manager, { q: 'drager evita' })).items)).toEqual(idsOf(all.filter((d) => d.model_name === 'Evita V500')));
    // A type number differing in one digit is another model, not a typo.
    expect((await manager.devices.list({ q: '8713099' })).total).toBe(0);
    // Short words allow no typo: "Evto" is not "Evita".
    expect((await manager.devices.list({ q: 'Evto' })).total).toBe(0);
  });

  it('finds words in the text of PDF files, with page and snippet, as far as the user may see the file', async () => {
    const db = app.services.db;
    const uploader = await app.userId('technician');
    const inWard = all.find((d) => d.department_id && nurseWards.includes(d.department_id))!;
    const elsewhere = all.find((d) => !d.department_id || !nurseWards.includes(d.department_id))!;
    const file = async (deviceId: string, name: string, visibility: 'all' | 'staff', pages: string[], withdrawn = false) => {
      const id = crypto.randomUUID();
      await db
        .insertInto('attachments')
        .values({
          id, device_id: deviceId, entry_id: null, sha256: id.replace(/-/g, '').padEnd(64, '0'), media_type: 'application/pdf', size: 1000, preview_sha256: null,
          original_name: name, purpose: 'manual', visibility, uploaded_by: uploader, uploaded_at: NOW.toISOString(),
          withdrawn_at: withdrawn ? NOW.toISOString() : null, withdrawn_by: withdrawn ? uploader : null,
        })
        .execute();
      await db.insertInto('file_texts').values(pages.map((text, i) => ({ attachment_id: id, device_id: deviceId, page: i + 1, text }))).execute();
      return id;
    };
    const manual = await file(inWard.id, 'Gebrauchsanweisung.pdf', 'all', [
      'Inhaltsverzeichnis und Sicherheitshinweise.',
      'Die Okklusionsdruckstufe wird im Menü Einstellungen gewählt. Nach einem Okklusionsalarm die Leitung prüfen.',
    ]);
    const service = await file(inWard.id, 'Servicehandbuch.pdf', 'staff', ['Okklusionssensor kalibrieren: Servicemenü öffnen.']);
    const other = await file(elsewhere.id, 'Manual.pdf', 'all', ['Okklusion test page.']);
    await file(inWard.id, 'Alt.pdf', 'all', ['Okklusion in the old manual.'], true);

    const forManager = (await manager.devices.list({ q: 'okklusion', files: true })).fileHits;
    expect(forManager.map((h) => h.attachmentId).sort()).toEqual([manual, service, other].sort());
    const hit = forManager.find((h) => h.attachmentId === manual)!;
    expect(hit).toMatchObject({ deviceId: inWard.id, inventoryNumber: inWard.inventory_number, fileName: 'Gebrauchsanweisung.pdf', page: 2 });
    const marked = hit.snippet.filter((p) => p.hit).map((p) => p.text.toLowerCase());
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((w) => w.startsWith('okklusion'))).toBe(true);
    expect(hit.snippet.map((p) => p.text).join('')).toContain('Menü');

    // The nurse: not the staff-only service manual, not the other ward's file, never a withdrawn one.
    expect((await nurse.devices.list({ q: 'Okklusion', files: true })).fileHits.map((h) => h.attachmentId)).toEqual([manual]);
    // Two words, both required, the last one as a prefix; an umlaut either way.
    expect((await manager.devices.list({ q: 'leitung okklusionsal', files: true })).fileHits.map((h) => h.attachmentId)).toEqual([manual]);
    expect((await manager.devices.list({ q: 'Menü einstellungen', files: true })).fileHits.map((h) => h.attachmentId)).toEqual([manual]);
    // Without `files`, or with filters that exclude the device, no file hits.
    expect((await manager.devices.list({ q: 'okklusion' })).fileHits).toEqual([]);
    const otherSite = all.find((d) => d.site_id !== inWard.site_id)!.site_id;
    expect((await manager.devices.list({ q: 'okklusion', files: true, siteId: otherSite })).fileHits.some((h) => h.attachmentId === manual)).toBe(false);
  });

  it('filters by site, ward, model, kind, status and annex, alone and combined with a search', async () => {
    const d0 = all[0]!;
    const cases: [Parameters<typeof manager.devices.list>[0], (d: (typeof all)[number]) => boolean][] = [
      [{ siteId: d0.site_id }, (d) => d.site_id === d0.site_id],
      [{ departmentId: d0.department_id! }, (d) => d.department_id === d0.department_id],
      [{ kind: 'Beatmungsgerät' }, (d) => d.kind === 'Beatmungsgerät'],
      [{ anlage: 1 }, (d) => d.anlage1 === 1],
      [{ anlage: 2 }, (d) => d.anlage2 === 1],
      [{ status: 'in_service' }, (d) => d.status === 'in_service'],
      [{ siteId: d0.site_id, anlage: 2, q: 'welch' }, (d) => d.site_id === d0.site_id && d.anlage2 === 1 && d.manufacturer.startsWith('Welch')],
      [{ anlage: 2, q: 'perfusor' }, () => false],
    ];
    for (const [input, expected] of cases) {
      const want = idsOf(all.filter(expected));
      const r = await manager.devices.list({ ...input, pageSize: 200 });
      expect(r.total, JSON.stringify(input)).toBe(want.length);
      expect(ids(r.items), JSON.stringify(input)).toEqual(want);
    }
    const model = (await manager.devices.filters()).models.find((m) => m.name === 'Agilia VP')!;
    expect(ids((await everything(manager, { modelId: model.id })).items)).toEqual(idsOf(all.filter((d) => d.model_name === 'Agilia VP')));
    // A status changes the set: a locked device is found by the "locked" filter only.
    await app.services.db.updateTable('devices').set({ status: 'locked' }).where('id', '=', d0.id).execute();
    expect(ids((await manager.devices.list({ status: 'locked' })).items)).toEqual([d0.id]);
    await app.services.db.updateTable('devices').set({ status: d0.status as 'in_service' }).where('id', '=', d0.id).execute();
  });

  it('filters by due state from the stored obligations', async () => {
    const db = app.services.db;
    const soon = new Date(Date.parse(`${TODAY}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    const obligations = await db.selectFrom('device_obligations').select(['device_id', 'due_on', 'failed']).execute();
    const devicesWhere = (f: (o: (typeof obligations)[number]) => boolean) => [...new Set(obligations.filter(f).map((o) => o.device_id))].sort();
    const overdue = devicesWhere((o) => String(o.due_on) < TODAY);
    expect(overdue.length).toBeGreaterThan(0);
    expect(ids((await everything(manager, { due: 'overdue' })).items)).toEqual(overdue);
    expect(ids((await everything(manager, { due: 'soon' })).items)).toEqual(devicesWhere((o) => String(o.due_on) >= TODAY && String(o.due_on) <= soon));
    // Fail one device's obligation: the filter finds it and the row says so.
    const victim = overdue[0]!;
    await db.updateTable('device_obligations').set({ failed: 1 }).where('device_id', '=', victim).execute();
    const failed = await everything(manager, { due: 'failed' });
    expect(ids(failed.items)).toEqual(devicesWhere((o) => o.failed === 1 || o.device_id === victim));
    expect(failed.items.find((d) => d.id === victim)!.due_state).toBe('failed');
    await db.updateTable('device_obligations').set({ failed: 0 }).where('device_id', '=', victim).execute();
    // A row shows the earliest due date.
    const row = (await everything(manager, { due: 'overdue' })).items[0]!;
    expect(row.due_state).toBe('overdue');
    expect(row.next_due_on).toBe(obligations.filter((o) => o.device_id === row.id).map((o) => String(o.due_on)).sort()[0]);
  });

  it('pages through the list with a total, in each sort order', async () => {
    const seen: string[] = [];
    let total = 0;
    for (let page = 1; page <= 40; page++) {
      const r = await manager.devices.list({ page, pageSize: 7 });
      total = r.total;
      // Past the last page the list shows the last page again (see the test below).
      if (r.page < page) break;
      expect(r.items.length).toBe(Math.min(7, total - (page - 1) * 7));
      seen.push(...r.items.map((d) => d.inventory_number));
    }
    expect(total).toBe(all.length);
    expect(seen).toEqual(all.map((d) => d.inventory_number).sort());
    const desc = await manager.devices.list({ sort: 'inventory_desc', pageSize: 5 });
    expect(desc.items.map((d) => d.inventory_number)).toEqual(all.map((d) => d.inventory_number).sort().reverse().slice(0, 5));
    const bySerial = await manager.devices.list({ sort: 'serial', pageSize: 200 });
    const serials = bySerial.items.map((d) => d.serial_number ?? '');
    expect(serials).toEqual([...serials].sort());
    // Past the end: the last page, the total still right.
    expect(await manager.devices.list({ page: 1000, pageSize: 25 })).toMatchObject({ page: Math.ceil(all.length / 25), total: all.length });
  });

  it('cuts a page the same whether it sorts the matches or walks the sort order (the way of large results)', async () => {
    const inputs: Parameters<typeof manager.devices.list>[0][] = [
      {}, { q: 'pumpe' }, { q: 'mt-100' }, { q: 'Perfusr', sort: 'inventory_desc' }, { due: 'overdue' }, { due: 'soon', anlage: 1 },
      { q: 'pumpe', due: 'overdue', sort: 'serial' }, { kind: 'Spritzenpumpe', page: 2, pageSize: 5 }, { page: 3, pageSize: 30, sort: 'serial' },
    ];
    const normal = [];
    for (const input of inputs) normal.push(await manager.devices.list(input));
    const saved = listTuning.largeResult;
    listTuning.largeResult = 0;
    try {
      for (const [k, input] of inputs.entries()) {
        const walked = await manager.devices.list(input);
        expect(walked.items.map((d) => d.id), JSON.stringify(input)).toEqual(normal[k]!.items.map((d) => d.id));
        expect(walked.total).toBe(normal[k]!.total);
      }
    } finally {
      listTuning.largeResult = saved;
    }
    expect(normal.every((r) => r.items.length > 0)).toBe(true);
  });

  it('shows the last page for a page past the end, and the first for an empty result', async () => {
    const cases: [Parameters<typeof manager.devices.list>[0], number][] = [
      [{ page: 999, pageSize: 25 }, Math.ceil(all.length / 25)],
      [{ page: 3, pageSize: 25 }, 3],
      [{ q: 'mt-1000', page: 5, pageSize: 4 }, 3], // 9 matches: pages of 4, 4, 1
      [{ q: 'zzzz-nothing', page: 7, pageSize: 25 }, 1],
    ];
    for (const [input, page] of cases) {
      const r = await manager.devices.list(input);
      expect(r.page, JSON.stringify(input)).toBe(page);
      expect(r.items.length, JSON.stringify(input)).toBe(Math.min(input.pageSize!, r.total - (page - 1) * input.pageSize!));
    }
    // The last page by its number and past the end are the same rows.
    const last = Math.ceil(all.length / 25);
    expect((await manager.devices.list({ page: 999, pageSize: 25 })).items).toEqual((await manager.devices.list({ page: last, pageSize: 25 })).items);
  });

  it('counts the filtered devices by kind', async () => {
    const count = (rows: typeof all) => {
      const m = new Map<string, number>();
      for (const d of rows) m.set(d.kind, (m.get(d.kind) ?? 0) + 1);
      return [...m].map(([kind, n]) => ({ kind, count: n })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
    };
    const r = await manager.devices.list({});
    expect(r.kinds).toEqual(count(all));
    expect(r.kinds.reduce((s, k) => s + k.count, 0)).toBe(r.total);
    const site = all[0]!.site_id;
    expect((await manager.devices.list({ siteId: site, anlage: 1 })).kinds).toEqual(count(all.filter((d) => d.site_id === site && d.anlage1 === 1)));
    expect((await manager.devices.list({ q: 'pumpe' })).kinds.map((k) => k.kind).sort()).toEqual(
      [...new Set(all.filter((d) => /pumpe/i.test(d.kind)).map((d) => d.kind))].sort(),
    );
  });

  it('keeps favourites per user: set, list as "my devices", unset', async () => {
    const db = app.services.db;
    const favs = async () => Number((await db.selectFrom('favourites').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const [a, b] = all.filter((d) => d.department_id && nurseWards.includes(d.department_id));
    const tech = await app.as('technician');
    expect((await tech.devices.list({ mine: true })).total).toBe(0);
    await tech.devices.setFavourite({ deviceId: a!.id, favourite: true });
    await tech.devices.setFavourite({ deviceId: a!.id, favourite: true }); // twice is once
    await tech.devices.setFavourite({ deviceId: b!.id, favourite: true });
    await nurse.devices.setFavourite({ deviceId: b!.id, favourite: true });
    const mine = await tech.devices.list({ mine: true });
    expect(ids(mine.items)).toEqual([a!.id, b!.id].sort());
    expect(mine.items.every((d) => d.favourite)).toBe(true);
    expect((await tech.devices.list({ q: a!.inventory_number })).items[0]!.favourite).toBe(true);
    // Someone else's stars are not mine.
    expect(ids((await nurse.devices.list({ mine: true })).items)).toEqual([b!.id]);
    expect((await manager.devices.list({ q: a!.inventory_number })).items[0]!.favourite).toBe(false);
    await tech.devices.setFavourite({ deviceId: a!.id, favourite: false });
    expect(ids((await tech.devices.list({ mine: true })).items)).toEqual([b!.id]);
    expect(await favs()).toBe(2);

    // A device she may not see: refused like a missing one, nothing written.
    const elsewhere = all.find((d) => !d.department_id || !nurseWards.includes(d.department_id))!;
    const refused = await rejection(nurse.devices.setFavourite({ deviceId: elsewhere.id, favourite: true }));
    expect(refused.code).toBe('NOT_FOUND');
    const bad = await rejection(nurse.devices.setFavourite({ deviceId: 'not-a-uuid', favourite: true }), 'de');
    expect(bad.code).toBe('BAD_REQUEST');
    expect(Object.keys(bad.fieldErrors ?? {})).toEqual(['deviceId']);
    expect(await favs()).toBe(2);
  });

  it("shows a nurse only her wards' devices, in the list, the counts and the filter options", async () => {
    const hers = idsOf(all.filter((d) => d.department_id && nurseWards.includes(d.department_id)));
    const r = await everything(nurse, {});
    expect(ids(r.items)).toEqual(hers);
    expect(r.kinds.reduce((s, k) => s + k.count, 0)).toBe(hers.length);
    // A search or a filter never reaches past her wards.
    const outside = all.find((d) => !d.department_id || !nurseWards.includes(d.department_id))!;
    expect((await nurse.devices.list({ q: outside.inventory_number })).total).toBe(0);
    expect((await nurse.devices.list({ departmentId: outside.department_id! })).total).toBe(0);
    const options = await nurse.devices.filters();
    expect(options.departments.map((d) => d.id).sort()).toEqual([...nurseWards].sort());
    expect((await manager.devices.filters()).departments.length).toBeGreaterThan(nurseWards.length);
  });

  it('takes hostile input literally: wildcards, backslashes and quotes neither break nor widen a search', async () => {
    for (const q of ['%', '_', '\\', "'", '"', 'MT-1000%', 'MT_10001', 'mt-1000\\', "MT' OR 1=1 --", '*', '!', '(', 'x'.repeat(100)]) {
      const r = await manager.devices.list({ q, files: true });
      const lower = q.toLowerCase();
      const literal = all.filter((d) => d.inventory_number.toLowerCase().startsWith(lower) || d.serial_number?.toLowerCase().startsWith(lower));
      expect(r.total, q).toBe(literal.length);
      expect(r.fileHits, q).toEqual([]);
    }
    // In file texts, operators of the full-text syntax are plain characters: never a wider search.
    const plain = (await manager.devices.list({ q: 'okkl', files: true })).fileHits.map((h) => h.attachmentId);
    expect(plain.length).toBeGreaterThan(0);
    for (const q of ['okkl*', '"okkl', "okkl' --", '(okkl)'])
      expect((await manager.devices.list({ q, files: true })).fileHits.map((h) => h.attachmentId), q).toEqual(plain);
    for (const q of ['okkl OR zzzz', 'okkl:* | zzzz', 'NEAR(okkl zzzz)', 'okkl -zzzz'])
      expect((await manager.devices.list({ q, files: true })).fileHits, q).toEqual([]);
    // A query the schema refuses: a translated message naming the field.
    const tooLong = await rejection(manager.devices.list({ q: 'x'.repeat(101) }), 'de');
    expect(tooLong.code).toBe('BAD_REQUEST');
    expect(tooLong.fieldErrors).toEqual({ q: tooLong.message });
    const status = await rejection(manager.devices.list({ status: 'broken' as 'locked' }));
    expect(status.fieldErrors).toEqual({ status: 'Choose one of the offered options.' });
  });
});
