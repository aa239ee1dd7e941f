import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, testDialects, type TestDb } from './testing.js';
import { up as accessLogSubjects } from './migrations/0010_access_log_subjects.js';

describe.each(testDialects)('schema on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
  });
  afterAll(() => t.drop());

  async function seedEntry() {
    const now = new Date().toISOString();
    await t.db.insertInto('users').values({ id: 'u1', name: 'A', email: 'a@x', email_verified: dialect === 'postgres' ? true : 1, image: null, created_at: now, updated_at: now, role: 'technician', phone: null, locale: null, blocked_at: null }).execute();
    await t.db.insertInto('sites').values({ id: 's1', name: 'Site', address: null, created_at: now }).execute();
    await t.db.insertInto('manufacturers').values({ id: 'm1', name: 'M', address: 'Street 1', country: 'DE' }).execute();
    await t.db
      .insertInto('device_models')
      .values({ id: 'dm1', manufacturer_id: 'm1', name: 'Pump', kind: 'Infusion pump', type_designation: 'P1', anlage1: 1, anlage2: 0, software_version: null, device_class: 'IIb', protection_class: 'I', applied_part: 'CF', instruction_validity_months: null, created_at: now })
      .execute();
    await t.db
      .insertInto('devices')
      .values({ id: 'd1', code: 'ABC', inventory_number: 'INV-1', model_id: 'dm1', serial_number: null, lot_number: null, acquired_year: 2020, commissioned_on: '2020-02-29', site_id: 's1', department_id: null, room_id: null, status: 'in_service', udi_di: null, notified_body: null, device_class: null, notes: null, decommissioned_on: null, created_at: now, updated_at: now })
      .execute();
    await t.db
      .insertInto('logbook_entries')
      .values({ id: 'e1', device_id: 'd1', seq: 1, kind: 'note', occurred_at: now, recorded_at: now, recorded_by: 'u1', performed_by: null, result: null, text: 'x', corrects_entry_id: null, inspection_type_id: null, test_instrument_id: null, due_on: '2024-02-29', next_due_on: null, details: null, prev_hash: '0', hash: 'h' })
      .execute();
  }

  it('round-trips calendar dates and instants in one shape', async () => {
    await seedEntry();
    const d = await t.db.selectFrom('devices').select(['commissioned_on', 'created_at']).executeTakeFirstOrThrow();
    expect(d.commissioned_on).toBe('2020-02-29');
    expect(d.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const c = await t.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(c.n).toBe(1);
  });

  it('refuses to update or delete logbook entries', async () => {
    await expect(t.db.updateTable('logbook_entries').set({ text: 'changed' }).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('logbook_entries').execute()).rejects.toThrow(/append-only/);
    const e = await t.db.selectFrom('logbook_entries').select('text').executeTakeFirstOrThrow();
    expect(e.text).toBe('x');
  });

  it('gives the user administration’s old access log rows their subject person (0010)', async () => {
    const now = new Date().toISOString();
    await t.db.insertInto('users').values({ id: 'u2', name: 'B', email: 'b@x', email_verified: dialect === 'postgres' ? true : 1, image: null, created_at: now, updated_at: now, role: 'nurse', phone: null, locale: null, blocked_at: null }).execute();
    const row = (id: string, action: string, subject: string, subjectUserId: string | null = null) => ({ id, user_id: 'u2', action, subject, subject_user_id: subjectUserId, at: now });
    await t.db
      .insertInto('access_log')
      .values([row('l1', 'users.get', 'u2'), row('l2', 'users.invite', 'u2'), row('l3', 'users.get', 'no-such-user'), row('l4', 'users.list', 'u2'), row('l5', 'users.get', 'user:u2', 'u2')])
      .execute();
    // As a database written before the fix holds them (a fresh one is migrated already): up again is harmless.
    await accessLogSubjects(t.db);
    await accessLogSubjects(t.db);
    expect(await t.db.selectFrom('access_log').select(['id', 'subject', 'subject_user_id']).orderBy('id').execute()).toEqual([
      { id: 'l1', subject: 'user:u2', subject_user_id: 'u2' },
      { id: 'l2', subject: 'user:u2', subject_user_id: 'u2' },
      { id: 'l3', subject: 'no-such-user', subject_user_id: null },
      { id: 'l4', subject: 'u2', subject_user_id: null },
      { id: 'l5', subject: 'user:u2', subject_user_id: 'u2' },
    ]);
  });

  it('enforces foreign keys', async () => {
    await expect(
      t.db.insertInto('buildings').values({ id: 'b1', site_id: 'nope', name: 'B' }).execute(),
    ).rejects.toThrow();
  });
});
