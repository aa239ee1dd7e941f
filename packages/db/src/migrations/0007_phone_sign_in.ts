import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  // A QR code that signs a phone in as the user who showed it: only the SHA-256 of its token is kept; it is
  // used once (used_at) and names the session it created, which the session list shows as a phone.
  await db.schema
    .createTable('phone_sign_ins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('expires_at', instant, (c) => c.notNull())
    .addColumn('used_at', instant)
    .addColumn('session_id', 'text')
    .execute();
  await db.schema.createIndex('phone_sign_ins_user_idx').on('phone_sign_ins').column('user_id').execute();
  await db.schema.createIndex('phone_sign_ins_session_idx').on('phone_sign_ins').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('phone_sign_ins').execute();
}
