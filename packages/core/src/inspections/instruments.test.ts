import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, rejection, type TestApp } from '../testing.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/** The test instruments register through the API on both databases. */
describe.each(testDialects)('test instruments on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());

  const count = async () =>
    Number((await app.services.db.selectFrom('test_instruments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('lists instruments with their calibration state', async () => {
    const technician = await app.as('technician');
    const { active, retired, counts } = await technician.instruments.list();
    expect(retired).toEqual([]);
    // The demo workshop's old tester ran out of calibration a month ago.
    expect(active.find((i) => i.serial_number === 'PM3-0099812')).toMatchObject({ state: 'overdue', calibration_due_on: '2026-10-22' });
    expect(active.find((i) => i.serial_number === 'ESA615-4471023')).toMatchObject({ state: 'ok' });
    expect(counts).toEqual({ overdue: 1, dueSoon: 0 });
    expect((await rejection((await app.as('nurse')).instruments.list())).code).toBe('FORBIDDEN');
  });

  it('adds, edits and retires an instrument', async () => {
    const technician = await app.as('technician');
    const { id } = await technician.instruments.create({ name: 'Fluke ESA612', kind: 'Sicherheitstester IEC 62353', serialNumber: ' ESA612-0001 ', calibrationDueOn: '2026-12-10' });
    let listed = (await technician.instruments.list()).active.find((i) => i.id === id);
    // Due within 30 days (18 days from now): shown as due soon, still usable.
    expect(listed).toMatchObject({ name: 'Fluke ESA612', serial_number: 'ESA612-0001', state: 'due_soon' });

    const manager = await app.as('manager');
    await manager.instruments.update({ id, name: 'Fluke ESA612', kind: '', serialNumber: 'ESA612-0001', calibrationDueOn: '2027-12-10' });
    listed = (await manager.instruments.list()).active.find((i) => i.id === id);
    expect(listed).toMatchObject({ kind: null, calibration_due_on: '2027-12-10', state: 'ok' });

    await technician.instruments.retire({ id });
    const after = await technician.instruments.list();
    expect(after.active.some((i) => i.id === id)).toBe(false);
    expect(after.retired.find((i) => i.id === id)?.retired_at).toBe(NOW.toISOString());
    // No longer offered on the inspection form; and it cannot be edited or retired again.
    const device = (await technician.devices.list({ pageSize: 1 })).items[0]!;
    expect((await technician.inspections.formContext({ deviceId: device.id })).instruments.some((i) => i.id === id)).toBe(false);
    expect((await rejection(technician.instruments.update({ id, name: 'X', serialNumber: 'ESA612-0001', calibrationDueOn: '2027-12-10' }))).message).toBe(
      'This instrument is retired and can no longer be changed.',
    );
    expect((await rejection(technician.instruments.retire({ id }))).code).toBe('NOT_FOUND');
  });

  it('refuses a serial number another instrument has, whatever its case, and writes nothing', async () => {
    const technician = await app.as('technician', 'de');
    const before = await count();
    const dup = await rejection(technician.instruments.create({ name: 'Noch ein ESA615', serialNumber: 'esa615-4471023', calibrationDueOn: '2027-01-31' }), 'de');
    expect(dup.message).toBe('Ein anderes Prüfgerät hat schon die Seriennummer „esa615-4471023“.');
    expect(dup.fieldErrors).toEqual({ serialNumber: dup.message });
    expect(await count()).toBe(before);

    const other = await technician.instruments.create({ name: 'Fluke BP Pump 2', serialNumber: 'BPP2-99999', calibrationDueOn: '2027-01-31' });
    const clash = await rejection(technician.instruments.update({ id: other.id, name: 'Fluke BP Pump 2', serialNumber: 'BPP2-55410', calibrationDueOn: '2027-01-31' }), 'de');
    expect(clash.fieldErrors).toEqual({ serialNumber: 'Ein anderes Prüfgerät hat schon die Seriennummer „BPP2-55410“.' });
    expect((await technician.instruments.list()).active.find((i) => i.id === other.id)?.serial_number).toBe('BPP2-99999');
  });

  it('refuses a calibration date that does not exist and a missing name', async () => {
    const technician = await app.as('technician');
    const r = await rejection(technician.instruments.create({ name: ' ', serialNumber: 'X-1', calibrationDueOn: '2027-02-30' }));
    expect(r.fieldErrors).toEqual({ name: 'This field is required.', calibrationDueOn: 'Enter a date as YYYY-MM-DD.' });
  });
});
