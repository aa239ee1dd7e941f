import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/**
 * The seal of a chain check: a SHA-256 over the last entry (device, number, hash) of every device's logbook as it
 * stood at `sealed_at`. Kept outside the application, it shows later whether anything recorded before then was changed
 * or removed, also by someone who rewrote a whole chain with its hashes in the database.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema.alterTable('chain_checks').addColumn('sealed_at', pg ? 'timestamptz' : 'text').execute();
  await db.schema.alterTable('chain_checks').addColumn('seal', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chain_checks').dropColumn('seal').execute();
  await db.schema.alterTable('chain_checks').dropColumn('sealed_at').execute();
}
