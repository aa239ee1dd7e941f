import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** Closes the lock-out loop: what caused a lock, what justified its release, and the BfArM report. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const date = pg ? 'date' : 'text';
  await db.schema
    .alterTable('locks')
    .addColumn('cause_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .execute();
  await db.schema
    .alterTable('locks')
    .addColumn('release_inspection_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .execute();
  await db.schema.alterTable('locks').addColumn('bfarm_reported_on', date).execute();
  await db.schema.alterTable('locks').addColumn('bfarm_reference', 'text').execute();
  await db.schema.alterTable('locks').addColumn('report_entry_id', 'text', (c) => c.references('logbook_entries.id')).execute();
  // At most one open lock per device, whatever races the application loses.
  await db.schema
    .createIndex('locks_one_open_idx')
    .on('locks')
    .column('device_id')
    .unique()
    .where(sql.ref('released_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('locks_one_open_idx').execute();
  for (const column of ['report_entry_id', 'bfarm_reference', 'bfarm_reported_on', 'release_inspection_entry_id', 'cause_entry_id'])
    await db.schema.alterTable('locks').dropColumn(column).execute();
}
