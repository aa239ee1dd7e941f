import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { createTestApp, type TestApp } from '../testing.js';
import { describeError } from '../trpc/describe.js';
import { today } from '../inspections/due.js';

async function rejection(p: Promise<unknown>) {
  const e = await p.then(() => expect.fail('the call was accepted'), (err: unknown) => err);
  return describeError(e, translator('en'));
}

/** The lock-out loop: lock (from a failed test), BfArM report, release only with a passed test or a manager's reason. */
describe.each(testDialects)('lock-out loop on %s', (dialect) => {
  let app: TestApp;
  // A clock that moves a minute per step, so "after the lock" never depends on timing.
  let clock = new Date('2026-11-20T08:00:00.000Z');
  const tick = () => (clock = new Date(clock.getTime() + 60_000));

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app.close());

  const entryCount = async () =>
    Number((await app.services.db.selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /** The n-th demo device whose model needs an STK (they carry the leakage-current form). */
  async function device(n: number) {
    const tech = await app.as('technician');
    const rows = await app.services.db
      .selectFrom('devices')
      .innerJoin('model_inspection_types as mit', 'mit.model_id', 'devices.model_id')
      .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
      .where('it.code', '=', 'STK')
      .select('devices.id')
      .orderBy('devices.inventory_number')
      .execute();
    const detail = await tech.devices.get({ id: rows[n]!.id });
    const stk = detail.inspections.find((t) => t.code === 'STK')!;
    const testInstrumentId = await app.instrumentId();
    // A passed STK needs every check of its form; a failed one without a failing value needs its reason.
    const complete = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '40', applied_part_leakage: '10', functional: 'pass' };
    const inspect = (result: 'passed' | 'failed', values?: Record<string, string>, performedOn?: string) => {
      tick();
      return tech.inspections.record({
        deviceId: detail.device.id, inspectionTypeId: stk.id, performedOn: performedOn ?? today(clock), result,
        values: values ?? (result === 'passed' ? complete : {}), text: result === 'failed' ? 'Alarm löst nicht aus.' : undefined, testInstrumentId,
      });
    };
    return { tech, id: detail.device.id, code: detail.device.code, inventoryNumber: detail.device.inventory_number, inspect };
  }

  it('a failed inspection asks for a lock; locking from it links the two and changes the status everywhere', async () => {
    const { tech, id, code, inventoryNumber, inspect } = await device(10);
    const failed = await inspect('passed', { applied_part_leakage: '80' });
    expect(failed.result).toBe('failed');
    const before = await tech.devices.get({ id });
    expect(before.unhandledFailure?.id).toBe(failed.entryId);
    expect(before.lock).toBeNull();

    tick();
    await tech.lockout.lock({ deviceId: id, reason: 'Ableitstrom zu hoch', incidentSuspected: false, causeEntryId: failed.entryId });
    const after = await tech.devices.get({ code });
    expect(after.device.status).toBe('locked');
    expect(after.lock).toMatchObject({ reason: 'Ableitstrom zu hoch', cause_entry_id: failed.entryId, locked_by_name: 'Tom Techniker' });
    expect(after.unhandledFailure).toBeNull();
    expect((await tech.devices.list({ q: inventoryNumber })).items[0]!.status).toBe('locked');
    expect((await tech.lockout.open()).map((l) => l.inventory_number)).toContain(inventoryNumber);
    expect(await tech.lockout.openCount()).toBe((await tech.lockout.open()).length);
    expect(await tech.lockout.openCount()).toBeGreaterThan(0);
  });

  it('refuses a cause that is not a failed inspection of this device', async () => {
    const { tech, id } = await device(11);
    const other = await device(12);
    const failedElsewhere = await other.inspect('failed');
    const n = await entryCount();
    expect((await rejection(tech.lockout.lock({ deviceId: id, reason: 'Defekt', causeEntryId: failedElsewhere.entryId }))).fieldErrors).toEqual({
      causeEntryId: 'This value is not valid.',
    });
    expect(await entryCount()).toBe(n);
  });

  it('a technician cannot release without a passed test after the lock; a test before the lock or a failed one does not count', async () => {
    const { tech, id, inventoryNumber, inspect } = await device(13);
    const passedBefore = await inspect('passed');
    tick();
    await tech.lockout.lock({ deviceId: id, reason: 'Display defekt' });
    const failedAfter = await inspect('failed');
    // Entered after the lock but dated the day before: not a test after the repair.
    const backDated = await inspect('passed', undefined, today(new Date(clock.getTime() - 86_400_000)));
    const n = await entryCount();

    expect((await rejection(tech.lockout.release({ deviceId: id }))).fieldErrors).toEqual({
      inspectionEntryId: 'Choose the passed inspection recorded after the lock, or record one first.',
    });
    expect((await rejection(tech.lockout.release({ deviceId: id, reason: 'trust me' }))).fieldErrors).toEqual({
      inspectionEntryId: 'Choose the passed inspection recorded after the lock, or record one first.',
    });
    for (const entryId of [passedBefore.entryId, failedAfter.entryId, backDated.entryId]) {
      expect((await rejection(tech.lockout.release({ deviceId: id, inspectionEntryId: entryId }))).fieldErrors).toEqual({
        inspectionEntryId: 'This inspection cannot release the device: it must have passed and been recorded after the lock.',
      });
    }
    expect(await entryCount()).toBe(n);
    expect((await tech.devices.get({ id })).device.status).toBe('locked');

    const passedAfter = await inspect('passed');
    expect((await tech.lockout.releaseOptions({ deviceId: id })).tests.map((t) => t.id)).toEqual([passedAfter.entryId]);
    tick();
    expect(await tech.lockout.release({ deviceId: id, inspectionEntryId: passedAfter.entryId })).toMatchObject({ status: 'in_service' });

    const detail = await tech.devices.get({ id });
    expect(detail.device.status).toBe('in_service');
    expect(detail.lock).toBeNull();
    expect(detail.released).toMatchObject({ released_by_name: 'Tom Techniker', release_inspection_entry_id: passedAfter.entryId });
    const [release] = await tech.logbook.list({ deviceId: id, kinds: ['release'] });
    expect(release).toMatchObject({ kind: 'release', recorded_by_name: 'Tom Techniker' });
    expect(release!.details).toMatchObject({ inspectionEntryId: passedAfter.entryId });
    expect((await rejection(tech.lockout.release({ deviceId: id, inspectionEntryId: passedAfter.entryId }))).code).toBe('CONFLICT');
    expect(await tech.lockout.open()).not.toContainEqual(expect.objectContaining({ inventory_number: inventoryNumber }));
  });

  it('a manager may release with an explicit reason, never without one; a nurse may not release at all', async () => {
    const { id } = await device(14);
    const manager = await app.as('manager');
    tick();
    await manager.lockout.lock({ deviceId: id, reason: 'Versehentlich gesperrt?' });
    expect((await rejection(manager.lockout.release({ deviceId: id, reason: ' ' }))).fieldErrors).toEqual({
      reason: 'Without a passed inspection, give the reason for the release (at least 3 characters).',
    });
    const nurse = await app.as('nurse');
    expect((await rejection(nurse.lockout.release({ deviceId: id, reason: 'Ich brauche es' }))).code).toBe('FORBIDDEN');
    tick();
    await manager.lockout.release({ deviceId: id, reason: 'Sperre irrtümlich, Gerät nie am Patienten verwendet' });
    const detail = await manager.devices.get({ id });
    expect(detail.device.status).toBe('in_service');
    expect(detail.released).toMatchObject({ release_reason: 'Sperre irrtümlich, Gerät nie am Patienten verwendet', release_inspection_entry_id: null });
  });

  it('the release notice shows for 90 days, then fades; the logbook keeps both entries', async () => {
    const { id } = await device(14);
    const manager = await app.as('manager');
    const saved = clock;
    try {
      clock = new Date(saved.getTime() + 89 * 86_400_000);
      expect((await manager.devices.get({ id })).released).not.toBeNull();
      clock = new Date(saved.getTime() + 91 * 86_400_000);
      expect((await manager.devices.get({ id })).released).toBeNull();
    } finally {
      clock = saved;
    }
    expect((await manager.logbook.list({ deviceId: id, kinds: ['lock', 'release'] })).map((e) => e.kind)).toEqual(['release', 'lock']);
  });

  it('the device-safety officer records the BfArM report on a suspected incident', async () => {
    const { tech, id } = await device(15);
    tick();
    await tech.lockout.lock({ deviceId: id, reason: 'Patient verletzt, Ursache unklar', incidentSuspected: true });
    expect((await rejection(tech.lockout.reportIncident({ deviceId: id, reportedOn: today(clock), reference: 'X' }))).code).toBe('FORBIDDEN');
    const manager = await app.as('manager');
    const n = await entryCount();
    expect((await rejection(manager.lockout.reportIncident({ deviceId: id, reportedOn: '2026-13-01', reference: 'X' }))).fieldErrors).toEqual({
      reportedOn: 'Enter a date as YYYY-MM-DD.',
    });
    expect((await rejection(manager.lockout.reportIncident({ deviceId: id, reportedOn: '2020-01-01', reference: 'X' }))).fieldErrors).toEqual({
      reportedOn: 'The report cannot be dated before the lock.',
    });
    expect((await rejection(manager.lockout.reportIncident({ deviceId: id, reportedOn: '2099-01-01', reference: 'X' }))).fieldErrors).toEqual({
      reportedOn: 'The date cannot be in the future.',
    });
    expect((await rejection(manager.lockout.reportIncident({ deviceId: id, reportedOn: today(clock), reference: '  ' }))).fieldErrors).toHaveProperty('reference');
    expect(await entryCount()).toBe(n);

    tick();
    await manager.lockout.reportIncident({ deviceId: id, reportedOn: today(clock), reference: 'BfArM 12345/26' });
    expect((await manager.devices.get({ id })).lock).toMatchObject({ bfarm_reported_on: today(clock), bfarm_reference: 'BfArM 12345/26' });
    const [incident] = await manager.logbook.list({ deviceId: id, kinds: ['incident'] });
    expect(incident).toMatchObject({ kind: 'incident', text: 'BfArM 12345/26' });
    // A second report does not overwrite the first.
    expect((await rejection(manager.lockout.reportIncident({ deviceId: id, reportedOn: today(clock), reference: 'other' }))).code).toBe('CONFLICT');
    expect((await manager.devices.get({ id })).lock).toMatchObject({ bfarm_reference: 'BfArM 12345/26' });
  });

  it('the database holds at most one open lock per device, whatever the application does', async () => {
    const { tech, id } = await device(16);
    tick();
    await tech.lockout.lock({ deviceId: id, reason: 'Gehäuse gerissen' });
    const open = await app.services.db.selectFrom('locks').selectAll().where('device_id', '=', id).where('released_at', 'is', null).executeTakeFirstOrThrow();
    await expect(app.services.db.insertInto('locks').values({ ...open, id: crypto.randomUUID() }).execute()).rejects.toThrow(/unique|UNIQUE/);
  });
});
