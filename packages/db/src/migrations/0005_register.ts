import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** The register complete: edit history, concurrent-edit versions, search, device files with their text, imports, chain checks. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  // A form carries the version it loaded; a save of an older version is a conflict, not an overwrite.
  await db.schema.alterTable('devices').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  // CE marking (optional register field of older versions): 1 marked, 0 not, null unknown.
  await db.schema.alterTable('devices').addColumn('ce_marked', 'integer', (c) => c.check(sql`ce_marked in (0,1)`)).execute();
  await db.schema.alterTable('device_models').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();

  // The device list: prefix search on inventory and serial number regardless of case (a range on lower(), binary
  // order on both databases so that the range is a prefix), and the filters' orders.
  if (pg) {
    await sql`create index devices_inventory_lower_idx on devices ((lower(inventory_number)) collate "C")`.execute(db);
    await sql`create index devices_serial_lower_idx on devices ((lower(serial_number)) collate "C")`.execute(db);
  } else {
    await sql`create index devices_inventory_lower_idx on devices (lower(inventory_number))`.execute(db);
    await sql`create index devices_serial_lower_idx on devices (lower(serial_number))`.execute(db);
  }
  await db.schema.createIndex('devices_site_inventory_idx').on('devices').columns(['site_id', 'inventory_number']).execute();
  await db.schema.createIndex('devices_department_inventory_idx').on('devices').columns(['department_id', 'inventory_number']).execute();
  await db.schema.createIndex('devices_model_inventory_idx').on('devices').columns(['model_id', 'inventory_number']).execute();
  await db.schema.createIndex('devices_status_inventory_idx').on('devices').columns(['status', 'inventory_number']).execute();
  // The list's total and counts by kind group the filtered devices by model: read from an index alone, per
  // filter; and devices found through their obligations (overdue, due soon, failed) by id with their model.
  await db.schema.createIndex('devices_site_model_idx').on('devices').columns(['site_id', 'model_id']).execute();
  await db.schema.createIndex('devices_department_model_idx').on('devices').columns(['department_id', 'model_id']).execute();
  await db.schema.createIndex('devices_status_model_idx').on('devices').columns(['status', 'model_id']).execute();
  await db.schema.createIndex('devices_id_model_idx').on('devices').columns(['id', 'model_id']).execute();
  // A device's due dates probed from its obligations without reading the rows. (Not `failed` too: SQLite would
  // then scan this whole index for failed ones instead of the partial index of failed obligations.)
  await db.schema.createIndex('device_obligations_device_due_idx').on('device_obligations').columns(['device_id', 'due_on']).execute();

  // Who changed which register field when, with the old and the new value (Änderungshistorie). Append-only.
  await db.schema
    .createTable('register_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull().check(sql`entity in ('device','model','manufacturer','site','building','department','room')`))
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text')
    .addColumn('changed_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('changed_at', instant, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('register_changes_entity_idx').on('register_changes').columns(['entity', 'entity_id', 'changed_at']).execute();

  // Device files (manual, picture, declaration of conformity, protocol) can be withdrawn, never deleted.
  await db.schema.alterTable('attachments').addColumn('withdrawn_at', instant).execute();
  await db.schema.alterTable('attachments').addColumn('withdrawn_by', 'text', (c) => c.references('users.id')).execute();

  // Text extracted from uploaded PDFs, a row per page, so a search can say where the hit is.
  await db.schema
    .createTable('file_texts')
    .addColumn('attachment_id', 'text', (c) => c.notNull().references('attachments.id'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('page', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('file_texts_pk', ['attachment_id', 'page'])
    .execute();
  if (pg) {
    await sql`create index file_texts_search_idx on file_texts using gin (to_tsvector('simple', text))`.execute(db);
  } else {
    // External-content FTS5 index over file_texts, kept in step by triggers.
    await sql`create virtual table file_texts_fts using fts5(text, content='file_texts', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(db);
    await sql`create trigger file_texts_ai after insert on file_texts begin
      insert into file_texts_fts(rowid, text) values (new.rowid, new.text); end`.execute(db);
    await sql`create trigger file_texts_ad after delete on file_texts begin
      insert into file_texts_fts(file_texts_fts, rowid, text) values ('delete', old.rowid, old.text); end`.execute(db);
  }

  // One row per import: who brought which file in, how many devices it created.
  await db.schema
    .createTable('import_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('rows', 'integer', (c) => c.notNull())
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running','done','failed')`))
    .addColumn('error', 'text')
    .addColumn('started_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('started_at', instant, (c) => c.notNull())
    .addColumn('finished_at', instant)
    .execute();

  // Each verification of the logbook hash chains, with the first broken entry of every broken chain (JSON).
  await db.schema
    .createTable('chain_checks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_by', 'text', (c) => c.references('users.id'))
    .addColumn('started_at', instant, (c) => c.notNull())
    .addColumn('finished_at', instant)
    .addColumn('devices', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('entries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('broken', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('findings', 'text')
    .execute();

  if (pg) {
    await sql`create function register_changes_append_only() returns trigger language plpgsql as $$
      begin raise exception 'register changes are append-only'; end $$`.execute(db);
    await sql`create trigger register_changes_no_change before update or delete on register_changes
      for each row execute function register_changes_append_only()`.execute(db);
  } else {
    await sql`create trigger register_changes_no_update before update on register_changes
      begin select raise(abort, 'register changes are append-only'); end`.execute(db);
    await sql`create trigger register_changes_no_delete before delete on register_changes
      begin select raise(abort, 'register changes are append-only'); end`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('This migration cannot be rolled back: it holds legal records.');
}
