import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  // Instants are UTC, calendar dates stay dates; SQLite stores both as ISO text.
  const instant = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';
  const bool = pg ? 'boolean' : 'integer';
  const now = pg ? sql`now()` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('created_at', instant, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('buildings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('departments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('building_id', 'text', (c) => c.references('buildings.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('ward','department')`))
    .addColumn('cost_centre', 'text')
    .execute();
  await db.schema
    .createTable('rooms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('floor', 'text')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('email_verified', bool, (c) => c.notNull().defaultTo(pg ? sql`false` : 0))
    .addColumn('image', 'text')
    .addColumn('created_at', instant, (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', instant, (c) => c.notNull().defaultTo(now))
    .addColumn('role', 'text', (c) =>
      c.notNull().defaultTo('nurse').check(sql`role in ('admin','manager','technician','nurse')`),
    )
    .addColumn('phone', 'text')
    .addColumn('locale', 'text')
    .addColumn('blocked_at', instant)
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', instant, (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('updated_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('access_token', 'text')
    .addColumn('refresh_token', 'text')
    .addColumn('id_token', 'text')
    .addColumn('access_token_expires_at', instant)
    .addColumn('refresh_token_expires_at', instant)
    .addColumn('scope', 'text')
    .addColumn('password', 'text')
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('updated_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', instant, (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('updated_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_departments')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addPrimaryKeyConstraint('user_departments_pk', ['user_id', 'department_id'])
    .execute();
  await db.schema
    .createTable('access_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('at', instant, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('manufacturers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .execute();
  await db.schema
    .createTable('device_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('manufacturer_id', 'text', (c) => c.notNull().references('manufacturers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('type_designation', 'text', (c) => c.notNull())
    .addColumn('anlage1', 'integer', (c) => c.notNull().defaultTo(0).check(sql`anlage1 in (0,1)`))
    .addColumn('anlage2', 'integer', (c) => c.notNull().defaultTo(0).check(sql`anlage2 in (0,1)`))
    .addColumn('software_version', 'text')
    .addColumn('device_class', 'text', (c) => c.check(sql`device_class in ('I','IIa','IIb','III')`))
    .addColumn('protection_class', 'text', (c) => c.check(sql`protection_class in ('I','II','internal')`))
    .addColumn('applied_part', 'text', (c) => c.check(sql`applied_part in ('B','BF','CF')`))
    .addColumn('instruction_validity_months', 'integer')
    .addColumn('created_at', instant, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('inventory_number', 'text', (c) => c.notNull().unique())
    .addColumn('model_id', 'text', (c) => c.notNull().references('device_models.id'))
    .addColumn('serial_number', 'text')
    .addColumn('lot_number', 'text')
    .addColumn('acquired_year', 'integer')
    .addColumn('commissioned_on', date)
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('department_id', 'text', (c) => c.references('departments.id'))
    .addColumn('room_id', 'text', (c) => c.references('rooms.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('in_service').check(sql`status in ('in_service','locked','in_repair','decommissioned')`),
    )
    .addColumn('udi_di', 'text')
    .addColumn('notified_body', 'text')
    .addColumn('device_class', 'text', (c) => c.check(sql`device_class in ('I','IIa','IIb','III')`))
    .addColumn('notes', 'text')
    .addColumn('decommissioned_on', date)
    .addColumn('created_at', instant, (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', instant, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('devices_department_idx').on('devices').columns(['department_id', 'status']).execute();
  await db.schema.createIndex('devices_serial_idx').on('devices').column('serial_number').execute();
  await db.schema.createIndex('devices_model_idx').on('devices').column('model_id').execute();
  await db.schema
    .createTable('favourites')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addPrimaryKeyConstraint('favourites_pk', ['user_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('inspection_types')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name_de', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('legal_reference', 'text')
    .addColumn('interval_months', 'integer', (c) => c.notNull().check(sql`interval_months > 0`))
    .addColumn('anchor', 'text', (c) => c.notNull().check(sql`anchor in ('exact','end_of_month','end_of_year')`))
    .addColumn('performer_roles', 'text', (c) => c.notNull())
    .addColumn('form', 'text', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('model_inspection_types')
    .addColumn('model_id', 'text', (c) => c.notNull().references('device_models.id'))
    .addColumn('inspection_type_id', 'text', (c) => c.notNull().references('inspection_types.id'))
    .addColumn('interval_months', 'integer')
    .addPrimaryKeyConstraint('model_inspection_types_pk', ['model_id', 'inspection_type_id'])
    .execute();
  await db.schema
    .createTable('device_inspection_overrides')
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('inspection_type_id', 'text', (c) => c.notNull().references('inspection_types.id'))
    .addColumn('interval_months', 'integer')
    .addColumn('exempt', 'integer', (c) => c.notNull().defaultTo(0).check(sql`exempt in (0,1)`))
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('device_inspection_overrides_pk', ['device_id', 'inspection_type_id'])
    .execute();
  await db.schema
    .createTable('test_instruments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text', (c) => c.notNull().unique())
    .addColumn('calibration_due_on', date)
    .execute();

  await db.schema
    .createTable('logbook_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurred_at', instant, (c) => c.notNull())
    .addColumn('recorded_at', instant, (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('performed_by', 'text')
    .addColumn('result', 'text', (c) => c.check(sql`result in ('passed','failed')`))
    .addColumn('text', 'text')
    .addColumn('corrects_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .addColumn('inspection_type_id', 'text', (c) => c.references('inspection_types.id'))
    .addColumn('test_instrument_id', 'text', (c) => c.references('test_instruments.id'))
    .addColumn('due_on', date)
    .addColumn('next_due_on', date)
    .addColumn('details', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('logbook_entries_device_seq_uq', ['device_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('logbook_entries_type_idx')
    .on('logbook_entries')
    .columns(['device_id', 'inspection_type_id', 'occurred_at'])
    .execute();
  await db.schema
    .createTable('inspection_measurements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entry_id', 'text', (c) => c.notNull().references('logbook_entries.id'))
    .addColumn('field_key', 'text', (c) => c.notNull())
    .addColumn('value_number', pg ? 'double precision' : 'real')
    .addColumn('value_text', 'text')
    .addColumn('unit', 'text')
    .addColumn('within_limit', 'integer')
    .addColumn('limit_text', 'text')
    .execute();
  await db.schema.createIndex('inspection_measurements_entry_idx').on('inspection_measurements').column('entry_id').execute();
  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('preview_sha256', 'text')
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('all','staff')`))
    .addColumn('uploaded_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('uploaded_at', instant, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_device_idx').on('attachments').columns(['device_id', 'entry_id']).execute();

  await db.schema
    .createTable('appointed_persons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('device_models.id'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('instructed_on', date, (c) => c.notNull())
    .addColumn('evidence', 'text')
    .execute();
  await db.schema
    .createTable('instructions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model_id', 'text', (c) => c.notNull().references('device_models.id'))
    .addColumn('site_id', 'text', (c) => c.references('sites.id'))
    .addColumn('instructor_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('instructor_name', 'text', (c) => c.notNull())
    .addColumn('instructor_role', 'text', (c) =>
      c.notNull().check(sql`instructor_role in ('manufacturer','authorised','appointed')`),
    )
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('in_person','on_device','online')`))
    .addColumn('instructed_on', date, (c) => c.notNull())
    .addColumn('software_version', 'text')
    .addColumn('valid_until', date)
    .addColumn('recorded_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('recorded_at', instant, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('instruction_trainees')
    .addColumn('instruction_id', 'text', (c) => c.notNull().references('instructions.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('confirmed_at', instant)
    .addPrimaryKeyConstraint('instruction_trainees_pk', ['instruction_id', 'user_id'])
    .execute();
  await db.schema.createIndex('instruction_trainees_user_idx').on('instruction_trainees').column('user_id').execute();

  await db.schema
    .createTable('locks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('incident_suspected', 'integer', (c) => c.notNull().defaultTo(0).check(sql`incident_suspected in (0,1)`))
    .addColumn('locked_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('locked_at', instant, (c) => c.notNull())
    .addColumn('lock_entry_id', 'text', (c) => c.notNull().references('logbook_entries.id'))
    .addColumn('released_by', 'text', (c) => c.references('users.id'))
    .addColumn('released_at', instant)
    .addColumn('release_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .addColumn('release_reason', 'text')
    .execute();
  await db.schema.createIndex('locks_device_idx').on('locks').columns(['device_id', 'released_at']).execute();

  // The logbook is a legal record: the database itself refuses updates and deletes.
  if (pg) {
    await sql`create function logbook_append_only() returns trigger language plpgsql as $$
      begin raise exception 'logbook entries are append-only'; end $$`.execute(db);
    await sql`create trigger logbook_no_update before update or delete on logbook_entries
      for each row execute function logbook_append_only()`.execute(db);
  } else {
    await sql`create trigger logbook_no_update before update on logbook_entries
      begin select raise(abort, 'logbook entries are append-only'); end`.execute(db);
    await sql`create trigger logbook_no_delete before delete on logbook_entries
      begin select raise(abort, 'logbook entries are append-only'); end`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('The initial schema cannot be rolled back: it holds legal records.');
}
