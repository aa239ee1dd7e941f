import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { REGISTERED_TEXT } from './devices.server.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/** Devices in the register: create, correct, move, decommission, on both databases. */
describe.each(testDialects)('register devices on %s', (dialect) => {
  let app: TestApp;
  let place: { northId: string; southId: string; icuId: string; cardioId: string; neoId: string; icuRoom: string; cardioRoom: string; neoRoom: string };
  let models: { perfusor: string; agilia: string; bed: string };

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    const db = app.services.db;
    const site = async (name: string) => (await db.selectFrom('sites').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const ward = async (name: string) => (await db.selectFrom('departments').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const room = async (wardId: string) => (await db.selectFrom('rooms').select('id').where('department_id', '=', wardId).orderBy('name').executeTakeFirstOrThrow()).id;
    const model = async (name: string) => (await db.selectFrom('device_models').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const icuId = await ward('Intensivstation 1');
    const cardioId = await ward('Kardiologie 3B');
    const neoId = await ward('Neonatologie');
    place = {
      northId: await site('Klinikum Nord'),
      southId: await site('Klinikum Süd'),
      icuId,
      cardioId,
      neoId,
      icuRoom: await room(icuId),
      cardioRoom: await room(cardioId),
      neoRoom: await room(neoId),
    };
    models = { perfusor: await model('Perfusor Space'), agilia: await model('Agilia SP'), bed: await model('Centrella Smart+') };
  });
  afterAll(() => app.close());

  const db = () => app.services.db;
  const count = async (table: 'devices' | 'logbook_entries' | 'register_changes' | 'device_obligations') =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const counts = async () => ({
    devices: await count('devices'),
    entries: await count('logbook_entries'),
    changes: await count('register_changes'),
    obligations: await count('device_obligations'),
  });
  let serial = 0;
  const fields = (over: Record<string, unknown> = {}) => ({
    inventoryNumber: `REG-${dialect}-${++serial}`,
    modelId: models.perfusor,
    serialNumber: `SN-${serial}`,
    acquiredYear: '2024',
    commissionedOn: '2025-03-14',
    siteId: place.northId,
    departmentId: place.icuId,
    roomId: place.icuRoom,
    ...over,
  });
  const row = (id: string) => db().selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('registers a device with a label code, a first logbook entry and its obligations', async () => {
    const manager = await app.as('manager');
    const input = fields({ udiDi: '04046964123456', notifiedBody: '0123', deviceClass: 'IIb', ceMarked: 'yes', lotNumber: ' ', notes: 'Leihgerät' });
    const { id, code } = await manager.register.createDevice(input);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(await row(id)).toMatchObject({
      code,
      inventory_number: input.inventoryNumber,
      model_id: models.perfusor,
      serial_number: input.serialNumber,
      lot_number: null,
      acquired_year: 2024,
      commissioned_on: '2025-03-14',
      site_id: place.northId,
      department_id: place.icuId,
      room_id: place.icuRoom,
      status: 'in_service',
      udi_di: '04046964123456',
      notified_body: '0123',
      device_class: 'IIb',
      ce_marked: 1,
      notes: 'Leihgerät',
      version: 1,
    });
    const entries = await db().selectFrom('logbook_entries').selectAll().where('device_id', '=', id).execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ seq: 1, kind: 'note', text: REGISTERED_TEXT, recorded_by: await app.userId('manager') });
    expect(JSON.parse(entries[0]!.details!)).toEqual({ registered: { source: 'form' } });
    // The Perfusor has STK (24 months, end of month) and electrical safety (12 months): counted from commissioning.
    const obligations = await db()
      .selectFrom('device_obligations as o')
      .innerJoin('inspection_types as t', 't.id', 'o.inspection_type_id')
      .select(['t.code', 'o.due_on', 'o.department_id', 'o.site_id'])
      .where('o.device_id', '=', id)
      .orderBy('t.code')
      .execute();
    expect(obligations.map((o) => [o.code, String(o.due_on), o.department_id])).toEqual([
      ['EL-62353', '2026-03-31', place.icuId],
      ['STK', '2027-03-31', place.icuId],
    ]);
    // The device page finds it by its code.
    expect((await manager.devices.get({ code })).device.inventory_number).toBe(input.inventoryNumber);
  });

  it('refuses each wrong field with its message at the field, and writes nothing', async () => {
    const manager = await app.as('manager', 'de');
    const taken = fields();
    await manager.register.createDevice(taken);
    // Outside ASCII too: the database compares both sides with its own lower() (SQLite folds ASCII only).
    const umlaut = fields({ inventoryNumber: 'MT-ÄÖ-1' });
    await manager.register.createDevice(umlaut);
    const before = await counts();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ inventoryNumber: taken.inventoryNumber.toLowerCase() }, 'inventoryNumber', `Ein anderes Gerät hat schon die Inventarnummer „${taken.inventoryNumber.toLowerCase()}“.`],
      [{ inventoryNumber: 'MT-ÄÖ-1' }, 'inventoryNumber', 'Ein anderes Gerät hat schon die Inventarnummer „MT-ÄÖ-1“.'],
      [{ inventoryNumber: '  ' }, 'inventoryNumber', 'Dieses Feld ist erforderlich.'],
      [{ modelId: 'no-such-model' }, 'modelId', 'Bitte einen Gerätetyp aus der Liste wählen.'],
      [{ siteId: 'nowhere' }, 'siteId', 'Bitte einen Standort aus der Liste wählen.'],
      [{ departmentId: place.neoId, roomId: '' }, 'departmentId', 'Diese Station oder Abteilung gehört nicht zu Klinikum Nord.'],
      [{ roomId: place.cardioRoom }, 'roomId', 'Dieser Raum gehört nicht zu Intensivstation 1.'],
      [{ departmentId: '', roomId: place.icuRoom }, 'roomId', 'Bitte zuerst die Station oder Abteilung des Raums wählen.'],
      [{ commissionedOn: '2026-11-23' }, 'commissionedOn', 'Das Datum darf nicht in der Zukunft liegen.'],
      [{ commissionedOn: '2026-02-30' }, 'commissionedOn', 'Bitte ein Datum im Format JJJJ-MM-TT eingeben.'],
      [{ acquiredYear: '2027', commissionedOn: '' }, 'acquiredYear', 'Das Anschaffungsjahr kann nicht in der Zukunft liegen.'],
      [{ acquiredYear: '24' }, 'acquiredYear', 'Geben Sie das Anschaffungsjahr vierstellig ein, z. B. 2021.'],
      [{ notifiedBody: 'CE12' }, 'notifiedBody', 'Die Nummer der Benannten Stelle hat vier Ziffern, z. B. 0123.'],
      [{ deviceClass: 'IV' }, 'deviceClass', 'Bitte eine der angebotenen Optionen wählen.'],
    ];
    for (const [over, field, message] of cases) {
      const r = await rejection(manager.register.createDevice(fields(over) as never), 'de');
      expect(r.code, field).toBe('BAD_REQUEST');
      expect(r.fieldErrors?.[field], JSON.stringify(over)).toBe(message);
    }
    // Everything the register's rules refuse, in one answer.
    const several = await rejection(manager.register.createDevice(fields({ inventoryNumber: 'MT-ÄÖ-1', commissionedOn: '2026-11-23', modelId: 'no-such-model' }) as never), 'de');
    expect(several.message).toBe('3 Felder sind zu korrigieren: Jedes sagt, was zu ändern ist.');
    expect(Object.keys(several.fieldErrors ?? {}).sort()).toEqual(['commissionedOn', 'inventoryNumber', 'modelId']);
    expect(await counts()).toEqual(before);
  });

  it('registers one of two devices saved at once with the same inventory number in another case', async () => {
    const manager = await app.as('manager');
    const admin = await app.as('admin');
    const before = await count('devices');
    const results = await Promise.allSettled([
      manager.register.createDevice(fields({ inventoryNumber: `race-${dialect}` })),
      admin.register.createDevice(fields({ inventoryNumber: `RACE-${dialect}` })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((await rejection(Promise.reject(refused.reason))).fieldErrors?.inventoryNumber).toMatch(/^Another device already has the inventory number “(race|RACE)-/);
    expect(await count('devices')).toBe(before + 1);
  });

  it('lets neither technicians nor nurses keep the register', async () => {
    const before = await counts();
    for (const role of ['technician', 'nurse'] as const) {
      const caller = await app.as(role);
      expect((await rejection(caller.register.createDevice(fields()))).code).toBe('FORBIDDEN');
      expect((await rejection(caller.register.options())).code).toBe('FORBIDDEN');
      expect((await rejection(caller.register.locations())).code).toBe('FORBIDDEN');
      expect((await rejection(caller.register.models({}))).code).toBe('FORBIDDEN');
    }
    const device = await db().selectFrom('devices').select(['id', 'code', 'version']).executeTakeFirstOrThrow();
    const technician = await app.as('technician');
    expect((await rejection(technician.register.updateDevice({ ...fields(), id: device.id, version: device.version }))).code).toBe('FORBIDDEN');
    expect((await rejection(technician.register.moveDevice({ id: device.id, version: device.version, siteId: place.southId }))).code).toBe('FORBIDDEN');
    expect((await rejection(technician.register.decommissionDevice({ id: device.id, version: device.version, decommissionedOn: '2026-11-22', reason: 'kaputt' }))).code).toBe('FORBIDDEN');
    expect((await rejection(technician.register.device({ code: device.code }))).code).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('records each changed field with its old and new value as people read them', async () => {
    const manager = await app.as('manager');
    const input = fields();
    const { id, code } = await manager.register.createDevice(input);
    const { version, changed } = await manager.register.updateDevice({
      ...input,
      id,
      version: 1,
      modelId: models.agilia,
      serialNumber: 'SN-NEW',
      ceMarked: 'no',
      notes: 'Neu beschriftet',
    });
    expect(version).toBe(2);
    expect(changed.sort()).toEqual(['ce_marked', 'model', 'notes', 'serial_number']);
    const history = (await manager.register.device({ code })).history;
    expect(history.map((h) => [h.field, h.old_value, h.new_value, h.changed_by_name, h.changed_at]).sort()).toEqual(
      [
        ['ce_marked', null, 'no', 'Max Meier', NOW.toISOString()],
        ['model', 'Perfusor Space', 'Agilia SP', 'Max Meier', NOW.toISOString()],
        ['notes', null, 'Neu beschriftet', 'Max Meier', NOW.toISOString()],
        ['serial_number', input.serialNumber, 'SN-NEW', 'Max Meier', NOW.toISOString()],
      ].sort(),
    );
    expect(await row(id)).toMatchObject({ model_id: models.agilia, serial_number: 'SN-NEW', ce_marked: 0, version: 2, site_id: place.northId });
    // Saving the same values again changes nothing but the version.
    const again = await manager.register.updateDevice({ ...input, id, version: 2, modelId: models.agilia, serialNumber: 'SN-NEW', ceMarked: 'no', notes: 'Neu beschriftet' });
    expect(again.changed).toEqual([]);
    expect((await manager.register.device({ code })).history).toHaveLength(4);
  });

  it('refuses the second of two edits made from the same version and keeps the first', async () => {
    const manager = await app.as('manager');
    const admin = await app.as('admin');
    const input = fields();
    const { id } = await manager.register.createDevice(input);
    await manager.register.updateDevice({ ...input, id, version: 1, serialNumber: 'FIRST' });
    const before = await counts();
    const r = await rejection(admin.register.updateDevice({ ...input, id, version: 1, serialNumber: 'SECOND' }));
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toBe('Someone else changed this in the meantime. Reload the page to see their change, then try again.');
    expect(await row(id)).toMatchObject({ serial_number: 'FIRST', version: 2 });
    expect(await counts()).toEqual(before);

    // Both at once: exactly one wins, whatever the database does in parallel.
    const results = await Promise.allSettled([
      manager.register.updateDevice({ ...input, id, version: 2, serialNumber: 'A' }),
      admin.register.updateDevice({ ...input, id, version: 2, serialNumber: 'B' }),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const winner = results[0]!.status === 'fulfilled' ? 'A' : 'B';
    expect(await row(id)).toMatchObject({ serial_number: winner, version: 3 });
    expect((await db().selectFrom('register_changes').select('new_value').where('entity_id', '=', id).where('field', '=', 'serial_number').execute()).map((c) => c.new_value).sort()).toEqual(
      ['FIRST', winner].sort(),
    );
  });

  it('moves a device: relocation entry, history, and its obligations follow to the new ward', async () => {
    const manager = await app.as('manager');
    const { id } = await manager.register.createDevice(fields());
    const refused = await rejection(manager.register.moveDevice({ id, version: 1, siteId: place.southId, departmentId: place.icuId }));
    expect(refused.fieldErrors).toEqual({ departmentId: 'This ward or department is not at Klinikum Süd.' });
    const same = await rejection(manager.register.moveDevice({ id, version: 1, siteId: place.northId, departmentId: place.icuId, roomId: place.icuRoom }));
    expect(same.fieldErrors?.departmentId).toBe('The device is already there. Choose another site, ward or room.');

    const { version } = await manager.register.moveDevice({ id, version: 1, siteId: place.southId, departmentId: place.neoId, roomId: place.neoRoom });
    expect(version).toBe(2);
    expect(await row(id)).toMatchObject({ site_id: place.southId, department_id: place.neoId, room_id: place.neoRoom, version: 2 });
    const entry = await db().selectFrom('logbook_entries').selectAll().where('device_id', '=', id).where('kind', '=', 'relocation').executeTakeFirstOrThrow();
    expect(entry.seq).toBe(2);
    expect(entry.text).toBe('Relocated from Klinikum Nord › Intensivstation 1 › Raum 1.01 to Klinikum Süd › Neonatologie › Raum 1.01.');
    expect(JSON.parse(entry.details!)).toEqual({
      from: { siteId: place.northId, departmentId: place.icuId, roomId: place.icuRoom },
      to: { siteId: place.southId, departmentId: place.neoId, roomId: place.neoRoom },
    });
    const obligations = await db().selectFrom('device_obligations').select(['site_id', 'department_id']).where('device_id', '=', id).execute();
    expect(obligations).toHaveLength(2);
    expect(obligations.every((o) => o.site_id === place.southId && o.department_id === place.neoId)).toBe(true);
    const history = await db().selectFrom('register_changes').select(['field', 'old_value', 'new_value']).where('entity_id', '=', id).orderBy('field').execute();
    expect(history).toEqual([
      { field: 'department', old_value: 'Intensivstation 1', new_value: 'Neonatologie' },
      { field: 'room', old_value: 'Raum 1.01', new_value: 'Raum 1.01' },
      { field: 'site', old_value: 'Klinikum Nord', new_value: 'Klinikum Süd' },
    ].filter((h) => h.old_value !== h.new_value));
    // A stale move form is refused too.
    expect((await rejection(manager.register.moveDevice({ id, version: 1, siteId: place.northId }))).code).toBe('CONFLICT');
  });

  it('decommissions a device: no obligations any more, status and logbook entry; refuses a future date', async () => {
    const manager = await app.as('manager');
    const { id } = await manager.register.createDevice(fields());
    expect(await db().selectFrom('device_obligations').select('device_id').where('device_id', '=', id).execute()).toHaveLength(2);
    const before = await counts();
    const future = await rejection(manager.register.decommissionDevice({ id, version: 1, decommissionedOn: '2026-11-23', reason: 'Totalschaden' }));
    expect(future.fieldErrors).toEqual({ decommissionedOn: 'The date cannot be in the future.' });
    const early = await rejection(manager.register.decommissionDevice({ id, version: 1, decommissionedOn: '2025-01-01', reason: 'Totalschaden' }));
    expect(early.fieldErrors?.decommissionedOn).toBe('The device was commissioned on 2025-03-14; it cannot be decommissioned before.');
    const noReason = await rejection(manager.register.decommissionDevice({ id, version: 1, decommissionedOn: '2026-11-20', reason: ' ' }));
    expect(noReason.fieldErrors).toEqual({ reason: 'This field is required.' });
    expect((await rejection(manager.register.decommissionDevice({ id, version: 7, decommissionedOn: '2026-11-20', reason: 'Totalschaden' }))).code).toBe('CONFLICT');
    expect(await counts()).toEqual(before);

    await manager.register.decommissionDevice({ id, version: 1, decommissionedOn: '2026-11-20', reason: 'Totalschaden' });
    expect(await row(id)).toMatchObject({ status: 'decommissioned', decommissioned_on: '2026-11-20', version: 2 });
    expect(await db().selectFrom('device_obligations').select('device_id').where('device_id', '=', id).execute()).toEqual([]);
    const entry = await db().selectFrom('logbook_entries').selectAll().where('device_id', '=', id).where('kind', '=', 'decommissioning').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ text: 'Decommissioned. Reason: Totalschaden', occurred_at: '2026-11-20T11:00:00.000Z' });
    expect((await rejection(manager.register.decommissionDevice({ id, version: 2, decommissionedOn: '2026-11-21', reason: 'nochmal' }))).message).toBe('The device is decommissioned.');
    expect((await rejection(manager.register.moveDevice({ id, version: 2, siteId: place.southId }))).message).toBe('The device is decommissioned.');
  });
});
