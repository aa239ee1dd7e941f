import type { Kysely } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/**
 * A device page lists the latest sessions on its model at its site (and those held for every site). With the
 * session date in the index, that is the first ten entries of two index ranges, not every session on the model
 * sorted: at 100,000 devices a model has about 2,500 sessions. It replaces the (model, site) index, its prefix.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('instructions_model_site_date_idx').on('instructions').columns(['model_id', 'site_id', 'instructed_on', 'recorded_at']).execute();
  await db.schema.dropIndex('instructions_model_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('instructions_model_idx').on('instructions').columns(['model_id', 'site_id']).execute();
  await db.schema.dropIndex('instructions_model_site_date_idx').execute();
}
