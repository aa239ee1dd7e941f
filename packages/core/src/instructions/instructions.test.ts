import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, type TestApp } from '../testing.js';

/** The verdict as devices.get answers it: from the user's instructions on the model and the device's state. */
describe.each(testDialects)('the verdict on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => new Date('2026-11-22T10:00:00.000Z') });
  });
  afterAll(() => app.close());

  /** Records an instruction straight into the tables (the instruction workflow comes with its own issue). */
  async function instruct(userId: string, modelId: string, instructedOn: string, validUntil: string | null, softwareVersion: string | null) {
    const id = crypto.randomUUID();
    const manager = await app.userId('manager');
    await app.services.db
      .insertInto('instructions')
      .values({
        id, model_id: modelId, site_id: null, instructor_user_id: manager, instructor_name: 'Max Meier', instructor_role: 'appointed',
        method: 'on_device', instructed_on: instructedOn, valid_until: validUntil, software_version: softwareVersion,
        recorded_by: manager, recorded_at: new Date().toISOString(),
      })
      .execute();
    await app.services.db.insertInto('instruction_trainees').values({ instruction_id: id, user_id: userId, confirmed_at: null }).execute();
  }

  it('a nurse is told she is not instructed, then that she may use it; an identical device counts too', async () => {
    const nurse = await app.as('nurse');
    const { items } = await nurse.devices.list({ pageSize: 200 });
    const details = await Promise.all(items.map((d) => nurse.devices.get({ id: d.id })));
    // An Anlage 1 device with no overdue inspection, and another device of the same model.
    const device = details.find(
      (d) => d.device.anlage1 === 1 && d.verdict.reasons.length === 1 && d.verdict.reasons[0]!.kind === 'not_instructed' && details.some((o) => o.device.model_id === d.device.model_id && o.device.id !== d.device.id),
    )!;
    expect(device.verdict).toEqual({ mayUse: false, reasons: [{ kind: 'not_instructed' }], instructedUntil: null });
    // The demo seed shows every answer on her wards.
    const kinds = new Set(details.flatMap((d) => (d.verdict.mayUse ? ['may_use'] : d.verdict.reasons.map((r) => r.kind))));
    for (const kind of ['may_use', 'not_instructed', 'instruction_expired', 'inspection_overdue']) expect(kinds).toContain(kind);

    await instruct(await app.userId('nurse'), device.device.model_id, '2026-01-15', '2027-01-15', device.device.software_version);
    expect((await nurse.devices.get({ id: device.device.id })).verdict).toEqual({ mayUse: true, reasons: [], instructedUntil: '2027-01-15' });
    const twin = details.find((o) => o.device.model_id === device.device.model_id && o.device.id !== device.device.id)!;
    expect((await nurse.devices.get({ id: twin.device.id })).verdict.reasons).not.toContainEqual({ kind: 'not_instructed' });
    // Another user's instruction does not count for the technician.
    expect((await (await app.as('technician')).devices.get({ id: device.device.id })).verdict.reasons).toContainEqual({ kind: 'not_instructed' });
  });
});
