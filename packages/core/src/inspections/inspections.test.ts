import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, jpegWithGps, photo, rejection, type TestApp } from '../testing.js';
import { dueBounds, nextDueDate, today } from './due.js';
import { snapshotCompliance } from './due-list.server.js';
import { assignedTypesOf } from './queries.server.js';

/** Recording inspections against the stored obligations, the due list and its counts. */
describe.each(testDialects)('inspections on %s', (dialect) => {
  let app: TestApp;
  // A clock that moves a minute per step, so "after the lock" never depends on timing.
  let clock = new Date('2026-11-23T08:00:00.000Z');
  const tick = () => (clock = new Date(clock.getTime() + 60_000));
  const day = () => today(clock);

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app.close());

  const counts = async () => {
    const n = async (table: 'logbook_entries' | 'locks' | 'staged_uploads' | 'attachments') =>
      Number((await app.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return { entries: await n('logbook_entries'), locks: await n('locks'), staged: await n('staged_uploads'), attachments: await n('attachments'), files: app.services.files.count() };
  };
  const obligation = (deviceId: string, typeId: string) =>
    app.services.db.selectFrom('device_obligations').selectAll().where('device_id', '=', deviceId).where('inspection_type_id', '=', typeId).executeTakeFirstOrThrow();

  /** The n-th in-service demo device of a model that needs the IEC 62353 test: class I with a CF applied part, or class II. */
  async function device(n: number, protectionClass: 'I' | 'II' = 'I') {
    const tech = await app.as('technician');
    const rows = await app.services.db
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('model_inspection_types as mit', 'mit.model_id', 'm.id')
      .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
      .where('it.code', '=', 'EL-62353')
      .where('m.protection_class', '=', protectionClass)
      .$if(protectionClass === 'I', (q) => q.where('m.applied_part', '=', 'CF'))
      .where('devices.status', '=', 'in_service')
      .select('devices.id')
      .orderBy('devices.inventory_number')
      .execute();
    const detail = await tech.devices.get({ id: rows[n]!.id });
    const type = detail.inspections.find((t) => t.code === 'EL-62353')!;
    const testInstrumentId = await app.instrumentId();
    const base = { deviceId: detail.device.id, inspectionTypeId: type.id, performedOn: day(), result: 'passed' as const, testInstrumentId };
    return { tech, detail, type, base };
  }
  const good = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '10', functional: 'pass' };

  it('a passed inspection moves the stored due date; the due list and its counts follow', async () => {
    const { tech, detail, type, base } = await device(0);
    tick();
    const res = await tech.inspections.record({ ...base, values: good });
    expect(res.result).toBe('passed');
    const o = await obligation(detail.device.id, type.id);
    expect(o).toMatchObject({ due_on: nextDueDate(day(), type.interval_months, 'end_of_month'), last_entry_id: res.entryId, last_result: 'passed', failed: 0 });
    expect(String(o.last_on)).toBe(day());
    // The stored row says what the logbook says.
    const derived = (await assignedTypesOf(app.services.db, [detail.device], day())).get(detail.device.id)!.find((t) => t.id === type.id)!;
    expect(derived.due_on).toBe(String(o.due_on));
  });

  it('a failing leakage fails the inspection, locks the device in the same step, and stays due and failed until released', async () => {
    const { tech, detail, type, base } = await device(1);
    const before = await obligation(detail.device.id, type.id);
    tick();
    const res = await tech.inspections.record({
      ...base,
      values: { ...good, applied_part_leakage: '80' }, // CF limit 50 µA
      lock: true,
      lockReason: 'Patientenableitstrom 80 µA über Grenzwert',
    });
    expect(res.result).toBe('failed');
    expect(res.lockId).not.toBeNull();
    expect(res.failures[0]).toMatchObject({ key: 'applied_part_leakage', limit: '≤ 50 µA' });

    const after = await tech.devices.get({ id: detail.device.id });
    expect(after.device.status).toBe('locked');
    expect(after.lock?.cause_entry_id).toBe(res.entryId);
    const o = await obligation(detail.device.id, type.id);
    // A failed inspection does not meet the obligation: the due date stays where it was.
    expect(String(o.due_on)).toBe(String(before.due_on));
    expect(o.failed).toBe(1);
    const failed = await tech.due.list({ window: 'failed', departmentId: detail.device.department_id!, pageSize: 200 });
    expect(failed.items.filter((i) => i.deviceId === detail.device.id).map((i) => i.state)).toEqual(['failed']);

    // Repaired and tested again: the passed test releases it, moves the due date and clears "failed".
    tick();
    const retest = await tech.inspections.record({ ...base, performedOn: day(), values: good });
    tick();
    await tech.lockout.release({ deviceId: detail.device.id, inspectionEntryId: retest.entryId });
    const cleared = await obligation(detail.device.id, type.id);
    expect(cleared).toMatchObject({ failed: 0, last_result: 'passed', due_on: nextDueDate(day(), type.interval_months, 'end_of_month') });
    expect((await tech.due.list({ window: 'failed', departmentId: detail.device.department_id!, pageSize: 200 })).items.some((i) => i.deviceId === detail.device.id)).toBe(false);
  });

  it('a manager’s release without a test clears "failed" but leaves the inspection due', async () => {
    const { tech, detail, type, base } = await device(2);
    const before = await obligation(detail.device.id, type.id);
    tick();
    await tech.inspections.record({ ...base, values: { ...good, visual: 'fail' }, lock: true, lockReason: 'Gehäuse gebrochen' });
    tick();
    await (await app.as('manager')).lockout.release({ deviceId: detail.device.id, reason: 'Gehäuse getauscht, Prüfung folgt' });
    const o = await obligation(detail.device.id, type.id);
    expect(o).toMatchObject({ failed: 0, last_result: 'failed' });
    expect(String(o.due_on)).toBe(String(before.due_on));
  });

  it('a form sent twice (a second tap, a resent POST) is saved once', async () => {
    const { tech, base } = await device(6);
    const form = { ...base, values: { ...good, applied_part_leakage: '80' }, lock: true, lockReason: 'Ableitstrom zu hoch', submissionId: crypto.randomUUID() };
    tick();
    const first = await tech.inspections.record(form);
    const before = await counts();
    const [again, racing] = await Promise.all([tech.inspections.record(form), tech.inspections.record(form)]);
    expect([again.entryId, racing.entryId]).toEqual([first.entryId, first.entryId]);
    expect([again.lockId, again.result]).toEqual([first.lockId, 'failed']);
    expect(await counts()).toEqual(before);
    // Two copies racing from the start: one entry, both answered with it.
    const twin = { ...form, lock: false, values: good, submissionId: crypto.randomUUID() };
    tick();
    const [a, b] = await Promise.all([tech.inspections.record(twin), tech.inspections.record(twin)]);
    expect(a.entryId).toBe(b.entryId);
    expect((await counts()).entries).toBe(before.entries + 1);
  });

  it('refuses bad input with a message naming the field, and writes nothing', async () => {
    const { tech, base } = await device(3);
    const before = await counts();
    const cases: [() => Promise<unknown>, Record<string, string>][] = [
      [() => tech.inspections.record({ ...base, values: { ...good, equipment_leakage: 'viel' } }), { 'm.equipment_leakage': 'This value is not valid.' }],
      [() => tech.inspections.record({ ...base, values: { ...good, equipment_leakage: '-3' } }), { 'm.equipment_leakage': 'No instrument reads this: enter a value between 0 and 100000.' }],
      [() => tech.inspections.record({ ...base, performedOn: '2999-01-01' }), { performedOn: 'The date cannot be in the future.' }],
      [() => tech.inspections.record({ ...base, testInstrumentId: undefined, values: good }), { testInstrumentId: 'Choose the test instrument you measured with.' }],
      [() => tech.inspections.record({ ...base, values: { ...good, applied_part_leakage: '80' }, lock: true, lockReason: '' }), { lockReason: 'Enter at least 3 characters.' }],
    ];
    for (const [call, fieldErrors] of cases) expect((await rejection(call())).fieldErrors).toEqual(fieldErrors);
    // Everything wrong with the form in one answer, not one field per try.
    const several = await rejection(tech.inspections.record({ ...base, values: { ...good, equipment_leakage: 'viel', insulation: '-3' }, text: '' }));
    expect(several.message).toBe('2 fields need correcting: each says what to change.');
    expect(several.fieldErrors).toEqual({
      'm.equipment_leakage': 'This value is not valid.',
      'm.insulation': 'No instrument reads this: enter a value between 0 and 10000.',
    });
    const uncalibrated = await rejection(tech.inspections.record({ ...base, values: good, testInstrumentId: await app.instrumentId(false) }));
    // The date as the app shows dates to the person (7 Nov 2026, 07.11.2026), never as stored (2026-11-07).
    expect(uncalibrated.fieldErrors?.testInstrumentId).toMatch(/^Metrax PM 3000 \(PM3-0099812\) was due for calibration on \d{1,2} [A-Z][a-z]{2} \d{4}: measurements with it are not valid/);
    const techDe = await app.as('technician', 'de');
    const uncalibratedDe = await rejection(techDe.inspections.record({ ...base, values: good, testInstrumentId: await app.instrumentId(false) }), 'de');
    expect(uncalibratedDe.fieldErrors?.testInstrumentId).toMatch(/^Metrax PM 3000 \(PM3-0099812\) war am \d\d\.\d\d\.\d{4} zur Kalibrierung fällig/);
    const metrax = await app.services.db.selectFrom('test_instruments').select('calibration_due_on').where('serial_number', '=', 'PM3-0099812').executeTakeFirstOrThrow();
    const [y, m, d] = String(metrax.calibration_due_on).split('-');
    expect(uncalibratedDe.fieldErrors?.testInstrumentId).toContain(`am ${d}.${m}.${y} zur`);
    const nurse = await app.as('nurse');
    expect((await rejection(nurse.inspections.record({ ...base, values: good }))).code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('an empty form is not a passed inspection: refused at every check it lacks, in the person’s language, and nothing written', async () => {
    const { detail, type, base } = await device(7);
    const tech = await app.as('technician', 'de');
    const before = await counts();
    const obligationBefore = await obligation(detail.device.id, type.id);
    tick();
    // What the walkthrough did: the form sent untouched, result "passed".
    const empty = await rejection(tech.inspections.record({ ...base, testInstrumentId: undefined }), 'de');
    const needed = 'Für „Bestanden“ erforderlich.';
    expect(empty.code).toBe('BAD_REQUEST');
    expect(empty.message).toMatch(/^Eine bestandene Prüfung braucht alle Prüfschritte und Messwerte des Formulars/);
    expect(empty.fieldErrors).toEqual({
      'm.visual': needed,
      'm.protective_earth': needed,
      'm.insulation': needed,
      'm.equipment_leakage': needed,
      'm.applied_part_leakage': needed,
      'm.functional': needed,
    });
    // Some values typed, no instrument: what is missing and the instrument, in one answer.
    const partial = await rejection(tech.inspections.record({ ...base, testInstrumentId: undefined, values: { visual: 'pass', insulation: '50', equipment_leakage: '80', applied_part_leakage: '10' } }), 'de');
    expect(partial.fieldErrors).toEqual({
      'm.protective_earth': needed,
      'm.functional': needed,
      testInstrumentId: 'Wählen Sie das Prüfgerät, mit dem Sie gemessen haben.',
    });
    // "Failed" without a failing value needs its reason in the findings.
    const noReason = await rejection(tech.inspections.record({ ...base, result: 'failed', values: { visual: 'pass' } }), 'de');
    expect(noReason.fieldErrors).toEqual({ text: 'Nennen Sie im Befund, warum die Prüfung nicht bestanden ist.' });
    // The same through the phone form (multipart), as the page posts it.
    const fd = new FormData();
    for (const [k, v] of Object.entries({ deviceId: base.deviceId, inspectionTypeId: base.inspectionTypeId, performedOn: base.performedOn, result: 'passed', 'm.visual': 'pass' })) fd.set(k, v);
    expect(Object.keys((await rejection(tech.inspections.record(fd))).fieldErrors ?? {})).toEqual(['m.protective_earth', 'm.insulation', 'm.equipment_leakage', 'm.applied_part_leakage', 'm.functional']);
    expect(await counts()).toEqual(before);
    expect(await obligation(detail.device.id, type.id)).toEqual(obligationBefore);

    // A test that could not be completed is recorded as failed, with its reason; the due date stays.
    tick();
    const failed = await tech.inspections.record({ ...base, result: 'failed', values: { visual: 'pass' }, text: 'Messung abgebrochen: Netzstecker beschädigt.' });
    expect(failed.result).toBe('failed');
    expect((await counts()).entries).toBe(before.entries + 1);
    expect(String((await obligation(detail.device.id, type.id)).due_on)).toBe(String(obligationBefore.due_on));

    // Whoever opens the device is told the last inspection failed, with its day, rather than only "overdue".
    const { verdict } = await (await app.as('technician')).devices.get({ id: detail.device.id });
    expect(verdict.mayUse).toBe(false);
    expect(verdict.reasons).toContainEqual({ kind: 'inspection_failed', code: 'EL-62353', on: day() });
    expect(verdict.reasons.some((r) => r.kind === 'inspection_overdue' && r.code === 'EL-62353')).toBe(false);

    // Complete and passed: saved, the due date moves, and the verdict no longer names the failure.
    tick();
    const passed = await tech.inspections.record({ ...base, values: good });
    expect(passed.result).toBe('passed');
    expect(String((await obligation(detail.device.id, type.id)).due_on)).toBe(nextDueDate(day(), type.interval_months, 'end_of_month'));
    expect((await tech.devices.get({ id: detail.device.id })).verdict.reasons.some((r) => r.kind === 'inspection_failed')).toBe(false);
  });

  it('a class II device passes without a protective-earth value; a class I device does not', async () => {
    const { tech, base: classII } = await device(0, 'II');
    const { protective_earth: _pe, ...withoutEarth } = good;
    tick();
    const res = await tech.inspections.record({ ...classII, values: { ...withoutEarth, equipment_leakage: '40' } });
    expect(res.result).toBe('passed');
    const { base } = await device(8);
    expect((await rejection(tech.inspections.record({ ...base, values: withoutEarth }))).fieldErrors).toMatchObject({ 'm.protective_earth': 'Needed for a passed inspection.' });
  });

  it('shows the previous values and flags a leakage that rose by more than half', async () => {
    const { tech, detail, type, base } = await device(4);
    const context = await tech.inspections.formContext({ deviceId: detail.device.id });
    expect(context.instruments.map((i) => i.serial_number)).toContain('ESA615-4471023');
    tick();
    const res = await tech.inspections.record({ ...base, values: { ...good, equipment_leakage: '400' } });
    expect(res.result).toBe('passed');
    expect((await tech.inspections.formContext({ deviceId: detail.device.id })).previous[type.id]).toMatchObject({ on: day(), values: { equipment_leakage: 400 } });
    // The next inspection compares with this one: 400 → 700 is +75 %.
    tick();
    const again = await tech.inspections.record({ ...base, values: { ...good, equipment_leakage: '700' }, result: 'passed' });
    expect(again.result).toBe('failed'); // class I limit 500 µA
    expect(again.rises).toEqual([expect.objectContaining({ key: 'equipment_leakage', previous: 400, value: 700, rise: 0.75 })]);
    const entry = await app.services.db.selectFrom('logbook_entries').select('details').where('id', '=', again.entryId).executeTakeFirstOrThrow();
    expect(JSON.parse(entry.details!)).toMatchObject({ rises: [{ key: 'equipment_leakage', previous: 400, value: 700, rise: 0.75 }], instrument: { serial: 'ESA615-4471023' } });
  });

  it('takes photos and PDFs uploaded in the background, without location data, and only the uploader’s own', async () => {
    const { tech, detail, base } = await device(5);
    const stageForm = (file: File) => {
      const fd = new FormData();
      fd.set('file', file);
      return fd;
    };
    const pdf = new File([new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')], 'ESA615-protocol.pdf', { type: 'application/pdf' });
    const staged = [await tech.inspections.stage(stageForm(photo(await jpegWithGps()))), await tech.inspections.stage(stageForm(pdf))];
    expect(staged.map((s) => s.mediaType)).toEqual(['image/jpeg', 'application/pdf']);
    // Not a photo and not a PDF: refused, nothing kept.
    const before = await counts();
    const notAPhoto = await rejection(tech.inspections.stage(stageForm(new File(['just text'], 'notes.jpg'))));
    expect(notAPhoto.message).toMatch(/neither a supported image .* nor a PDF/);
    expect(await counts()).toEqual(before);
    // Someone else's upload cannot be attached.
    const manager = await app.as('manager');
    expect((await rejection(manager.inspections.record({ ...base, values: good, uploadIds: [staged[0]!.id] }))).fieldErrors).toEqual({
      photos: 'An attached file is no longer waiting on the server (uploads are kept for 24 hours). Attach it again.',
    });
    tick();
    const res = await tech.inspections.record({ ...base, values: good, uploadIds: staged.map((s) => s.id) });
    const entry = (await tech.logbook.list({ deviceId: detail.device.id })).find((e) => e.id === res.entryId)!;
    expect(entry.attachments.map((a) => a.media_type).sort()).toEqual(['application/pdf', 'image/jpeg']);
    expect((await counts()).staged).toBe(0);
  });

  it('the due list groups by ward, soonest first, and its counts agree with the logbook', async () => {
    const tech = await app.as('technician');
    const { wards, total } = await tech.due.overview({});
    // Brute force from the logbook: every device's obligations derived afresh.
    const devices = await app.services.db.selectFrom('devices').select(['id', 'model_id', 'commissioned_on', 'department_id']).where('status', '!=', 'decommissioned').execute();
    const types = await assignedTypesOf(app.services.db, devices, day());
    const overdueDevices = devices.filter((d) => types.get(d.id)!.some((t) => t.due_on < day())).length;
    expect(total.devices).toBe(devices.length);
    expect(total.overdueDevices).toBe(overdueDevices);
    expect(total.overdue).toBe([...types.values()].flat().filter((t) => t.due_on < day()).length);
    expect(total.failed).toBe([...types.values()].flat().filter((t) => t.failed).length);
    expect(total.compliance).toBeCloseTo((devices.length - overdueDevices) / devices.length, 10);
    const ward = wards.find((w) => w.overdue > 0 && w.departmentId)!;

    const page = await tech.due.list({ departmentId: ward.departmentId!, window: 'overdue', pageSize: 200 });
    expect(page.total).toBe(ward.overdue);
    expect(page.items.every((i) => i.departmentId === ward.departmentId && i.state === 'overdue')).toBe(true);
    const order = page.items.map((i) => i.dueOn);
    expect(order).toEqual([...order].sort());
    const b = dueBounds(day());
    const open = await tech.due.list({ departmentId: ward.departmentId!, pageSize: 200 });
    expect(open.items.every((i) => i.state === 'failed' || i.dueOn <= b.nextMonthEnd)).toBe(true);
    const site = await tech.due.list({ siteId: ward.siteId, window: 'open', pageSize: 200 });
    const wardsInOrder = site.items.map((i) => i.departmentId);
    // Each ward's items come together, once.
    expect(wardsInOrder.filter((d, i) => i === 0 || wardsInOrder[i - 1] !== d)).toEqual([...new Set(wardsInOrder)]);
    // Nurses have no due list.
    expect((await rejection((await app.as('nurse')).due.list({}))).code).toBe('FORBIDDEN');
  });

  it('compliance history: a day derived from the logbook agrees with the stored obligations', async () => {
    const manager = await app.as('manager');
    const before = await manager.due.overview({});
    expect(before.history.length).toBeGreaterThanOrEqual(12);
    // Today's snapshot rewritten the way past days are derived (from the logbook as it stood), as if asked tomorrow:
    // it must say what the live counts from device_obligations say.
    await snapshotCompliance(app.services.db, day(), today(new Date(clock.getTime() + 86_400_000)));
    const todays = (await manager.due.overview({})).history.find((h) => h.on === day())!;
    expect(todays.devices).toBe(before.total.devices);
    expect(todays.compliance).toBeCloseTo(before.total.compliance!, 10);
  });

  it('after a software update on one device, a session on the new version clears the nurse for it again', async () => {
    const nurse = await app.as('nurse');
    const nurseId = await app.userId('nurse');
    // A device on her ward whose model she may use today.
    const { items } = await nurse.devices.list({ page: 1, pageSize: 200 });
    let target: Awaited<ReturnType<typeof nurse.devices.get>> | undefined;
    for (const d of items) {
      const got = await nurse.devices.get({ id: d.id });
      if (got.device.anlage1 && got.device.software_version && got.verdict.mayUse) {
        target = got;
        break;
      }
    }
    expect(target).toBeDefined();
    const tech = await app.as('technician');
    tick();
    await tech.measures.record({ deviceId: target!.device.id, kind: 'software_update', performedOn: day(), newVersion: `${target!.device.software_version}.7`, text: 'Sicherheitsupdate des Herstellers.' });
    expect((await nurse.devices.get({ id: target!.device.id })).verdict.reasons.map((r) => r.kind)).toContain('software_changed');
    // The device's version is within reach of a session at that site; one beyond it is not.
    const manager = await app.as('manager');
    const session = { modelId: target!.device.model_id, siteId: target!.device.site_id, instructorRole: 'manufacturer' as const, instructorName: 'Hersteller', method: 'on_device' as const, instructedOn: day(), trainees: [nurseId] };
    expect((await rejection(manager.instructions.record({ ...session, softwareVersion: `${target!.device.software_version}.8` }))).fieldErrors?.softwareVersion).toMatch(/newer version/);
    await manager.instructions.record({ ...session, softwareVersion: `${target!.device.software_version}.7` });
    expect((await nurse.devices.get({ id: target!.device.id })).verdict.mayUse).toBe(true);
  });
});
