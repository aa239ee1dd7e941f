import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormField } from '@medreg/db';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { nextDueDate } from './due.js';
import type { TypeInput } from './types.server.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

type Field = TypeInput['form'][number];

const leakage: Extract<Field, { kind: 'number' }> = {
  key: 'leakage',
  kind: 'number',
  label: { de: 'Ableitstrom', en: 'Leakage current' },
  unit: 'µA',
  limits: [{ when: { protectionClass: 'I' }, max: 500 }, { when: { protectionClass: 'II' }, max: 100 }],
  range: { min: 0, max: 100_000 },
  watchRise: true,
};
const valid = (): TypeInput => ({
  code: 'it-sec',
  nameDe: 'IT-Sicherheitsprüfung',
  nameEn: 'IT security check',
  legalReference: 'MPBetreibV 2025 §17',
  intervalMonths: 12,
  anchor: 'end_of_month',
  performerRoles: ['technician', 'manager'],
  form: [
    { key: 'visual', kind: 'pass_fail', label: { de: 'Sichtprüfung', en: 'Visual inspection' } },
    leakage,
    { key: 'patch_level', kind: 'choice', label: { de: 'Patchstand', en: 'Patch level' }, options: ['aktuell', 'veraltet'] },
    { key: 'remark', kind: 'text', label: { de: 'Bemerkung', en: 'Remark' } },
  ],
});

