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
    // The page names who attended only on request (peopleOf), the separate procedure always (staff).
    const unnamed = { ...instructions, sessions: instructions.sessions.map((x) => ({ ...x, trainees: null })) };
    return { ...detail, logbook, instructions: unnamed, defects, files, named: instructions.sessions };
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
        const looked = () =>
          app.services.db.selectFrom('access_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'instruction_attendees').executeTakeFirstOrThrow().then((r) => Number(r.n));
        const before = await looked();
        const page = await api.devices.page({ code: own.code, kinds });
        const { named, ...expected } = await separately(api, { id: own.id }, kinds);
        expect(page, `${role} ${kinds ?? 'all'}`).toEqual(expected);
        // Who attended one session: staff see its names (and only its), a nurse sees none.
        const asked = named.find((x) => x.trainee_count > 0)!;
        const withPeople = await api.devices.page({ code: own.code, kinds, peopleOf: asked.id });
        // Names looked up are logged; a page without them, or a nurse's, logs nothing.
        expect(await looked()).toBe(before + (role === 'nurse' ? 0 : 1));
        expect(withPeople.instructions.sessions.map((x) => x.trainees)).toEqual(named.map((x) => (x.id === asked.id ? x.trainees : null)));
        if (role !== 'nurse') expect(asked.trainees!.length).toBe(asked.trainee_count);
        if (!kinds) expect(page.logbook.length).toBeGreaterThan(0);
        expect(page.defects.length).toBeGreaterThan(0);
        expect(page.files.length).toBe(1);
      }
      if (role !== 'nurse') {
        const { named: _, ...expected } = await separately(api, { id: other.id });
        expect(await api.devices.page({ id: other.id })).toEqual(expected);
      }
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
