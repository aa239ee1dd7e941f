import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';

/** A user's instructions on a device model, at any site: identical models need no repeat. */
export async function instructionsOf(db: Kysely<Database>, userId: string, modelId: string) {
  const rows = await db
    .selectFrom('instructions as i')
    .innerJoin('instruction_trainees as t', 't.instruction_id', 'i.id')
    .where('t.user_id', '=', userId)
    .where('i.model_id', '=', modelId)
    .select(['i.instructed_on', 'i.valid_until', 'i.software_version'])
    .execute();
  return rows.map((r) => ({ instructedOn: r.instructed_on, validUntil: r.valid_until, softwareVersion: r.software_version }));
}
