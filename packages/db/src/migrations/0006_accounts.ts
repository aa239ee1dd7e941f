import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/** Accounts: password history, sign-in lockout, idle sessions, the forced change of an initial password. */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const instant = pg ? 'timestamptz' : 'text';

  // An invited user signs in with a one-time password and must set their own before anything else.
  await db.schema
    .alterTable('users')
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0).check(sql`must_change_password in (0,1)`))
    .execute();
  // Too many wrong passwords lock the account until then; null: not locked.
  await db.schema.alterTable('users').addColumn('locked_until', instant).execute();

  // Idle sessions end: the last request seen on the session (null: none since sign-in).
  await db.schema.alterTable('sessions').addColumn('last_active_at', instant).execute();

  // The hashes of a user's last passwords (the current one included), so that none is set again.
  await db.schema
    .createTable('password_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_history_user_idx').on('password_history').columns(['user_id', 'created_at']).execute();

  // Wrong passwords of an account within the lockout window; cleared by a successful sign-in or a lock.
  await db.schema
    .createTable('sign_in_failures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', instant, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_failures_user_idx').on('sign_in_failures').columns(['user_id', 'at']).execute();
}
