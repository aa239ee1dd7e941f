import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** Personal data (GDPR): pseudonymised accounts, the access log's subject person, indexes for a person's export. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  // A departed person's account keeps its id (the logbook points at it) but its personal fields are replaced.
  await db.schema.alterTable('users').addColumn('pseudonymised_at', instant).execute();

  // Whose data was read, as a reference: "show me who looked at this person" and a person's export need it.
  await db.schema.alterTable('access_log').addColumn('subject_user_id', 'text', (c) => c.references('users.id')).execute();
  await sql`update access_log set subject_user_id = substr(subject, 6)
    where subject like 'user:%' and substr(subject, 6) in (select id from users)`.execute(db);
  // The access log page (newest first, by reader or subject) and the hourly retention delete.
  await db.schema.createIndex('access_log_at_idx').on('access_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('access_log_reader_idx').on('access_log').columns(['user_id', 'at', 'id']).execute();
  await db.schema.createIndex('access_log_subject_idx').on('access_log').columns(['subject_user_id', 'at', 'id']).execute();

  // A person's export reads these by the person, page by page (keyset), without walking the whole table.
  await db.schema.createIndex('logbook_entries_recorder_idx').on('logbook_entries').columns(['recorded_by', 'recorded_at', 'id']).execute();
  await db.schema.createIndex('attachments_uploader_idx').on('attachments').columns(['uploaded_by', 'id']).execute();
  await db.schema.createIndex('register_changes_changer_idx').on('register_changes').columns(['changed_by', 'changed_at', 'id']).execute();
  await db.schema.createIndex('instructions_recorder_idx').on('instructions').columns(['recorded_by', 'id']).execute();
  await db.schema.createIndex('instructions_instructor_idx').on('instructions').columns(['instructor_user_id', 'id']).execute();
  await db.schema.createIndex('locks_locked_by_idx').on('locks').columns(['locked_by', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'locks_locked_by_idx',
    'instructions_instructor_idx',
    'instructions_recorder_idx',
    'register_changes_changer_idx',
    'attachments_uploader_idx',
    'logbook_entries_recorder_idx',
    'access_log_subject_idx',
    'access_log_reader_idx',
    'access_log_at_idx',
  ])
    await db.schema.dropIndex(name).execute();
  await db.schema.alterTable('access_log').dropColumn('subject_user_id').execute();
  await db.schema.alterTable('users').dropColumn('pseudonymised_at').execute();
}
