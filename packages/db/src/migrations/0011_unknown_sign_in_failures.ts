import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/**
 * Wrong passwords for an address no account has, so that such an address locks after as many guesses as an account
 * does: otherwise the lock would tell which addresses exist. The address is kept only as a keyed hash, for half an
 * hour.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('unknown_sign_in_failures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('address_key', 'text', (c) => c.notNull())
    .addColumn('at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('unknown_sign_in_failures_key_idx').on('unknown_sign_in_failures').columns(['address_key', 'at']).execute();
  await db.schema.createIndex('unknown_sign_in_failures_at_idx').on('unknown_sign_in_failures').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('unknown_sign_in_failures').execute();
}
