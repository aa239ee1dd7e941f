import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** Inspections that match the law: stored due dates, compliance history, instruments, calendar feeds, digests, staged uploads. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';
  const date = pg ? 'date' : 'text';

  // Each device's obligations (Prüfpflichten) with their next due date, derived from the logbook and the
  // assignments and rewritten in the same transaction as every change to them: the due list reads only this.
  await db.schema
    .createTable('device_obligations')
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('inspection_type_id', 'text', (c) => c.notNull().references('inspection_types.id'))
    // Where the device is, copied so that a ward's or a site's due list walks one index in order.
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('department_id', 'text', (c) => c.references('departments.id'))
    .addColumn('interval_months', 'integer', (c) => c.notNull())
    .addColumn('due_on', date, (c) => c.notNull())
    .addColumn('last_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .addColumn('last_on', date)
    .addColumn('last_result', 'text', (c) => c.check(sql`last_result in ('passed','failed')`))
    // 1 while the last inspection of this type failed and the device has not been released since.
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0).check(sql`failed in (0,1)`))
    .addPrimaryKeyConstraint('device_obligations_pk', ['device_id', 'inspection_type_id'])
    .execute();
  // A ward's list in due order; a site's list by ward, then due order; a site's counts (covering); everything by date.
  await db.schema.createIndex('device_obligations_ward_idx').on('device_obligations').columns(['department_id', 'due_on']).execute();
  await db.schema.createIndex('device_obligations_site_idx').on('device_obligations').columns(['site_id', 'department_id', 'due_on']).execute();
  await db.schema
    .createIndex('device_obligations_counts_idx')
    .on('device_obligations')
    .columns(['site_id', 'due_on', 'department_id', 'device_id'])
    .execute();
  await db.schema.createIndex('device_obligations_due_idx').on('device_obligations').columns(['due_on', 'device_id']).execute();
  await db.schema
    .createIndex('device_obligations_failed_idx')
    .on('device_obligations')
    .columns(['site_id', 'department_id'])
    .where(sql.ref('failed'), '=', 1)
    .execute();

  // Counts per site and ward without reading the devices table itself.
  await db.schema.createIndex('devices_site_idx').on('devices').columns(['site_id', 'department_id', 'status']).execute();

  // One row per day and ward: the compliance chart reads history that cannot be recomputed cheaply.
  await db.schema
    .createTable('compliance_snapshots')
    .addColumn('taken_on', date, (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    // '' for devices kept at site level, without a department.
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('devices', 'integer', (c) => c.notNull())
    .addColumn('compliant', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('compliance_snapshots_pk', ['taken_on', 'site_id', 'department_id'])
    .execute();

  // A software update is stored on the device; instructions on an older version no longer count.
  await db.schema.alterTable('devices').addColumn('software_version', 'text').execute();

  // Types are edited by managers: archived instead of deleted (old entries point at them), versioned
  // so that two managers editing at once are told instead of overwriting each other.
  await db.schema.alterTable('inspection_types').addColumn('archived_at', instant).execute();
  await db.schema.alterTable('inspection_types').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('device_inspection_overrides').addColumn('set_by', 'text', (c) => c.references('users.id')).execute();
  await db.schema.alterTable('device_inspection_overrides').addColumn('set_at', instant).execute();

  await db.schema.alterTable('test_instruments').addColumn('kind', 'text').execute();
  await db.schema.alterTable('test_instruments').addColumn('retired_at', instant).execute();
  await db.schema.alterTable('test_instruments').addColumn('created_at', instant).execute();

  // iCal feeds authenticate by a token in the URL; only its hash is stored, and it can be revoked.
  await db.schema
    .createTable('calendar_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('revoked_at', instant)
    .addColumn('last_used_at', instant)
    .execute();
  await db.schema.createIndex('calendar_tokens_user_idx').on('calendar_tokens').column('user_id').execute();

  // The weekly e-mail digest is opt-in; the log keeps one row per person and ISO week, so a restart never sends twice.
  await db.schema.alterTable('users').addColumn('weekly_digest', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('digest_log')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('week', 'text', (c) => c.notNull())
    .addColumn('sent_at', instant, (c) => c.notNull())
    .addColumn('items', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('digest_log_pk', ['user_id', 'week'])
    .execute();

  // Photos uploaded in the background while the form is filled in; attached (and removed here) on save.
  await db.schema
    .createTable('staged_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('preview_sha256', 'text')
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  // The id a form carries from the moment it opens: a double submit (a second tap, a resent POST on bad
  // Wi-Fi) finds the entry already written instead of adding a second one to the legal record.
  await db.schema.alterTable('logbook_entries').addColumn('submission_id', 'text').execute();
  await db.schema
    .createIndex('logbook_entries_submission_idx')
    .on('logbook_entries')
    .column('submission_id')
    .unique()
    .where(sql.ref('submission_id'), 'is not', null)
    .execute();

  // Whether a blob is still used, when stale uploads are purged.
  await db.schema.createIndex('attachments_sha256_idx').on('attachments').column('sha256').execute();
  await db.schema.createIndex('attachments_preview_idx').on('attachments').column('preview_sha256').execute();
  await db.schema.createIndex('staged_uploads_user_idx').on('staged_uploads').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staged_uploads').execute();
  await db.schema.dropIndex('attachments_preview_idx').execute();
  await db.schema.dropIndex('attachments_sha256_idx').execute();
  await db.schema.dropIndex('logbook_entries_submission_idx').execute();
  await db.schema.alterTable('logbook_entries').dropColumn('submission_id').execute();
  await db.schema.dropTable('digest_log').execute();
  await db.schema.alterTable('users').dropColumn('weekly_digest').execute();
  await db.schema.dropTable('calendar_tokens').execute();
  for (const column of ['created_at', 'retired_at', 'kind']) await db.schema.alterTable('test_instruments').dropColumn(column).execute();
  for (const column of ['set_at', 'set_by']) await db.schema.alterTable('device_inspection_overrides').dropColumn(column).execute();
  for (const column of ['version', 'archived_at']) await db.schema.alterTable('inspection_types').dropColumn(column).execute();
  await db.schema.alterTable('devices').dropColumn('software_version').execute();
  await db.schema.dropTable('compliance_snapshots').execute();
  await db.schema.dropIndex('devices_site_idx').execute();
  await db.schema.dropTable('device_obligations').execute();
}
