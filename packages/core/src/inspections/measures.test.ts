import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, jpegWithGps, photo, rejection, type TestApp } from '../testing.js';
import { today } from './due.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TODAY = today(NOW);
const pdf = () => new File([new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')], 'Servicebericht.pdf', { type: 'application/pdf' });

/** Maintenance, repair, functional test and software update: one logbook entry each, all or nothing. */
describe.each(testDialects)('measures on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());

  const db = () => app.services.db;
  const counts = async () => {
    const n = async (table: 'logbook_entries' | 'attachments' | 'staged_uploads') =>
      Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const versions = await db().selectFrom('devices').select(['id', 'software_version']).orderBy('id').execute();
    return { entries: await n('logbook_entries'), attachments: await n('attachments'), staged: await n('staged_uploads'), files: app.services.files.count(), versions };
  };
  /** In-service demo devices by inventory number, optionally of Anlage 1 models. */
  const devices = async (anlage1?: boolean) =>
    db()
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .select(['devices.id', 'devices.model_id', 'devices.department_id', 'm.software_version as model_version'])
      .where('devices.status', '=', 'in_service')
      .$if(anlage1 !== undefined, (q) => q.where('m.anlage1', '=', anlage1 ? 1 : 0))
      .orderBy('devices.inventory_number')
      .execute();
  const multipart = (fields: Record<string, string>, files: File[] = []) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    for (const f of files) fd.append('photos', f);
    return fd;
  };
  const entryOf = async (deviceId: string, entryId: string) => {
    const tech = await app.as('technician');
    return (await tech.logbook.list({ deviceId })).find((e) => e.id === entryId)!;
  };

  it('each kind writes one logbook entry with its own fields and attachments', async () => {
    const tech = await app.as('technician');
    const [a, b, c, d] = await devices();
    const before = await counts();

    // Maintenance as JSON, dated in the past, by a service firm, with a PDF staged in the background.
    const fd = new FormData();
    fd.set('file', pdf());
    const staged = await tech.inspections.stage(fd);
    const maintenance = await tech.measures.record({
      deviceId: a!.id, kind: 'maintenance', performedOn: '2026-11-20', performedBy: 'MedService GmbH', text: 'Filter und Akku nach Herstellervorgabe getauscht.', uploadIds: [staged.id],
    });
    const m = await entryOf(a!.id, maintenance.entryId);
    expect(m).toMatchObject({ kind: 'maintenance', occurred_at: '2026-11-20T11:00:00.000Z', performed_by: 'MedService GmbH', result: null, details: null, text: 'Filter und Akku nach Herstellervorgabe getauscht.' });
    expect(m.attachments.map((x) => x.media_type)).toEqual(['application/pdf']);

    // A repair from the phone form, with the parts and a photo that gives away where it was taken.
    const repair = await tech.measures.record(
      multipart(
        { deviceId: b!.id, kind: 'repair', performedOn: TODAY, performedBy: '', text: '  Netzteilbuchse lose, neu verlötet.  ', parts: 'Netzteilbuchse 5V (Art. 4711)' },
        [photo(await jpegWithGps(), 'buchse.jpg')],
      ),
    );
    const r = await entryOf(b!.id, repair.entryId);
    expect(r).toMatchObject({ kind: 'repair', occurred_at: NOW.toISOString(), performed_by: null, text: 'Netzteilbuchse lose, neu verlötet.', details: { parts: 'Netzteilbuchse 5V (Art. 4711)' } });
    expect(r.attachments).toEqual([expect.objectContaining({ media_type: 'image/jpeg', original_name: 'buchse.jpg', hasPreview: true })]);
    const stored = await db().selectFrom('attachments').select('sha256').where('entry_id', '=', repair.entryId).executeTakeFirstOrThrow();
    const meta = await sharp(app.services.files.read(stored.sha256)).metadata();
    expect(meta.exif).toBeUndefined();

    // A failed functional test.
    const test = await tech.measures.record({ deviceId: c!.id, kind: 'functional_test', performedOn: TODAY, text: 'Alarmtest: Signalton zu leise.', result: 'failed' });
    expect(await entryOf(c!.id, test.entryId)).toMatchObject({ kind: 'functional_test', result: 'failed', details: null });

    // A software update: the entry says from what to what, the device keeps the new version.
    const from = d!.model_version;
    const update = await tech.measures.record(
      multipart({ deviceId: d!.id, kind: 'software_update', performedOn: TODAY, newVersion: 'V9.9.1', text: 'Update laut Sicherheitsmitteilung des Herstellers.' }, [pdf()]),
    );
    expect(update.softwareVersion).toBe('V9.9.1');
    const u = await entryOf(d!.id, update.entryId);
    expect(u).toMatchObject({ kind: 'software_update', details: { from, to: 'V9.9.1' } });
    expect(u.attachments.map((x) => x.media_type)).toEqual(['application/pdf']);
    expect((await tech.devices.get({ id: d!.id })).device.software_version).toBe('V9.9.1');

    const after = await counts();
    expect(after.entries).toBe(before.entries + 4);
    expect(after.attachments).toBe(before.attachments + 3);
    expect(after.staged).toBe(before.staged);
  });

  it('refuses bad input with a translated message at the field and writes nothing', async () => {
    const tech = await app.as('technician');
    const techDe = await app.as('technician', 'de');
    const [device] = await devices(true);
    const base = { deviceId: device!.id, kind: 'maintenance' as const, performedOn: TODAY, text: 'Gewartet.' };
    const fd = new FormData();
    fd.set('file', pdf());
    const managers = await (await app.as('manager')).inspections.stage(fd);
    const before = await counts();

    const refused = async (p: Promise<unknown>, locale: 'de' | 'en' = 'en') => (await rejection(p, locale)).fieldErrors;
    expect(await refused(tech.measures.record({ ...base, performedOn: '2026-11-23' }))).toEqual({ performedOn: 'The date cannot be in the future.' });
    expect(await refused(techDe.measures.record({ ...base, performedOn: '2026-11-23' }), 'de')).toEqual({ performedOn: 'Das Datum darf nicht in der Zukunft liegen.' });
    expect(await refused(tech.measures.record({ ...base, text: '  ' }))).toEqual({ text: 'Describe what was done (at least 3 characters).' });
    expect(await refused(techDe.measures.record(multipart({ deviceId: device!.id, kind: 'repair', performedOn: TODAY })), 'de')).toEqual({
      text: 'Beschreiben Sie, was gemacht wurde (mindestens 3 Zeichen).',
    });
    expect(await refused(tech.measures.record({ ...base, kind: 'software_update' }))).toEqual({ newVersion: 'Enter the software version now installed.' });
    expect(await refused(tech.measures.record(multipart({ ...base, kind: 'software_update', newVersion: ' ' })))).toEqual({ newVersion: 'Enter the software version now installed.' });
    expect(await refused(tech.measures.record({ ...base, kind: 'software_update', newVersion: 'x'.repeat(41) }))).toEqual({ newVersion: 'Enter at most 40 characters.' });
    // The version it already runs, however it is written.
    expect(await refused(tech.measures.record({ ...base, kind: 'software_update', newVersion: device!.model_version!.toLowerCase() }))).toEqual({
      newVersion: `The device already runs version ${device!.model_version}. Enter the newly installed version.`,
    });
    expect(await refused(tech.measures.record({ ...base, kind: 'functional_test' }))).toEqual({ result: 'Choose whether the functional test passed or failed.' });
    expect(await refused(tech.measures.record({ ...base, parts: 'Akku' }))).toEqual({ parts: 'This field does not belong to this kind of measure.' });
    expect(await refused(tech.measures.record({ ...base, kind: 'repair', newVersion: '2.0' }))).toEqual({ newVersion: 'This field does not belong to this kind of measure.' });
    expect(await refused(tech.measures.record({ ...base, kind: 'bogus' as 'repair' }))).toEqual({ kind: 'Choose one of the offered options.' });
    // A text file posing as a photo, next to a good photo: neither is kept.
    const notAPhoto = new File([new TextEncoder().encode('just some notes')], 'notes.jpg', { type: 'image/jpeg' });
    expect(await refused(tech.measures.record(multipart({ ...base }, [photo(await jpegWithGps()), notAPhoto])))).toEqual({
      photos: 'The file "notes.jpg" is neither a supported image (JPEG, PNG, WebP, HEIC) nor a PDF.',
    });
    // Someone else's staged upload.
    expect(await refused(tech.measures.record({ ...base, uploadIds: [managers.id] }))).toEqual({
      photos: 'An attached file is no longer waiting on the server (uploads are kept for 24 hours). Attach it again.',
    });
    expect(await counts()).toEqual(before);
  });

  it('is for staff on devices they may see and that are in service', async () => {
    const nurse = await app.as('nurse');
    const tech = await app.as('technician');
    const [device] = await devices();
    const base = { deviceId: device!.id, kind: 'maintenance' as const, performedOn: TODAY, text: 'Gewartet.' };
    expect((await rejection(nurse.measures.record(base))).code).toBe('FORBIDDEN');
    expect((await rejection(tech.measures.record({ ...base, deviceId: crypto.randomUUID() }))).message).toBe('This device does not exist or you may not see it.');
    await db().updateTable('devices').set({ status: 'decommissioned' }).where('id', '=', device!.id).execute();
    try {
      const before = await counts();
      expect((await rejection(tech.measures.record(base))).message).toBe('The device is decommissioned.');
      expect(await counts()).toEqual(before);
    } finally {
      await db().updateTable('devices').set({ status: 'in_service' }).where('id', '=', device!.id).execute();
    }
  });

  it('a software update invalidates the nurse’s instruction on that device only; the twin stays usable', async () => {
    const nurse = await app.as('nurse');
    const tech = await app.as('technician');
    const { items } = await nurse.devices.list({ pageSize: 200 });
    const details = await Promise.all(items.map((d) => nurse.devices.get({ id: d.id })));
    const usable = details.filter((d) => d.device.anlage1 === 1 && d.verdict.mayUse && d.device.software_version);
    const device = usable.find((d) => usable.some((o) => o.device.model_id === d.device.model_id && o.device.id !== d.device.id))!;
    const twin = usable.find((o) => o.device.model_id === device.device.model_id && o.device.id !== device.device.id)!;
    const old = device.device.software_version!;

    await tech.measures.record({ deviceId: device.device.id, kind: 'software_update', performedOn: TODAY, newVersion: `${old}.1`, text: 'Sicherheitsupdate eingespielt.' });
    const after = await nurse.devices.get({ id: device.device.id });
    expect(after.verdict).toMatchObject({ mayUse: false, reasons: [{ kind: 'software_changed', instructed: old, current: `${old}.1` }] });
    // The request button shows: whom to ask.
    expect(after.instructionHelp).not.toBeNull();
    expect((await nurse.devices.get({ id: twin.device.id })).verdict.mayUse).toBe(true);
    // A second update starts from the version the first one installed.
    const again = await tech.measures.record({ deviceId: device.device.id, kind: 'software_update', performedOn: TODAY, newVersion: `${old}.2`, text: 'Nachbesserung.' });
    expect((await entryOf(device.device.id, again.entryId)).details).toEqual({ from: `${old}.1`, to: `${old}.2` });
  });

  it('an ordinary functional test is not the test before first use', async () => {
    const tech = await app.as('technician');
    const candidates = await devices(true);
    const states = await Promise.all(candidates.map(async (d) => ({ d, firstUse: (await tech.instructions.ofDevice({ deviceId: d.id })).firstUse })));
    const missing = states.find((s) => s.firstUse === null)!.d;
    await tech.measures.record({ deviceId: missing.id, kind: 'functional_test', performedOn: TODAY, text: 'Funktion geprüft.', result: 'passed' });
    expect((await tech.instructions.ofDevice({ deviceId: missing.id })).firstUse).toBeNull();
    // The first-use form still records it.
    await tech.instructions.recordFirstUseTest({ deviceId: missing.id, performedOn: TODAY, performedBy: 'Hersteller (Außendienst)', result: 'passed' });
    expect((await tech.instructions.ofDevice({ deviceId: missing.id })).firstUse).not.toBeNull();
  });
});
