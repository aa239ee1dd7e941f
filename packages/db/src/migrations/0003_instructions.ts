import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** Instructions in use: appointments backed by an instruction record, trainee confirmations, requests, defect reports. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  // An appointment rests on the appointed person's own instruction by the manufacturer, kept as an instruction record.
  await db.schema.alterTable('appointed_persons').addColumn('instruction_id', 'text', (c) => c.references('instructions.id')).execute();
  await db.schema.alterTable('appointed_persons').addColumn('appointed_by', 'text', (c) => c.references('users.id')).execute();
  await db.schema.alterTable('appointed_persons').addColumn('appointed_at', instant).execute();
  await db.schema.alterTable('appointed_persons').addColumn('ended_at', instant).execute();
  await db.schema.createIndex('appointed_persons_model_idx').on('appointed_persons').columns(['model_id', 'site_id']).execute();
  // One active appointment per person, model and site, whatever double submits arrive.
  await db.schema
    .createIndex('appointed_persons_one_active_idx')
    .on('appointed_persons')
    .columns(['user_id', 'model_id', 'site_id'])
    .unique()
    .where(sql.ref('ended_at'), 'is', null)
    .execute();

  // 'app' when the trainee confirmed in the app, 'paper' when the recorder holds a signed attendance list.
  await db.schema
    .alterTable('instruction_trainees')
    .addColumn('confirmation', 'text', (c) => c.check(sql`confirmation in ('app','paper')`))
    .execute();
  await db.schema.createIndex('instructions_model_idx').on('instructions').columns(['model_id', 'site_id']).execute();
  // A ward's people (matrix, session form); the primary key starts with the user.
  await db.schema.createIndex('user_departments_department_idx').on('user_departments').column('department_id').execute();
  await db.schema.alterTable('instructions').addColumn('remark', 'text').execute();

  await db.schema
    .createTable('instruction_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('model_id', 'text', (c) => c.notNull().references('device_models.id'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('device_id', 'text', (c) => c.references('devices.id'))
    .addColumn('requested_at', instant, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','done','withdrawn')`))
    .addColumn('closed_at', instant)
    .addColumn('instruction_id', 'text', (c) => c.references('instructions.id'))
    .execute();
  // One open request per person and model, whatever double taps the phone sends.
  await db.schema
    .createIndex('instruction_requests_one_open_idx')
    .on('instruction_requests')
    .columns(['user_id', 'model_id'])
    .unique()
    .where(sql.ref('status'), '=', 'open')
    .execute();
  await db.schema.createIndex('instruction_requests_model_idx').on('instruction_requests').columns(['status', 'model_id']).execute();

  await db.schema
    .createTable('defect_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('reported_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('reported_at', instant, (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('incident_suspected', 'integer', (c) => c.notNull().defaultTo(0).check(sql`incident_suspected in (0,1)`))
    .addColumn('entry_id', 'text', (c) => c.notNull().references('logbook_entries.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','in_progress','closed')`))
    .addColumn('handled_by', 'text', (c) => c.references('users.id'))
    .addColumn('handled_at', instant)
    .addColumn('resolution', 'text')
    .addColumn('close_entry_id', 'text', (c) => c.references('logbook_entries.id'))
    .execute();
  await db.schema.createIndex('defect_reports_status_idx').on('defect_reports').columns(['status', 'reported_at']).execute();
  await db.schema.createIndex('defect_reports_device_idx').on('defect_reports').column('device_id').execute();
  await db.schema.createIndex('defect_reports_reporter_idx').on('defect_reports').columns(['reported_by', 'reported_at']).execute();

  // Instruction records are legal records like the logbook: a session is never changed or deleted, and
  // nobody is struck off one: a trainee's first confirmation is the only later write.
  if (pg) {
    await sql`create function instructions_append_only() returns trigger language plpgsql as $$
      begin raise exception 'instruction records are append-only'; end $$`.execute(db);
    await sql`create trigger instructions_no_change before update or delete on instructions
      for each row execute function instructions_append_only()`.execute(db);
    await sql`create trigger instruction_trainees_no_delete before delete on instruction_trainees
      for each row execute function instructions_append_only()`.execute(db);
    await sql`create function instruction_trainees_confirm_only() returns trigger language plpgsql as $$
      begin
        if new.instruction_id <> old.instruction_id or new.user_id <> old.user_id or old.confirmed_at is not null then
          raise exception 'instruction records are append-only';
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger instruction_trainees_confirm_only before update on instruction_trainees
      for each row execute function instruction_trainees_confirm_only()`.execute(db);
  } else {
    await sql`create trigger instructions_no_update before update on instructions
      begin select raise(abort, 'instruction records are append-only'); end`.execute(db);
    await sql`create trigger instructions_no_delete before delete on instructions
      begin select raise(abort, 'instruction records are append-only'); end`.execute(db);
    await sql`create trigger instruction_trainees_no_delete before delete on instruction_trainees
      begin select raise(abort, 'instruction records are append-only'); end`.execute(db);
    await sql`create trigger instruction_trainees_confirm_only before update on instruction_trainees
      when new.instruction_id <> old.instruction_id or new.user_id <> old.user_id or old.confirmed_at is not null
      begin select raise(abort, 'instruction records are append-only'); end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  if (pg) {
    await sql`drop trigger instruction_trainees_confirm_only on instruction_trainees`.execute(db);
    await sql`drop function instruction_trainees_confirm_only()`.execute(db);
    await sql`drop trigger instruction_trainees_no_delete on instruction_trainees`.execute(db);
    await sql`drop trigger instructions_no_change on instructions`.execute(db);
    await sql`drop function instructions_append_only()`.execute(db);
  } else {
    for (const name of ['instruction_trainees_confirm_only', 'instruction_trainees_no_delete', 'instructions_no_delete', 'instructions_no_update'])
      await sql`drop trigger ${sql.ref(name)}`.execute(db);
  }
  await db.schema.dropTable('defect_reports').execute();
  await db.schema.dropTable('instruction_requests').execute();
  await db.schema.dropIndex('user_departments_department_idx').execute();
  await db.schema.dropIndex('instructions_model_idx').execute();
  await db.schema.alterTable('instructions').dropColumn('remark').execute();
  await db.schema.alterTable('instruction_trainees').dropColumn('confirmation').execute();
  await db.schema.dropIndex('appointed_persons_one_active_idx').execute();
  await db.schema.dropIndex('appointed_persons_model_idx').execute();
  for (const column of ['ended_at', 'appointed_at', 'appointed_by', 'instruction_id'])
    await db.schema.alterTable('appointed_persons').dropColumn(column).execute();
}
