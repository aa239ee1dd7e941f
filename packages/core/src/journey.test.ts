import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, jpegWithGps, photo, rejection, type TestApp } from './testing.js';
import { nextDueDate, today } from './inspections/due.js';

describe.each(testDialects)('the journey on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  const counts = async () => ({
    entries: Number((await app.services.db.selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    files: app.services.files.count(),
  });

  async function stkDevice() {
    const tech = await app.as('technician');
    const { items } = await tech.devices.list({ q: 'MT-10001' });
    expect(items).toHaveLength(1);
    const detail = await tech.devices.get({ id: items[0]!.id });
    const stk = detail.inspections.find((t) => t.code === 'STK')!;
    expect(stk).toBeDefined();
    return { tech, detail, stk };
  }

  it('refuses a wrong password and accepts the right one', async () => {
    await expect(app.services.auth.api.signInEmail({ body: { email: 'technik@demo.medreg', password: 'wrong-password' } })).rejects.toThrow();
    const me = await (await app.as('technician')).users.me();
    expect(me?.role).toBe('technician');
  });

  it('a technician records an STK with a photo; it lands in the logbook without GPS data', async () => {
    const { tech, detail, stk } = await stkDevice();
    const fd = new FormData();
    fd.set('deviceId', detail.device.id);
    fd.set('inspectionTypeId', stk.id);
    fd.set('performedOn', today(new Date()));
    fd.set('result', 'passed');
    fd.set('text', 'Keine Mängel');
    // A passed STK rests on every check of the form (class II: no protective earth).
    for (const [k, v] of Object.entries({ visual: 'pass', insulation: '50', equipment_leakage: '20', applied_part_leakage: '10', functional: 'pass' })) fd.set(`m.${k}`, v);
    fd.set('testInstrumentId', await app.instrumentId());
    fd.append('photos', photo(await jpegWithGps()));
    const res = await tech.inspections.record(fd);
    expect(res.result).toBe('passed');

    const entries = await tech.logbook.list({ deviceId: detail.device.id });
    const entry = entries[0]!;
    expect(entry.id).toBe(res.entryId);
    expect(entry.kind).toBe('inspection');
    expect(entry.measurements.map((m) => m.field_key).sort()).toEqual(['applied_part_leakage', 'equipment_leakage', 'functional', 'insulation', 'visual']);
    expect(entry.attachments).toHaveLength(1);

    // The STK due date moves to the end of the month, 24 months after today.
    const after = (await tech.devices.get({ id: detail.device.id })).inspections.find((t) => t.code === 'STK')!;
    expect(after.due_on).toBe(nextDueDate(today(new Date()), 24, 'end_of_month'));
    expect(after.last_on).toBe(today(new Date()));
    expect(after.state).toBe('ok');

    const user = { id: await app.userId('technician'), name: '', email: '', role: 'technician' as const, phone: null, departmentIds: [] };
    const { readAttachment } = await import('./files/attachments.server.js');
    const file = await readAttachment(app.services, user, entry.attachments[0]!.id, 'original');
    const meta = await sharp(file!.bytes).metadata();
    expect(meta.width).toBe(64);
    expect(meta.exif).toBeUndefined();
    const preview = await readAttachment(app.services, user, entry.attachments[0]!.id, 'preview');
    expect(preview!.mediaType).toBe('image/webp');
  });

  it('a value outside its limit turns the result to failed, whatever was chosen', async () => {
    const { tech, detail, stk } = await stkDevice();
    const res = await tech.inspections.record({
      deviceId: detail.device.id,
      inspectionTypeId: stk.id,
      performedOn: today(new Date()),
      result: 'passed',
      values: { applied_part_leakage: '80' }, // CF limit 50 µA
      testInstrumentId: await app.instrumentId(),
    });
    expect(res.result).toBe('failed');
    expect(res.failures[0]).toMatchObject({ key: 'applied_part_leakage', limit: '≤ 50 µA' });
  });

  it.each([
    ['a file that is not an image', () => new File([new TextEncoder().encode('%PDF-1.4 cut off before its end')], 'x.jpg'), /is neither a supported image .* nor a PDF/],
    ['an oversized file', () => new File([new Uint8Array(16 * 1024 * 1024)], 'huge.jpg'), /larger than 15 MB/],
  ])('refuses %s with a clear message and writes nothing', async (_label, makeFile, message) => {
    const { tech, detail, stk } = await stkDevice();
    const before = await counts();
    const fd = new FormData();
    fd.set('deviceId', detail.device.id);
    fd.set('inspectionTypeId', stk.id);
    fd.set('performedOn', today(new Date()));
    // A failed result with its reason: the form is valid, so the photos decide.
    fd.set('result', 'failed');
    fd.set('text', 'Gehäuse gebrochen, Protokoll anbei.');
    fd.append('photos', photo(await jpegWithGps(), 'good.jpg'));
    fd.append('photos', makeFile());
    expect((await rejection(tech.inspections.record(fd))).message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('refuses malformed fields with translated messages', async () => {
    const { detail, stk } = await stkDevice();
    const tech = await app.as('technician', 'de');
    const base = { deviceId: detail.device.id, inspectionTypeId: stk.id, performedOn: '2024-01-01', result: 'passed' as const };
    expect(await rejection(tech.inspections.record({ ...base, performedOn: '2024-02-30' }), 'de')).toEqual({
      code: 'BAD_REQUEST',
      message: 'Bitte ein Datum im Format JJJJ-MM-TT eingeben.',
      fieldErrors: { performedOn: 'Bitte ein Datum im Format JJJJ-MM-TT eingeben.' },
    });
    expect((await rejection(tech.inspections.record({ ...base, performedOn: '2999-01-01' }))).fieldErrors).toEqual({
      performedOn: 'The date cannot be in the future.',
    });
    expect((await rejection(tech.inspections.record({ ...base, result: 'failed', text: 'Gehäuse gerissen', values: { protective_earth: 'viel' } }))).fieldErrors).toEqual({
      'm.protective_earth': 'This value is not valid.',
      // A number was typed (if wrongly): measured with an instrument, which is asked for in the same answer.
      testInstrumentId: 'Choose the test instrument you measured with.',
    });
    const missing = await rejection(tech.inspections.record({ deviceId: detail.device.id } as never), 'de');
    expect(missing.fieldErrors).toMatchObject({ inspectionTypeId: 'Dieses Feld ist erforderlich.', result: 'Bitte eine der angebotenen Optionen wählen.' });
  });

  it('a nurse sees only her wards and may not record inspections', async () => {
    const nurse = await app.as('nurse');
    const all = await (await app.as('manager')).devices.list({ pageSize: 200 });
    const mine = await nurse.devices.list({ pageSize: 200 });
    expect(all.total).toBe(200);
    expect(mine.total).toBeGreaterThan(0);
    expect(mine.total).toBeLessThan(200);
    const other = all.items.find((d) => !mine.items.some((m) => m.id === d.id))!;
    await expect(nurse.devices.get({ id: other.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const own = await nurse.devices.get({ id: mine.items[0]!.id });
    await expect(
      nurse.inspections.record({ deviceId: own.device.id, inspectionTypeId: own.inspections[0]?.id ?? crypto.randomUUID(), performedOn: '2024-01-01', result: 'passed' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(app.anonymous().devices.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a manager locks a device once; the status changes everywhere and the logbook records it', async () => {
    const manager = await app.as('manager');
    const { detail } = await stkDevice();
    await manager.lockout.lock({ deviceId: detail.device.id, reason: 'Display flackert', incidentSuspected: true });
    const after = await manager.devices.get({ code: detail.device.code });
    expect(after.device.status).toBe('locked');
    expect(after.lock).toMatchObject({ reason: 'Display flackert', incident_suspected: 1, locked_by_name: 'Max Meier' });
    const list = await manager.devices.list({ q: detail.device.inventory_number });
    expect(list.items[0]!.status).toBe('locked');
    await expect(manager.lockout.lock({ deviceId: detail.device.id, reason: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const entries = await manager.logbook.list({ deviceId: detail.device.id, kinds: ['lock'] });
    expect(entries).toHaveLength(1);
  });

  it('finds a device by label code and refuses malformed or unknown codes', async () => {
    const { tech, detail } = await stkDevice();
    const byCode = await tech.devices.get({ code: detail.device.code.toLowerCase() });
    expect(byCode.device.id).toBe(detail.device.id);
    await expect(tech.devices.get({ code: 'not-a-code' })).rejects.toMatchObject({ code: 'NOT_FOUND', key: 'device.malformedCode' });
  });
});
