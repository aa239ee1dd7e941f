import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, jpegWithGps, photo, rejection, type TestApp } from '../testing.js';
import { sessionsOnModel } from './sessions.server.js';
import sharp from 'sharp';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/** Instructions end to end through the API: request, session, verdict, matrix, record, defect reports. */
describe.each(testDialects)('instructions on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());

  const count = async (table: 'instructions' | 'instruction_trainees' | 'instruction_requests' | 'defect_reports' | 'logbook_entries') =>
    Number((await app.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /** An Anlage 1 device on the nurse's wards she is not instructed on, with no overdue inspection, and its twin. */
  async function uninstructedDevice() {
    const nurse = await app.as('nurse');
    const { items } = await nurse.devices.list({ pageSize: 200 });
    const details = await Promise.all(items.map((d) => nurse.devices.get({ id: d.id })));
    const device = details.find(
      (d) =>
        d.device.anlage1 === 1 &&
        d.verdict.reasons.length === 1 &&
        d.verdict.reasons[0]!.kind === 'not_instructed' &&
        details.some((o) => o.device.model_id === d.device.model_id && o.device.id !== d.device.id),
    )!;
    const twin = details.find((o) => o.device.model_id === device.device.model_id && o.device.id !== device.device.id)!;
    return { device, twin, details };
  }

  it('the demo shows every answer on the nurse’s wards', async () => {
    const { details } = await uninstructedDevice();
    const kinds = new Set(details.flatMap((d) => (d.verdict.mayUse ? ['may_use'] : d.verdict.reasons.map((r) => r.kind))));
    for (const kind of ['may_use', 'not_instructed', 'instruction_expired', 'inspection_overdue']) expect(kinds).toContain(kind);
  });

  it('a nurse requests instruction, a manager records a session with her, and she may use the device and its twin', async () => {
    const nurse = await app.as('nurse');
    const nurseId = await app.userId('nurse');
    const { device, twin } = await uninstructedDevice();
    expect(device.verdict).toEqual({ mayUse: false, reasons: [{ kind: 'not_instructed' }], instructedUntil: null });
    // Whom to ask: the appointed person for this model at this site.
    expect(device.instructionHelp).toEqual({ appointed: [expect.objectContaining({ name: 'Tom Techniker' })], request: null });

    const asked = await nurse.instructions.request({ deviceId: device.device.id });
    expect(asked.created).toBe(true);
    // A double tap keeps one request.
    expect((await nurse.instructions.request({ deviceId: twin.device.id })).id).toBe(asked.id);
    expect((await nurse.devices.get({ id: device.device.id })).instructionHelp?.request?.id).toBe(asked.id);

    const manager = await app.as('manager');
    const groups = await manager.instructions.openRequests();
    const group = groups.find((g) => g.modelId === device.device.model_id)!;
    expect(group.people.map((p) => p.id)).toContain(nurseId);

    const before = await count('instructions');
    const saved = await manager.instructions.record({
      modelId: device.device.model_id,
      siteId: device.device.site_id,
      instructorRole: 'appointed',
      instructorUserId: await app.userId('technician'),
      method: 'on_device',
      instructedOn: '2026-11-20',
      trainees: [nurseId],
    });
    // The model's re-instruction interval (12 months) sets the validity.
    expect(saved.validUntil).toBe('2027-11-20');
    expect(await count('instructions')).toBe(before + 1);

    const after = await nurse.devices.get({ id: device.device.id });
    expect(after.verdict).toEqual({ mayUse: true, reasons: [], instructedUntil: '2027-11-20' });
    // Instructed: nobody to ask, nothing requested.
    expect(after.instructionHelp).toBeNull();
    // Instruction is per model: the identical device needs no repeat.
    expect((await nurse.devices.get({ id: twin.device.id })).verdict.reasons).not.toContainEqual({ kind: 'not_instructed' });
    expect((await manager.instructions.openRequests()).flatMap((g) => g.people.map((p) => p.id))).not.toContain(nurseId);
    // Someone else's instruction does not count for the manager.
    expect((await manager.devices.get({ id: device.device.id })).verdict.reasons).toContainEqual({ kind: 'not_instructed' });

    // The session is one model-level record every device of the model at the site shows.
    const ofTwin = await manager.instructions.ofDevice({ deviceId: twin.device.id });
    expect(ofTwin.sessions[0]).toMatchObject({ instructed_on: '2026-11-20', instructor_name: 'Tom Techniker', trainee_count: 1, trainees: ['Paula Pflege'] });
    // A nurse sees that it took place, not who attended.
    expect((await nurse.instructions.ofDevice({ deviceId: twin.device.id })).sessions[0]!.trainees).toBeNull();

    // She confirms it in the app; once.
    await nurse.instructions.confirm({ instructionId: saved.id });
    expect((await rejection(nurse.instructions.confirm({ instructionId: saved.id }))).message).toMatch(/already confirmed/);
  });

  it('a newer software version invalidates the instruction until re-instructed', async () => {
    const nurse = await app.as('nurse');
    const valid = (await nurse.devices.list({ pageSize: 200 })).items;
    const details = await Promise.all(valid.map((d) => nurse.devices.get({ id: d.id })));
    const ok = details.find((d) => d.device.anlage1 === 1 && d.verdict.mayUse && d.device.software_version)!;
    await app.services.db.updateTable('device_models').set({ software_version: `${ok.device.software_version}.1` }).where('id', '=', ok.device.model_id).execute();
    const reasons = (await nurse.devices.get({ id: ok.device.id })).verdict.reasons;
    expect(reasons).toEqual([{ kind: 'software_changed', instructed: ok.device.software_version, current: `${ok.device.software_version}.1` }]);
    // Nobody can record an instruction on software the devices do not run yet.
    const manager = await app.as('manager');
    const ahead = manager.instructions.record({
      modelId: ok.device.model_id, siteId: ok.device.site_id, instructorRole: 'manufacturer', instructorName: 'Hersteller', method: 'on_device',
      instructedOn: '2026-11-21', softwareVersion: `${ok.device.software_version}.2`, trainees: [await app.userId('nurse')],
    });
    expect((await rejection(ahead)).fieldErrors?.softwareVersion).toMatch(/newer version/);
  });

  it('refuses bad sessions with a clear message and writes nothing', async () => {
    const manager = await app.as('manager');
    const nurse = await app.as('nurse');
    const { device } = await uninstructedDevice();
    const base = {
      modelId: device.device.model_id,
      siteId: device.device.site_id,
      instructorRole: 'manufacturer' as const,
      instructorName: 'Frau Vertrieb (Hersteller)',
      method: 'in_person' as const,
      instructedOn: '2026-11-21',
      trainees: [await app.userId('nurse')],
    };
    const blocked = (await app.services.db.selectFrom('users').select('id').where('blocked_at', 'is not', null).executeTakeFirstOrThrow()).id;
    const before = await Promise.all([count('instructions'), count('instruction_trainees')]);

    const future = await rejection(manager.instructions.record({ ...base, instructedOn: '2026-11-23' }));
    expect(future.fieldErrors?.instructedOn).toMatch(/future/);
    expect((await rejection(manager.instructions.record({ ...base, trainees: [blocked] }))).fieldErrors?.trainees).toMatch(/blocked/);
    expect((await rejection(manager.instructions.record({ ...base, trainees: [await app.userId('manager')] }))).fieldErrors?.trainees).toMatch(/yourself/);
    expect((await rejection(manager.instructions.record({ ...base, instructorName: undefined }))).fieldErrors?.instructorName).toMatch(/Name the instructor/);
    expect((await rejection(manager.instructions.record({ ...base, trainees: [] }))).fieldErrors?.trainees).toMatch(/at least one/);
    // An appointed-person session needs an appointed instructor.
    expect(
      (await rejection(manager.instructions.record({ ...base, instructorRole: 'appointed', instructorUserId: await app.userId('admin') }))).fieldErrors?.instructorUserId,
    ).toMatch(/not an appointed person/);
    // A nurse who is not appointed records nothing at all, least of all for herself.
    expect((await rejection(nurse.instructions.record({ ...base, trainees: [await app.userId('technician')] }))).code).toBe('FORBIDDEN');
    // Listing herself, she is told exactly that, in her language.
    expect((await rejection(nurse.instructions.record(base), 'de')).fieldErrors?.trainees).toMatch(/nicht für sich selbst|für sich selbst/);
    expect(await Promise.all([count('instructions'), count('instruction_trainees')])).toEqual(before);

    // The form's id makes a double submit record the session once.
    const sessionId = crypto.randomUUID();
    const first = await manager.instructions.record({ ...base, id: sessionId, instructorUserId: await app.userId('technician') });
    const second = await manager.instructions.record({ ...base, id: sessionId });
    expect(second.id).toBe(first.id);
    expect(await count('instructions')).toBe(before[0] + 1);
    // For the manufacturer, the typed name is the instructor, not a colleague picked earlier in the form.
    const row = await app.services.db.selectFrom('instructions').select(['instructor_name', 'instructor_user_id']).where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(row).toEqual({ instructor_name: 'Frau Vertrieb (Hersteller)', instructor_user_id: null });
  });

  it('an appointed nurse instructs colleagues but cannot record her own instruction', async () => {
    const manager = await app.as('manager');
    const nurseId = await app.userId('nurse');
    const { device } = await uninstructedDevice();
    await manager.instructions.appoint({
      modelId: device.device.model_id,
      siteId: device.device.site_id,
      userId: nurseId,
      instructedOn: '2026-10-01',
      instructorName: 'Herr Außendienst',
      evidence: 'Zertifikat 4711',
    });
    const twice = await rejection(
      manager.instructions.appoint({ modelId: device.device.model_id, siteId: device.device.site_id, userId: nurseId, instructedOn: '2026-10-01', instructorName: 'Herr Außendienst', evidence: 'Zertifikat 4711' }),
    );
    expect(twice.fieldErrors?.userId).toMatch(/already appointed/);
    // Her own instruction by the manufacturer counts like any other.
    const nurse = await app.as('nurse');
    expect((await nurse.devices.get({ id: device.device.id })).verdict.mayUse).toBe(true);
    const options = await nurse.instructions.formOptions({ departmentId: device.device.department_id! });
    const colleague = options.trainees[0]!;
    // The form offers her models at her site only, her own appointment, and only people of that site, however asked.
    expect(options.sites.map((s) => s.id)).toEqual([device.device.site_id]);
    expect(options.models.map((m) => m.id)).toEqual([device.device.model_id]);
    expect(options.appointed.every((a) => a.user_id === nurseId)).toBe(true);
    expect(options.departments.every((d) => d.site_id === device.device.site_id)).toBe(true);
    const siteOf = async (userIds: string[]) =>
      (await app.services.db.selectFrom('user_departments as ud').innerJoin('departments as d', 'd.id', 'ud.department_id').select(['ud.user_id', 'd.site_id']).where('ud.user_id', 'in', userIds).execute()).filter((r) => r.site_id === device.device.site_id).map((r) => r.user_id);
    const everyone = await nurse.instructions.formOptions({ departmentId: 'all' });
    expect(everyone.trainees.length).toBeGreaterThan(0);
    expect(new Set(await siteOf(everyone.trainees.map((p) => p.id)))).toEqual(new Set(everyone.trainees.map((p) => p.id)));
    const elsewhere = await app.services.db
      .selectFrom('user_departments as ud')
      .innerJoin('departments as d', 'd.id', 'ud.department_id')
      .innerJoin('users as u', 'u.id', 'ud.user_id')
      .select('ud.user_id')
      .where('u.blocked_at', 'is', null)
      .where('d.site_id', '!=', device.device.site_id)
      .where('ud.user_id', 'not in', (eb) => eb.selectFrom('user_departments as x').innerJoin('departments as y', 'y.id', 'x.department_id').select('x.user_id').where('y.site_id', '=', device.device.site_id))
      .executeTakeFirstOrThrow();
    expect((await nurse.instructions.formOptions({ include: [elsewhere.user_id] })).trainees.map((p) => p.id)).not.toContain(elsewhere.user_id);
    expect((await manager.instructions.formOptions({ include: [elsewhere.user_id] })).trainees.map((p) => p.id)).toContain(elsewhere.user_id);
    const session = {
      modelId: device.device.model_id,
      siteId: device.device.site_id,
      instructorRole: 'appointed' as const,
      instructorUserId: nurseId,
      method: 'on_device' as const,
      instructedOn: '2026-11-22',
    };
    const self = await rejection(nurse.instructions.record({ ...session, trainees: [nurseId, colleague.id] }));
    expect(self.fieldErrors?.trainees).toMatch(/yourself/);
    expect((await rejection(nurse.instructions.record({ ...session, instructorRole: 'manufacturer', instructorUserId: undefined, instructorName: 'X Y', trainees: [colleague.id] }))).fieldErrors?.instructorRole).toMatch(/only sessions you gave yourself/);
    const saved = await nurse.instructions.record({ ...session, trainees: [colleague.id], paperSigned: true });
    expect(saved.trainees).toBe(1);
    const row = await app.services.db.selectFrom('instruction_trainees').selectAll().where('instruction_id', '=', saved.id).executeTakeFirstOrThrow();
    expect(row.confirmation).toBe('paper');
  });

  it('the matrix shows each person and model; a person who left keeps their records', async () => {
    const manager = await app.as('manager');
    const nurseId = await app.userId('nurse');
    const { departments } = await manager.instructions.scopes();
    const icu = departments.find((d) => d.name === 'Intensivstation 1')!;
    const m = await manager.instructions.matrix({ scope: { departmentId: icu.id } });
    expect(m.models.length).toBeGreaterThan(0);
    expect(m.people.length).toBe(10); // nine colleagues still there and the demo nurse
    expect(m.people.map((p) => p.id)).toContain(nurseId);
    const states = new Set(m.people.flatMap((p) => p.cells.map((c) => c.state)));
    for (const s of ['current', 'missing']) expect(states).toContain(s);
    expect(m.gaps).toEqual(m.models.map((_, i) => m.people.filter((p) => !['current', 'expiring'].includes(p.cells[i]!.state)).length));

    const withBlocked = await manager.instructions.matrix({ scope: { departmentId: icu.id }, includeBlocked: true });
    const departed = withBlocked.people.find((p) => p.blocked)!;
    expect(departed).toBeDefined();
    const record = await manager.instructions.personRecord({ userId: departed.id });
    expect(record.person.blocked).toBe(true);
    const rows = await app.services.db.selectFrom('instruction_trainees').select('instruction_id').where('user_id', '=', departed.id).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(record.instructions.map((i) => i.id).sort()).toEqual(rows.map((r) => r.instruction_id).sort());
    // Looking at someone else's record is logged.
    const log = await app.services.db.selectFrom('access_log').selectAll().where('subject', '=', `user:${departed.id}`).execute();
    expect(log).toHaveLength(1);

    // The nurse gets her own record, nobody else's.
    const nurse = await app.as('nurse');
    expect((await nurse.instructions.personRecord({})).person.id).toBe(nurseId);
    expect((await rejection(nurse.instructions.personRecord({ userId: departed.id }))).code).toBe('FORBIDDEN');
    expect((await rejection(nurse.instructions.matrix({ scope: { departmentId: icu.id } }))).code).toBe('FORBIDDEN');
  });

  it('instruction records cannot be changed behind the application either', async () => {
    await expect(app.services.db.updateTable('instructions').set({ instructor_name: 'Someone else' }).execute()).rejects.toThrow(/append-only/);
    await expect(app.services.db.deleteFrom('instruction_trainees').execute()).rejects.toThrow(/append-only/);
    // Nobody is struck off or swapped, and a confirmation stands once given.
    await expect(app.services.db.updateTable('instruction_trainees').set({ user_id: await app.userId('admin') }).execute()).rejects.toThrow(/append-only/);
    await expect(app.services.db.updateTable('instruction_trainees').set({ confirmed_at: null }).where('confirmed_at', 'is not', null).execute()).rejects.toThrow(/append-only/);
  });

  it('a defect report lands in the logbook and the technicians’ queue, and its reporter sees its state', async () => {
    const nurse = await app.as('nurse');
    const tech = await app.as('technician');
    const { items } = await nurse.devices.list({ pageSize: 5 });
    const device = items[0]!;
    const before = await Promise.all([count('defect_reports'), count('logbook_entries')]);
    const tooShort = await rejection(nurse.defects.report({ deviceId: device.id, text: 'kaputt'.slice(0, 3) }));
    expect(tooShort.fieldErrors?.text).toMatch(/at least 5/);
    const tooMany = new FormData();
    tooMany.append('deviceId', device.id);
    tooMany.append('text', 'Display flackert');
    for (let i = 0; i < 7; i++) tooMany.append('photos', photo(await jpegWithGps(), `p${i}.jpg`));
    expect((await rejection(nurse.defects.report(tooMany as never))).fieldErrors?.photos).toBe('Attach at most 6 photos.');
    expect(await Promise.all([count('defect_reports'), count('logbook_entries')])).toEqual(before);

    const fd = new FormData();
    fd.append('deviceId', device.id);
    fd.append('text', 'Display flackert, Alarmton leise');
    fd.append('incidentSuspected', 'on');
    fd.append('photos', photo(await jpegWithGps(), 'display.jpg'));
    const { id } = await nurse.defects.report(fd as never);
    expect(await Promise.all([count('defect_reports'), count('logbook_entries')])).toEqual([before[0] + 1, before[1] + 1]);

    const entry = (await nurse.logbook.list({ deviceId: device.id }))[0]!;
    expect(entry).toMatchObject({ kind: 'defect_report', text: 'Display flackert, Alarmton leise', recorded_by_name: 'Paula Pflege' });
    const [attachment] = entry.attachments;
    const stored = await app.services.db.selectFrom('attachments').select('sha256').where('id', '=', attachment!.id).executeTakeFirstOrThrow();
    expect((await sharp(app.services.files.read(stored.sha256)).metadata()).exif).toBeUndefined();

    // Until a technician has looked, whoever scans the device is told not to use it.
    expect((await tech.devices.get({ id: device.id })).verdict.reasons).toContainEqual(expect.objectContaining({ kind: 'incident_reported', text: 'Display flackert, Alarmton leise' }));
    const queue = await tech.defects.queue();
    expect(queue[0]).toMatchObject({ id, incident_suspected: 1, status: 'open', reporter_name: 'Paula Pflege' });
    expect((await rejection(nurse.defects.handle({ id, action: 'start' }))).code).toBe('FORBIDDEN');
    await tech.defects.handle({ id, action: 'start' });
    expect((await nurse.defects.ofDevice({ deviceId: device.id }))[0]).toMatchObject({ id, status: 'in_progress' });
    expect((await rejection(tech.defects.handle({ id, action: 'close' }))).fieldErrors?.resolution).toMatch(/what was found/);
    await tech.defects.handle({ id, action: 'close', resolution: 'Display getauscht, Alarm geprüft' });
    expect((await nurse.defects.ofDevice({ deviceId: device.id }))[0]).toMatchObject({ id, status: 'closed', resolution: 'Display getauscht, Alarm geprüft' });
    expect((await nurse.logbook.list({ deviceId: device.id }))[0]).toMatchObject({ kind: 'defect_report', text: 'Display getauscht, Alarm geprüft' });
    expect((await tech.defects.queue()).map((d) => d.id)).not.toContain(id);
    expect((await tech.devices.get({ id: device.id })).verdict.reasons.map((r) => r.kind)).not.toContain('incident_reported');
    // Taking on a report twice is refused, not silently repeated.
    const again = await nurse.defects.report({ deviceId: device.id, text: 'Knopf klemmt' });
    await tech.defects.handle({ id: again.id, action: 'start' });
    expect((await rejection(tech.defects.handle({ id: again.id, action: 'start' }))).code).toBe('CONFLICT');
  });

  it('each role’s start page shows its own work', async () => {
    const nurse = await (await app.as('nurse')).start.page();
    if (nurse.role !== 'nurse') throw new Error('expected the nurse page');
    expect(nurse.instructions.length).toBeGreaterThan(0);
    expect(nurse.instructions.every((i) => i.state !== 'current')).toBe(true);
    expect(nurse.defects.length).toBeGreaterThan(0);

    const tech = await (await app.as('technician')).start.page();
    if (tech.role !== 'technician') throw new Error('expected the technician page');
    expect(tech.due.overdue + tech.due.dueSoon).toBeGreaterThan(0);
    // Failed first, then soonest.
    const order = tech.due.items.map((d) => `${d.state === 'failed' ? 0 : 1}|${d.dueOn}`);
    expect(order).toEqual([...order].sort());

    const manager = await (await app.as('manager')).start.page();
    if (manager.role !== 'manager') throw new Error('expected the manager page');
    expect(manager.counts.devices).toBe(200);
    expect(manager.requests.length).toBeGreaterThan(0);
  });

  it('records the functional test before first use once', async () => {
    const tech = await app.as('technician');
    const rows = await app.services.db
      .selectFrom('devices')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .where('m.anlage1', '=', 1)
      .select('devices.id')
      .execute();
    const ofDevice = await Promise.all(rows.map(async (r) => ({ id: r.id, info: await tech.instructions.ofDevice({ deviceId: r.id }) })));
    const missing = ofDevice.find((d) => d.info.firstUse === null)!;
    const done = ofDevice.find((d) => d.info.firstUse !== null)!;
    expect((await rejection(tech.instructions.recordFirstUseTest({ deviceId: done.id, performedOn: '2026-11-01', performedBy: 'Hersteller', result: 'passed' }))).code).toBe('CONFLICT');
    await tech.instructions.recordFirstUseTest({ deviceId: missing.id, performedOn: '2026-11-21', performedBy: 'Hersteller Außendienst', result: 'passed' });
    expect((await tech.instructions.ofDevice({ deviceId: missing.id })).firstUse).toMatchObject({ performed_by: 'Hersteller Außendienst', result: 'passed' });
  });
  it('a device page lists the newest sessions of its site and those held for every site, and none of another site', async () => {
    const db = app.services.db;
    const model = await db.selectFrom('device_models').select('id').where('anlage1', '=', 1).executeTakeFirstOrThrow();
    const [here, there] = await db.selectFrom('sites').select('id').orderBy('id').limit(2).execute();
    const recorder = await db.selectFrom('users').select('id').where('role', '=', 'manager').executeTakeFirstOrThrow();
    const session = (n: number, siteId: string | null, on: string) => ({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, model_id: model.id, site_id: siteId, instructor_user_id: null, instructor_name: 'Hersteller',
      instructor_role: 'manufacturer' as const, method: 'in_person' as const, instructed_on: on, software_version: null, valid_until: null, remark: null,
      recorded_by: recorder.id, recorded_at: `${on}T12:00:00.000Z`,
    });
    // Newer sessions elsewhere must not push this site's out; one held for every site is the newest of all.
    await db.insertInto('instructions').values([
      ...Array.from({ length: 8 }, (_, i) => session(900 + i, here!.id, `2026-0${1 + (i % 9)}-1${i}`)),
      ...Array.from({ length: 6 }, (_, i) => session(920 + i, there!.id, `2026-10-0${1 + i}`)),
      session(930, null, '2026-11-01'),
      session(931, null, '2025-01-01'),
    ]).execute();
    const all = await db.selectFrom('instructions').select(['id', 'site_id', 'instructed_on', 'recorded_at']).where('model_id', '=', model.id).execute();
    const expected = all
      .filter((s) => s.site_id === here!.id || s.site_id === null)
      .sort((a, b) => b.instructed_on.localeCompare(a.instructed_on) || b.recorded_at.localeCompare(a.recorded_at))
      .slice(0, 10)
      .map((s) => s.id);
    const listed = await sessionsOnModel(db, model.id, here!.id, { withNames: false });
    expect(listed.map((s) => s.id)).toEqual(expected);
    expect(listed[0]!.id).toBe(session(930, null, '').id);
    expect(listed.filter((s) => all.find((a) => a.id === s.id)!.site_id === there!.id)).toEqual([]);
    expect(await sessionsOnModel(db, model.id, here!.id, { withNames: false, limit: 3 })).toHaveLength(3);
  });
});
