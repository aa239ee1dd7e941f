import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';

/**
 * A person's instruction rows, optionally only those on some models. The database reads them by person (about
 * a hundred each) and the models are picked here: given the model as well, SQLite walks the model's thousands of
 * sessions instead.
 */
export async function instructionRowsOf(db: Kysely<Database>, userIds: readonly string[], modelIds?: readonly string[]) {
  if (userIds.length === 0) return [];
  const rows = await rowsOf.all(db, { userIds: [...userIds] });
  if (!modelIds) return rows;
  const wanted = new Set(modelIds);
  return rows.filter((r) => wanted.has(r.model_id));
}

const rowsOf = prepared((db, p: { userIds: string[] }) =>
  db
    .selectFrom('instruction_trainees as t')
    .innerJoin('instructions as i', 'i.id', 't.instruction_id')
    .where('t.user_id', 'in', p.userIds)
    .select(['t.user_id', 'i.model_id', 'i.instructed_on', 'i.valid_until', 'i.software_version']),
);

export const asRecord = (r: { instructed_on: string; valid_until: string | null; software_version: string | null }) => ({
  instructedOn: r.instructed_on,
  validUntil: r.valid_until,
  softwareVersion: r.software_version,
});

/** A user's instructions on a device model, at any site: identical models need no repeat. */
export async function instructionsOf(db: Kysely<Database>, userId: string, modelId: string) {
  return (await instructionRowsOf(db, [userId], [modelId])).map(asRecord);
}
