import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import PDFDocument from 'pdfkit';
import { createTestApp, rejection, type TestApp } from '../testing.js';

async function onePagePdf(): Promise<Uint8Array> {
  const doc = new PDFDocument({ info: { Title: 'Manual' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => doc.on('end', resolve));
  doc.fontSize(14).text('Gebrauchsanweisung');
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

/** `devices.page` is the device page in one call: it must answer exactly what the separate procedures answer. */
describe.each(testDialects)('device page in one call on %s', (dialect) => {
  let app: TestApp;
  const clock = new Date('2026-11-20T08:00:00.000Z');

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app.close());

  /** A device of the nurse's ward and one of another ward, each with a defect report, a file and several logbook entries. */
  async function devices() {
    const nurseId = await app.userId('nurse');
    const wards = (await app.services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', nurseId).execute()).map((d) => d.department_id);
    const pick = (own: boolean) =>
      app.services.db
        .selectFrom('devices')
        .innerJoin('device_models as m', 'm.id', 'devices.model_id')
        .where('devices.department_id', own ? 'in' : 'not in', wards)
        .where('m.anlage1', '=', 1)
        .select(['devices.id', 'devices.code'])
        .orderBy('devices.inventory_number')
        .executeTakeFirstOrThrow();
    return { own: await pick(true), other: await pick(false) };
  }

  async function separately(api: Awaited<ReturnType<TestApp['as']>>, ref: { id: string }, kinds?: ('inspection' | 'correction')[]) {
    const detail = await api.devices.get(ref);
    const deviceId = detail.device.id;
    const [logbook, instructions, defects, files] = await Promise.all([
      api.logbook.list({ deviceId, kinds }),
      api.instructions.ofDevice({ deviceId }),
      api.defects.ofDevice({ deviceId }),
      api.files.list({ deviceId }),
    ]);
    return { ...detail, logbook, instructions, defects, files };
  }

  it('answers what get, logbook, instructions, defects and files answer, for each role and filter', async () => {
    const { own, other } = await devices();
    const nurse = await app.as('nurse');
    await nurse.defects.report({ deviceId: own.id, text: 'Display flickers after switching on.' });
    const tech = await app.as('technician');
    const manual = new FormData();
    for (const [k, v] of Object.entries({ deviceId: own.id, purpose: 'manual', visibility: 'all' })) manual.append(k, v);
    manual.append('file', new File([(await onePagePdf()) as BlobPart], 'Anleitung.pdf', { type: 'application/pdf' }));
    await tech.files.upload(manual);

    for (const role of ['nurse', 'technician', 'manager', 'admin'] as const) {
      const api = await app.as(role);
      for (const kinds of [undefined, ['inspection', 'correction'] as ('inspection' | 'correction')[]]) {
        const page = await api.devices.page({ code: own.code, kinds });
        expect(page, `${role} ${kinds ?? 'all'}`).toEqual(await separately(api, { id: own.id }, kinds));
        if (!kinds) expect(page.logbook.length).toBeGreaterThan(0);
        expect(page.defects.length).toBeGreaterThan(0);
        expect(page.files.length).toBe(1);
      }
      if (role !== 'nurse') expect(await api.devices.page({ id: other.id })).toEqual(await separately(api, { id: other.id }));
    }
  });

  it('hides a device of another ward from a nurse as not found, and says when a code is malformed', async () => {
    const { other } = await devices();
    const nurse = await app.as('nurse');
    expect((await rejection(nurse.devices.page({ code: other.code }))).message).toBe((await rejection(nurse.devices.get({ code: other.code }))).message);
    const hidden = await rejection(nurse.devices.page({ id: other.id }));
    expect(hidden.code).toBe('NOT_FOUND');
    expect(hidden.message).toMatch(/does not exist or you may not/);
    expect((await rejection(nurse.devices.page({ code: 'ABC' }))).message).toMatch(/ABC/);
  });
});