/** Inspection types, their assignment to models and per-device overrides, through the API on both databases. */
describe.each(testDialects)('inspection types on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());

  const db = () => app.services.db;
  const count = async (table: 'inspection_types' | 'model_inspection_types' | 'device_inspection_overrides' | 'logbook_entries' | 'device_obligations') =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const typeByCode = (code: string) => db().selectFrom('inspection_types').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
  const obligationsOf = (typeId: string) => db().selectFrom('device_obligations').selectAll().where('inspection_type_id', '=', typeId).execute();
  const modelByName = (name: string) => db().selectFrom('device_models').select('id').where('name', '=', name).executeTakeFirstOrThrow();

  it('lists the seeded types with the number of models they are assigned to', async () => {
    const manager = await app.as('manager');
    const { active, archived } = await manager.inspectionTypes.list();
    expect(archived).toEqual([]);
    expect(active.map((t) => t.code)).toEqual(['DGUV-V3', 'EL-62353', 'MTK-IRT', 'MTK-NIBP', 'MTK-TONO', 'STK']);
    // The catalogue assigns STK to the eleven Anlage 1 models.
    expect(active.find((t) => t.code === 'STK')).toMatchObject({ models: 11, fields: 6, interval_months: 24 });
    // Nurses and technicians do not manage types.
    for (const role of ['nurse', 'technician'] as const)
      expect((await rejection((await app.as(role)).inspectionTypes.list())).code).toBe('FORBIDDEN');
  });

  it('creates a type with its form; the code is unique', async () => {
    const manager = await app.as('manager');
    const { id } = await manager.inspectionTypes.create(valid());
    const { type, assignments } = await manager.inspectionTypes.get({ id });
    expect(type).toMatchObject({ code: 'IT-SEC', interval_months: 12, anchor: 'end_of_month', performer_roles: ['technician', 'manager'], version: 1, archived_at: null });
    expect(type.form).toEqual(valid().form);
    expect(assignments).toEqual([]);

    const before = await count('inspection_types');
    const dup = await rejection(manager.inspectionTypes.create({ ...valid(), code: 'stk' }));
    expect(dup.message).toBe('The code “STK” is already used by another inspection type.');
    expect(dup.fieldErrors).toEqual({ code: dup.message });
    expect(await count('inspection_types')).toBe(before);
  });

  it('stores limits without empty conditions and reads decimals typed with a comma (the editor posts a form)', async () => {
    const manager = await app.as('manager');
    const fd = new FormData();
    for (const [k, v] of Object.entries({
      code: 'DEFI-E', nameDe: 'Energieabgabe Defibrillator', nameEn: 'Defibrillator energy output', legalReference: '', intervalMonths: '12', anchor: 'exact',
      'form.0.key': 'energy', 'form.0.kind': 'number', 'form.0.label.de': 'Abgegebene Energie', 'form.0.label.en': 'Delivered energy', 'form.0.unit': 'J',
      'form.0.limits.0.protectionClass': '', 'form.0.limits.0.appliedPart': '', 'form.0.limits.0.min': '190,5', 'form.0.limits.0.max': '210',
      'form.0.range.min': '', 'form.0.range.max': '',
      'form.1.key': 'options', 'form.1.kind': 'choice', 'form.1.label.de': 'Paddles', 'form.1.label.en': 'Paddles', 'form.1.options': 'extern\n\n intern \n',
    })) fd.set(k, v);
    fd.append('performerRoles', 'technician');
    const { id } = await manager.inspectionTypes.create(fd as never);
    const { type } = await manager.inspectionTypes.get({ id });
    expect(type.legal_reference).toBeNull();
    expect(type.form).toEqual<FormField[]>([
      { key: 'energy', kind: 'number', label: { de: 'Abgegebene Energie', en: 'Delivered energy' }, unit: 'J', limits: [{ min: 190.5, max: 210 }] },
      { key: 'options', kind: 'choice', label: { de: 'Paddles', en: 'Paddles' }, options: ['extern', 'intern'] },
    ]);
  });

  it.each([
    ['a limit with neither minimum nor maximum', (f: TypeInput['form']) => { f[1] = { ...leakage, limits: [{ when: { protectionClass: 'I' } }] } as never; }, 'form.1.limits.0.min', 'Field 2 “Leakage current”, Limit 1: Enter a minimum, a maximum or both.'],
    ['a minimum above the maximum', (f: TypeInput['form']) => { f[1] = { ...leakage, limits: [{ min: 5, max: 1 }] }; }, 'form.1.limits.0.max', 'Field 2 “Leakage current”, Limit 1: The minimum is above the maximum.'],
    ['two limits with the same conditions', (f: TypeInput['form']) => { f[1] = { ...leakage, limits: [{ when: { protectionClass: 'I' }, max: 500 }, { when: { protectionClass: 'I' }, max: 400 }] }; }, 'form.1.limits.1', 'Field 2 “Leakage current”, Limit 2: Another limit has the same conditions. Combine them or change one.'],
    ['a physical range upside down', (f: TypeInput['form']) => { f[1] = { ...leakage, range: { min: 10, max: 0 } }; }, 'form.1.range.max', 'Field 2 “Leakage current”: The minimum is above the maximum.'],
    ['two fields with one key', (f: TypeInput['form']) => { f[3] = { ...f[3]!, key: 'visual' }; }, 'form.3.key', 'Field 4 “Remark”: Another field already uses this key.'],
    ['a key with capitals', (f: TypeInput['form']) => { f[0] = { ...f[0]!, key: 'Visual' } as never; }, 'form.0.key', 'Field 1 “Visual inspection”: Use lower-case letters, digits and _, starting with a letter (at most 40 characters).'],
    ['a missing English label', (f: TypeInput['form']) => { f[3] = { ...f[3]!, label: { de: 'Bemerkung', en: ' ' } }; }, 'form.3.label.en', 'Field 4 “remark”: This field is required.'],
    ['a choice with one option', (f: TypeInput['form']) => { f[2] = { ...f[2]!, options: ['aktuell'] } as never; }, 'form.2.options', 'Field 3 “Patch level”: Enter at least 2 options.'],
    ['a number without unit', (f: TypeInput['form']) => { f[1] = { ...leakage, unit: '' }; }, 'form.1.unit', 'Field 2 “Leakage current”: This field is required.'],
  ])('refuses %s, naming the field, and writes nothing', async (_what, spoil, path, message) => {
    const manager = await app.as('manager');
    const input = valid();
    input.code = `BAD-${path.length}`;
    spoil(input.form);
    const before = await count('inspection_types');
    const r = await rejection(manager.inspectionTypes.create(input));
    expect(r.message).toBe(message);
    expect(r.fieldErrors).toEqual({ [path]: message });
    expect(await count('inspection_types')).toBe(before);
  });

  it('refuses bad base fields, in the person’s language', async () => {
    const manager = await app.as('manager', 'de');
    const interval = await rejection(manager.inspectionTypes.create({ ...valid(), intervalMonths: 121 }), 'de');
    expect(interval.fieldErrors).toEqual({ intervalMonths: 'Intervall (Monate): Bitte einen Wert von höchstens 120 eingeben.' });
    const roles = await rejection(manager.inspectionTypes.create({ ...valid(), performerRoles: [] }), 'de');
    expect(roles.message).toBe('Wer sie erfassen darf: Bitte mindestens eine Rolle wählen.');
    const field = await rejection(manager.inspectionTypes.create({ ...valid(), form: [{ ...leakage, limits: [{ min: 3, max: 2 }] }] }), 'de');
    expect(field.message).toBe('Feld 1 „Ableitstrom“, Grenzwert 1: Der Mindestwert liegt über dem Höchstwert.');
    // An empty short code is missing, not badly written.
    for (const code of ['', '   ']) {
      const empty = await rejection(manager.inspectionTypes.create({ ...valid(), code }), 'de');
      expect(empty.fieldErrors?.code).toBe(`Kürzel: ${translator('de')('errors.required')}`);
    }
  });

  it('updates with the loaded version, refuses a stale one, and keeps fields that have recorded values', async () => {
    const manager = await app.as('manager');
    const stk = await typeByCode('STK');
    const { type } = await manager.inspectionTypes.get({ id: stk.id });
    const input = {
      id: type.id,
      version: type.version,
      code: type.code,
      nameDe: type.name_de,
      nameEn: type.name_en,
      legalReference: type.legal_reference ?? '',
      intervalMonths: type.interval_months,
      anchor: type.anchor,
      performerRoles: ['technician' as const, 'manager' as const, 'admin' as const],
      form: type.form.map((f) => (f.key === 'protective_earth' && f.kind === 'number' ? { ...f, limits: [{ when: { protectionClass: 'I' }, max: 200 }] } : f)),
    };
    const saved = await manager.inspectionTypes.update(input);
    expect(saved).toMatchObject({ version: type.version + 1, devices: 0 });
    const form = JSON.parse((await typeByCode('STK')).form) as FormField[];
    expect(form.find((f) => f.key === 'protective_earth')).toMatchObject({ limits: [{ when: { protectionClass: 'I' }, max: 200 }] });

    // A second editor who loaded the old version is told, and changes nothing.
    const stale = await rejection(manager.inspectionTypes.update({ ...input, nameEn: 'Overwritten' }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toMatch(/Someone else changed this/);
    expect((await typeByCode('STK')).name_en).toBe(type.name_en);

    // The seeded STK inspections recorded visual checks: that field stays, and keeps its kind.
    const fresh = { ...input, version: saved.version };
    const removed = await rejection(manager.inspectionTypes.update({ ...fresh, form: fresh.form.filter((f) => f.key !== 'visual') }));
    expect(removed.message).toMatch(/^Field “visual” has \d+ recorded values: it cannot be removed/);
    const kind = await rejection(manager.inspectionTypes.update({ ...fresh, form: fresh.form.map((f) => (f.key === 'visual' ? { ...f, kind: 'text' as const } : f)) }));
    expect(kind.fieldErrors).toEqual({ 'form.0.kind': kind.message });
    expect((await typeByCode('STK')).version).toBe(saved.version);

    // A field nobody has measured can go again.
    const added = await manager.inspectionTypes.update({ ...fresh, form: [...fresh.form, { key: 'battery', kind: 'pass_fail' as const, label: { de: 'Akku', en: 'Battery' } }] });
    const gone = await manager.inspectionTypes.update({ ...fresh, version: added.version });
    expect(gone.version).toBe(added.version + 1);
  });

  it('a new interval moves the stored due dates at once, counted from the last passed inspection or commissioning', async () => {
    const manager = await app.as('manager');
    const dguv = await typeByCode('DGUV-V3');
    const rows = await db()
      .selectFrom('device_obligations as o')
      .innerJoin('devices as d', 'd.id', 'o.device_id')
      .where('o.inspection_type_id', '=', dguv.id)
      .select(['o.device_id', 'o.due_on', 'o.interval_months', 'o.last_entry_id', 'o.last_on', 'o.last_result', 'd.commissioned_on'])
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    const { type } = await manager.inspectionTypes.get({ id: dguv.id });
    const saved = await manager.inspectionTypes.update({
      id: type.id, version: type.version, code: type.code, nameDe: type.name_de, nameEn: type.name_en, legalReference: type.legal_reference ?? '',
      intervalMonths: 6, anchor: 'end_of_month', performerRoles: ['technician'], form: type.form,
    });
    expect(saved.devices).toBe(rows.length);
    const after = await obligationsOf(dguv.id);
    for (const before of rows) {
      const now = after.find((r) => r.device_id === before.device_id)!;
      expect(now.interval_months).toBe(6);
      // The new rule applies at once: from the last passed inspection, or from commissioning if never inspected;
      // a failed last inspection keeps the date it was measured against.
      if (before.last_entry_id === null) expect(String(now.due_on)).toBe(nextDueDate(before.commissioned_on!, 6, 'end_of_month'));
      else if (before.last_result === 'passed') expect(String(now.due_on)).toBe(nextDueDate(String(before.last_on), 6, 'end_of_month'));
      else expect(String(now.due_on)).toBe(String(before.due_on));
    }
  });

  it('archiving ends the obligation on every device and restoring brings it back', async () => {
    const manager = await app.as('manager');
    const tono = await typeByCode('MTK-TONO');
    const before = (await obligationsOf(tono.id)).length;
    expect(before).toBeGreaterThan(0);
    const archived = await manager.inspectionTypes.archive({ id: tono.id, version: tono.version, archived: true });
    expect(await obligationsOf(tono.id)).toEqual([]);
    expect((await manager.inspectionTypes.list()).archived.map((t) => t.code)).toEqual(['MTK-TONO']);
    // Archiving with the version from before is a conflict, not a silent repeat.
    expect((await rejection(manager.inspectionTypes.archive({ id: tono.id, version: tono.version, archived: false }))).code).toBe('CONFLICT');
    await manager.inspectionTypes.archive({ id: tono.id, version: archived.version, archived: false });
    expect((await obligationsOf(tono.id)).length).toBe(before);
  });

  it('assigning a type to models gives their devices the obligation; removing it takes it away', async () => {
    const manager = await app.as('manager');
    const { id } = await manager.inspectionTypes.create({ ...valid(), code: 'WARTUNG', intervalMonths: 12, anchor: 'exact' });
    const pump = await modelByName('Perfusor Space');
    const bed = await modelByName('Centrella Smart+');
    const devicesOf = async (modelId: string) =>
      db().selectFrom('devices').select(['id', 'commissioned_on']).where('model_id', '=', modelId).where('status', '!=', 'decommissioned').execute();
    const pumps = await devicesOf(pump.id);
    const beds = await devicesOf(bed.id);

    const set = await manager.inspectionTypes.setAssignments({ id, version: 1, models: { [pump.id]: null, [bed.id]: 36 } });
    expect(set).toEqual({ version: 2, devices: pumps.length + beds.length });
    const rows = await obligationsOf(id);
    expect(rows.length).toBe(pumps.length + beds.length);
    for (const d of beds) {
      const row = rows.find((r) => r.device_id === d.id)!;
      expect(row.interval_months).toBe(36);
      expect(String(row.due_on)).toBe(nextDueDate(d.commissioned_on!, 36, 'exact'));
    }
    expect((await manager.inspectionTypes.list()).active.find((t) => t.id === id)?.models).toBe(2);

    // The same page posted twice: the second one loaded version 1 and is refused.
    expect((await rejection(manager.inspectionTypes.setAssignments({ id, version: 1, models: {} }))).code).toBe('CONFLICT');
    const bad = await rejection(manager.inspectionTypes.setAssignments({ id, version: 2, models: { [bed.id]: 0 } }));
    expect(bad.message).toBe('Centrella Smart+: Enter a value of at least 1.');

    await manager.inspectionTypes.setAssignments({ id, version: 2, models: { [bed.id]: null } });
    const left = await obligationsOf(id);
    expect(left.map((r) => r.device_id).sort()).toEqual(beds.map((d) => d.id).sort());
    expect(left.every((r) => r.interval_months === 12)).toBe(true);
  });

  it('a device is exempted with a reason: its obligation goes, and its logbook says so', async () => {
    const manager = await app.as('manager');
    const stk = await typeByCode('STK');
    const row = (await obligationsOf(stk.id))[0]!;
    const device = await db().selectFrom('devices').select(['id', 'code']).where('id', '=', row.device_id).executeTakeFirstOrThrow();
    const entries = await count('logbook_entries');

    // An exemption without a reason is refused and writes nothing.
    const noReason = await rejection(manager.inspectionTypes.setOverride({ deviceId: device.id, typeId: stk.id, mode: 'exempt', reason: ' x ' }));
    expect(noReason.fieldErrors).toEqual({ reason: 'Enter at least 3 characters.' });
    expect(await count('logbook_entries')).toBe(entries);
    expect(await count('device_inspection_overrides')).toBe(0);

    expect(await manager.inspectionTypes.setOverride({ deviceId: device.id, typeId: stk.id, mode: 'exempt', reason: 'Eingelagert, nicht in Gebrauch' })).toEqual({ changed: true });
    expect((await obligationsOf(stk.id)).some((r) => r.device_id === device.id)).toBe(false);
    const note = await db().selectFrom('logbook_entries').selectAll().where('device_id', '=', device.id).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(note).toMatchObject({ kind: 'note', inspection_type_id: stk.id, recorded_by: await app.userId('manager') });
    expect(note.text).toBe('Obligation Safety inspection (STK): this device is exempted. Reason: Eingelagert, nicht in Gebrauch');
    expect(JSON.parse(note.details!)).toEqual({
      obligation: { typeCode: 'STK', change: 'exempt', assignedIntervalMonths: 24, previous: null, override: { interval_months: null, exempt: true, reason: 'Eingelagert, nicht in Gebrauch' } },
    });
    // The same exemption again changes nothing and writes nothing.
    expect(await manager.inspectionTypes.setOverride({ deviceId: device.id, typeId: stk.id, mode: 'exempt', reason: 'Eingelagert, nicht in Gebrauch' })).toEqual({ changed: false });
    expect(await count('logbook_entries')).toBe(entries + 1);

    const page = await manager.inspectionTypes.ofDevice({ code: device.code });
    expect(page.types.find((t) => t.id === stk.id)).toMatchObject({ override: { exempt: true, reason: 'Eingelagert, nicht in Gebrauch', set_by_name: 'Max Meier' }, obligation: null });

    // Another interval instead: the device's obligation comes back with it.
    await manager.inspectionTypes.setOverride({ deviceId: device.id, typeId: stk.id, mode: 'interval', intervalMonths: 12 });
    expect((await obligationsOf(stk.id)).find((r) => r.device_id === device.id)?.interval_months).toBe(12);
    const intervalNote = await db().selectFrom('logbook_entries').select('text').where('device_id', '=', device.id).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(intervalNote.text).toBe('Obligation Safety inspection (STK): interval for this device 12 months (previously exempt).');

    await manager.inspectionTypes.clearOverride({ deviceId: device.id, typeId: stk.id });
    expect((await obligationsOf(stk.id)).find((r) => r.device_id === device.id)?.interval_months).toBe(24);
    expect(await count('device_inspection_overrides')).toBe(0);
    expect(await count('logbook_entries')).toBe(entries + 3);

    // Technicians record inspections; they do not change obligations.
    const technician = await app.as('technician');
    expect((await rejection(technician.inspectionTypes.setOverride({ deviceId: device.id, typeId: stk.id, mode: 'interval', intervalMonths: 6 }))).code).toBe('FORBIDDEN');
  });
});
