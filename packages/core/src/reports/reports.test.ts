import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, photo, rejection, type TestApp } from '../testing.js';
import { today } from '../inspections/due.js';
import { printablePhoto } from './logbook.server.js';
import { registerReport, type RegisterRow } from './register.server.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TODAY = today(NOW);
const pdf = () => new File([new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')], 'Servicebericht.pdf', { type: 'application/pdf' });

/** The data behind the register and logbook PDFs, with the same visibility rules as the pages, on both databases. */
describe.each(testDialects)('report data on %s', (dialect) => {
  let app: TestApp;
  let bigPhoto: Uint8Array; // 3000 px wide, so the downscaling for print shows
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    bigPhoto = new Uint8Array(await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 240, g: 240, b: 235 } } }).jpeg().toBuffer());
  });
  afterAll(() => app?.close());

  const db = () => app.services.db;
  const userOf = async (role: 'technician' | 'nurse' | 'manager') => {
    const id = await app.userId(role);
    const u = await db().selectFrom('users').select(['id', 'name', 'email', 'role', 'phone']).where('id', '=', id).executeTakeFirstOrThrow();
    const departmentIds = (await db().selectFrom('user_departments').select('department_id').where('user_id', '=', id).execute()).map((r) => r.department_id);
    return { ...u, departmentIds };
  };
  const accessLogRows = async () => Number((await db().selectFrom('access_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const collect = async (rows: () => AsyncGenerator<RegisterRow[]>) => {
    const batches: RegisterRow[][] = [];
    for await (const batch of rows()) batches.push(batch);
    return batches;
  };

  it('the register holds every active device of the site once, in ward, room and inventory order, and no decommissioned one', async () => {
    const site = await db().selectFrom('sites').select(['id', 'name']).orderBy('name').executeTakeFirstOrThrow();
    const active = await db().selectFrom('devices').select(['id']).where('site_id', '=', site.id).where('status', '<>', 'decommissioned').orderBy('id').execute();
    // Take one out of service (as the register form would), so there is one to leave out.
    const gone = active[0]!;
    await db().updateTable('devices').set({ status: 'decommissioned', decommissioned_on: TODAY }).where('id', '=', gone.id).execute();

    // Batches of 7: the rows come in several reads, each full but the last, and the order holds across them.
    const report = await registerReport(db(), await userOf('technician'), site.id, NOW, 7);
    expect(report.site.name).toBe(site.name);
    expect(report.printedOn).toBe(TODAY);
    expect(report.total).toBe(active.length - 1);
    const batches = await collect(report.rows);
    expect(batches.length).toBe(Math.ceil(report.total / 7));
    expect(batches.slice(0, -1).every((b) => b.length === 7)).toBe(true);
    const rows = batches.flat();
    expect(rows.map((r) => r.id)).toEqual((await collect((await registerReport(db(), await userOf('technician'), site.id, NOW)).rows)).flat().map((r) => r.id));
    expect(rows.map((r) => r.id).sort()).toEqual(active.slice(1).map((d) => d.id));
    expect(rows.some((r) => r.id === gone.id)).toBe(false);
    // Ordered by ward, room, inventory number, devices without a ward or room after the named ones (both test
    // databases compare in code-point order, as JavaScript does).
    const cmp = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);
    const sorted = [...rows].sort((a, b) => cmp(a.department, b.department) || cmp(a.room, b.room) || cmp(a.inventoryNumber, b.inventoryNumber));
    expect(rows.map((r) => r.inventoryNumber)).toEqual(sorted.map((r) => r.inventoryNumber));
    expect(new Set(rows.map((r) => r.department)).size).toBeGreaterThan(1);
    // The register fields come from the device, its model and manufacturer.
    const one = await db()
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['devices.id', 'devices.inventory_number', 'devices.serial_number', 'm.name', 'm.kind', 'm.type_designation', 'mf.name as maker', 'mf.address'])
      .where('devices.id', '=', rows[0]!.id)
      .executeTakeFirstOrThrow();
    expect(rows[0]).toMatchObject({ inventoryNumber: one.inventory_number, serialNumber: one.serial_number, designation: one.name, kind: one.kind, type: one.type_designation, manufacturerName: one.maker, manufacturerAddress: one.address });
  });

  it('the register is for staff: a nurse is refused, an unknown site is not found', async () => {
    const site = await db().selectFrom('sites').select('id').executeTakeFirstOrThrow();
    await expect(registerReport(db(), await userOf('nurse'), site.id, NOW)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(registerReport(db(), await userOf('manager'), 'no-such-site', NOW)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'reports.siteNotFound' });
    expect(await (await app.as('nurse')).reports.registerSites()).toEqual([]);
    expect((await (await app.as('manager')).reports.registerSites()).length).toBeGreaterThan(0);
  });

  /** A device on one of the nurse's wards whose model has instruction sessions with trainees at its site. */
  async function wardDeviceWithSessions() {
    const nurse = await userOf('nurse');
    const device = await db()
      .selectFrom('devices')
      .innerJoin('instructions as i', (j) => j.onRef('i.model_id', '=', 'devices.model_id').onRef('i.site_id', '=', 'devices.site_id'))
      .innerJoin('instruction_trainees as t', 't.instruction_id', 'i.id')
      .select(['devices.id', 'devices.department_id'])
      .where('devices.department_id', 'in', nurse.departmentIds)
      .where('devices.status', '=', 'in_service')
      .orderBy('devices.inventory_number')
      .executeTakeFirst();
    expect(device, 'the demo hospital has a ward device with instruction sessions').toBeDefined();
    return device!;
  }

  it('the logbook: every entry in order with photos and PDFs, obligations, sessions with names for staff (logged), chain verified', async () => {
    const device = await wardDeviceWithSessions();
    const tech = await app.as('technician');
    const repair = await tech.measures.record(
      (() => {
        const fd = new FormData();
        for (const [k, v] of Object.entries({ deviceId: device.id, kind: 'repair', performedOn: TODAY, text: 'Netzteil getauscht.', parts: 'Netzteil' })) fd.set(k, v);
        fd.append('photos', photo(bigPhoto, 'platine.jpg'));
        fd.append('photos', pdf());
        return fd;
      })(),
    );

    const before = await accessLogRows();
    const report = await tech.reports.logbook({ deviceId: device.id });
    expect(await accessLogRows()).toBe(before + 1);
    const log = await db().selectFrom('access_log').selectAll().orderBy('at', 'desc').executeTakeFirstOrThrow();
    expect(log).toMatchObject({ user_id: await app.userId('technician'), action: 'logbook_pdf' });

    expect(report.entries.map((e) => e.seq)).toEqual(report.entries.map((_, i) => i + 1));
    const entry = report.entries.find((e) => e.id === repair.entryId)!;
    expect(entry).toMatchObject({ kind: 'repair', text: 'Netzteil getauscht.', recorded_by_name: 'Tom Techniker' });
    expect(entry.attachments.map((a) => a.media_type).sort()).toEqual(['application/pdf', 'image/jpeg']);
    expect(report.chain).toEqual({ ok: true, entries: report.entries.length });
    expect(report.obligations.length).toBeGreaterThan(0);
    expect(report.device.code_label).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const withTrainees = report.sessions.filter((s) => s.trainee_count > 0);
    expect(withTrainees.length).toBeGreaterThan(0);
    expect(withTrainees.every((s) => s.trainees!.length === s.trainee_count)).toBe(true);

    // The photo prints as a JPEG no larger than 1200 px (the stored copy is full size; the WebP preview cannot go into a PDF).
    const jpeg = await printablePhoto(app.services.files, entry.attachments.find((a) => a.media_type === 'image/jpeg')!.sha256);
    const meta = await sharp(jpeg!).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBe(1200);
    expect(await printablePhoto(app.services.files, 'f'.repeat(64))).toBeNull();
  });

  it('a nurse of the ward gets the logbook with counts only and no access-log row; a nurse of another ward gets not found', async () => {
    const device = await wardDeviceWithSessions();
    const nurse = await app.as('nurse');
    const before = await accessLogRows();
    const report = await nurse.reports.logbook({ deviceId: device.id });
    expect(report.sessions.length).toBeGreaterThan(0);
    expect(report.sessions.every((s) => s.trainees === null)).toBe(true);
    expect(report.sessions.some((s) => s.trainee_count > 0)).toBe(true);
    expect(await accessLogRows()).toBe(before);

    // A staff-only file (e.g. a repair quote) is left out for the nurse, as on the device page.
    const tech = await app.as('technician');
    const fd = new FormData();
    for (const [k, v] of Object.entries({ deviceId: device.id, kind: 'maintenance', performedOn: TODAY, text: 'Wartung mit Angebot.' })) fd.set(k, v);
    fd.append('photos', pdf());
    const { entryId } = await tech.measures.record(fd);
    await db().updateTable('attachments').set({ visibility: 'staff' }).where('entry_id', '=', entryId).execute();
    const forNurse = (await nurse.reports.logbook({ deviceId: device.id })).entries.find((e) => e.id === entryId)!;
    const forTech = (await tech.reports.logbook({ deviceId: device.id })).entries.find((e) => e.id === entryId)!;
    expect(forNurse.attachments).toEqual([]);
    expect(forTech.attachments).toHaveLength(1);

    const nurseUser = await userOf('nurse');
    const elsewhere = await db()
      .selectFrom('devices')
      .select('id')
      .where((eb) => eb.or([eb('department_id', 'not in', nurseUser.departmentIds), eb('department_id', 'is', null)]))
      .executeTakeFirstOrThrow();
    const refused = await rejection(nurse.reports.logbook({ deviceId: elsewhere.id }));
    expect(refused).toMatchObject({ code: 'NOT_FOUND', message: 'This device does not exist or you may not see it.' });
  });
});
