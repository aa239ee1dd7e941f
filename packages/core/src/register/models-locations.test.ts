import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, rejection, type TestApp } from '../testing.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/** Device models, manufacturers and the location tree, on both databases. */
describe.each(testDialects)('register models and locations on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());
  const db = () => app.services.db;
  const typeId = async (code: string) => (await db().selectFrom('inspection_types').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
  const count = async (table: 'device_models' | 'manufacturers' | 'register_changes' | 'model_inspection_types' | 'departments') =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('adds a manufacturer and a model with its inspection types; a device of it gets those obligations', async () => {
    const manager = await app.as('manager');
    const dup = await rejection(manager.register.createManufacturer({ name: 'b. braun melsungen ag', address: 'x' }));
    expect(dup.fieldErrors).toEqual({ name: 'A manufacturer named “b. braun melsungen ag” is already in the register.' });
    const { id: manufacturerId } = await manager.register.createManufacturer({ name: 'Hamilton Medical AG', address: 'Via Crusch 8, 7402 Bonaduz', country: 'CH' });
    const stk = await typeId('STK');
    const { id } = await manager.register.createModel({
      manufacturerId,
      name: 'Hamilton C6',
      kind: 'Beatmungsgerät',
      typeDesignation: '161006',
      anlage1: 'on',
      anlage2: undefined,
      softwareVersion: '1.1',
      deviceClass: 'IIb',
      protectionClass: 'I',
      appliedPart: 'BF',
      instructionValidityMonths: '12',
      typeIds: [stk],
    } as never);
    const model = await manager.register.model({ id });
    expect(model.model).toMatchObject({ name: 'Hamilton C6', anlage1: 1, anlage2: 0, instruction_validity_months: 12, manufacturer_name: 'Hamilton Medical AG', version: 1 });
    expect(model.typeIds).toEqual([stk]);
    expect((await manager.register.models({ q: 'hamilton' })).map((m) => m.name)).toEqual(['Hamilton C6']);

    const site = await db().selectFrom('sites').select('id').where('name', '=', 'Klinikum Nord').executeTakeFirstOrThrow();
    const device = await manager.register.createDevice({ inventoryNumber: `HAM-${dialect}`, modelId: id, siteId: site.id, commissionedOn: '2026-01-10' });
    const due = await db().selectFrom('device_obligations').select(['inspection_type_id', 'due_on']).where('device_id', '=', device.id).execute();
    expect(due.map((d) => [d.inspection_type_id, String(d.due_on)])).toEqual([[stk, '2028-01-31']]);

    // Adding electrical safety through the model rewrites the device's obligations; removing STK drops it.
    const el = await typeId('EL-62353');
    await manager.register.setModelTypes({ id, version: 1, typeIds: [el] });
    const after = await db().selectFrom('device_obligations').select(['inspection_type_id']).where('device_id', '=', device.id).execute();
    expect(after.map((d) => d.inspection_type_id)).toEqual([el]);
    const history = await manager.register.model({ id });
    // Newest first: the change of types, then the model as it was added (with its first types).
    expect(history.history.filter((h) => h.field === 'inspection_types').map((h) => [h.old_value, h.new_value])).toEqual([
      ['STK', 'EL-62353'],
      [null, 'STK'],
    ]);
    expect(history.history.find((h) => h.field === 'name')).toMatchObject({ old_value: null, new_value: 'Hamilton C6', changed_by_name: 'Max Meier' });
    expect(history.history.find((h) => h.field === 'manufacturer')?.new_value).toBe('Hamilton Medical AG');
    expect(history.model.version).toBe(2);
    expect((await rejection(manager.register.setModelTypes({ id, version: 1, typeIds: [] }))).code).toBe('CONFLICT');
  });

  it('saves a model under its version, audited by readable values, and refuses a stale or duplicate save', async () => {
    const manager = await app.as('manager');
    const perfusor = await db().selectFrom('device_models').selectAll().where('name', '=', 'Perfusor Space').executeTakeFirstOrThrow();
    const agilia = await db().selectFrom('device_models').selectAll().where('name', '=', 'Agilia SP').executeTakeFirstOrThrow();
    const fields = {
      manufacturerId: perfusor.manufacturer_id,
      name: perfusor.name,
      kind: perfusor.kind,
      typeDesignation: perfusor.type_designation,
      anlage1: true,
      anlage2: false,
      softwareVersion: '690A',
      deviceClass: 'IIb' as const,
      protectionClass: 'II' as const,
      appliedPart: 'CF' as const,
      instructionValidityMonths: perfusor.instruction_validity_months ?? undefined,
    };
    const before = { models: await count('device_models'), changes: await count('register_changes') };
    const dup = await rejection(manager.register.updateModel({ ...fields, id: agilia.id, version: agilia.version, manufacturerId: perfusor.manufacturer_id }));
    expect(dup.fieldErrors).toEqual({ name: 'This manufacturer already has the model “Perfusor Space”, type “8713030”.' });
    const months = await rejection(manager.register.updateModel({ ...fields, id: perfusor.id, version: perfusor.version, instructionValidityMonths: '1,5' } as never));
    expect(months.fieldErrors).toEqual({ instructionValidityMonths: 'Enter whole months between 1 and 120, or leave empty.' });
    expect({ models: await count('device_models'), changes: await count('register_changes') }).toEqual(before);

    const saved = await manager.register.updateModel({ ...fields, id: perfusor.id, version: perfusor.version });
    expect(saved.changed).toEqual(['software_version']);
    const stale = await rejection(manager.register.updateModel({ ...fields, id: perfusor.id, version: perfusor.version, softwareVersion: '700' }));
    expect(stale.code).toBe('CONFLICT');
    expect((await db().selectFrom('device_models').select('software_version').where('id', '=', perfusor.id).executeTakeFirstOrThrow()).software_version).toBe('690A');
    const history = (await manager.register.model({ id: perfusor.id })).history;
    expect(history.map((h) => [h.field, h.old_value, h.new_value, h.changed_by_name])).toEqual([['software_version', '688F', '690A', 'Max Meier']]);

    // Anlage changed: audited; the obligations (from the assigned types) stay as they were.
    const obligations = () => db().selectFrom('device_obligations').innerJoin('devices as d', 'd.id', 'device_obligations.device_id').where('d.model_id', '=', perfusor.id).selectAll('device_obligations').orderBy('device_obligations.device_id').orderBy('inspection_type_id').execute();
    const unchanged = await obligations();
    const anlage = await manager.register.updateModel({ ...fields, id: perfusor.id, version: saved.version, anlage1: false });
    expect(anlage.changed).toEqual(['anlage1']);
    expect(await obligations()).toEqual(unchanged);
    expect((await rejection((await app.as('technician')).register.updateModel({ ...fields, id: perfusor.id, version: anlage.version }))).code).toBe('FORBIDDEN');
  });

  it('shows the location tree with device counts; adds, renames (audited) and moves a ward to another building', async () => {
    const admin = await app.as('admin');
    const tree = await admin.register.locations();
    const north = tree.find((s) => s.name === 'Klinikum Nord')!;
    const icu = north.buildings[0]!.departments.find((d) => d.name === 'Intensivstation 1')!;
    const inIcu = Number((await db().selectFrom('devices').where('department_id', '=', icu.id).where('status', '!=', 'decommissioned').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(icu.devices).toBe(inIcu);
    expect(icu.devices).toBeGreaterThan(0);
    expect(icu.rooms.reduce((n, r) => n + r.devices, 0)).toBeLessThanOrEqual(icu.devices);
    expect(icu.rooms).toHaveLength(4);

    const { id: houseB } = await admin.register.createLocation({ level: 'building', siteId: north.id, name: 'Haus B' });
    const { id: ward } = await admin.register.createLocation({ level: 'department', buildingId: houseB, name: 'Stroke Unit', kind: 'ward', costCentre: 'KST-4200' });
    await admin.register.createLocation({ level: 'room', departmentId: ward, name: 'Raum B.01', floor: '0' });
    const departments = await count('departments');
    const dup = await rejection(admin.register.createLocation({ level: 'department', buildingId: houseB, name: 'intensivstation 1', kind: 'ward' }));
    expect(dup.fieldErrors).toEqual({ name: '“intensivstation 1” already exists here.' });
    expect(await count('departments')).toBe(departments);

    await admin.register.renameLocation({ level: 'department', id: ward, name: 'Stroke Unit 5' });
    await admin.register.moveDepartment({ id: icu.id, buildingId: houseB });
    const south = tree.find((s) => s.name === 'Klinikum Süd')!;
    const other = await rejection(admin.register.moveDepartment({ id: icu.id, buildingId: south.buildings[0]!.id }));
    expect(other.fieldErrors).toEqual({ buildingId: 'Choose a building of the same site.' });
    const after = (await admin.register.locations()).find((s) => s.id === north.id)!;
    const b = after.buildings.find((x) => x.id === houseB)!;
    expect(b.departments.map((d) => d.name)).toEqual(['Intensivstation 1', 'Stroke Unit 5']);
    const changes = await db().selectFrom('register_changes').select(['entity', 'field', 'old_value', 'new_value']).where('entity', '=', 'department').orderBy('field').execute();
    expect(changes.sort((a, b) => a.field.localeCompare(b.field) || (a.old_value ?? '').localeCompare(b.old_value ?? ''))).toEqual([
      { entity: 'department', field: 'building', old_value: 'Haus A', new_value: 'Haus B' },
      // Added: the history starts with its name.
      { entity: 'department', field: 'name', old_value: null, new_value: 'Stroke Unit' },
      { entity: 'department', field: 'name', old_value: 'Stroke Unit', new_value: 'Stroke Unit 5' },
    ]);
    expect((await rejection((await app.as('nurse')).register.renameLocation({ level: 'site', id: north.id, name: 'X' }))).code).toBe('FORBIDDEN');
  });
});
