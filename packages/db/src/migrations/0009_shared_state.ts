import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/**
 * State that lived in the memory of one server process, moved where every process of the app sees it (several
 * processes on one machine, or several servers on PostgreSQL): uploaded CSV files waiting for their import, and the
 * sign-in rate limit's counters (better-auth's rateLimit model).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  await db.schema
    .createTable('import_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', instant, (c) => c.notNull())
    .addColumn('content', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_uploads_user_idx').on('import_uploads').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('import_uploads_at_idx').on('import_uploads').column('uploaded_at').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_request', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_last_request_idx').on('rate_limits').column('last_request').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
  await db.schema.dropTable('import_uploads').execute();
}
