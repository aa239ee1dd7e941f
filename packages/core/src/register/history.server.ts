import type { Kysely, Transaction } from 'kysely';
import type { Database, RegisterEntity } from '@medreg/db';
import { sequentialId } from '../ids.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A register field's value as people read it ('' and null alike: empty). */
export type Shown = string | number | null | undefined;
const shown = (v: Shown): string | null => (v === null || v === undefined || v === '' ? null : String(v));


/**
 * Writes one register_changes row per field whose readable value changed (Änderungshistorie), inside the caller's
 * transaction. Values are compared as the text a person reads, so a model is recorded by its name, not its id.
 */
export async function recordChanges(
  db: Db,
  who: { userId: string; at: string },
  entity: RegisterEntity,
  entityId: string,
  before: Record<string, Shown>,
  after: Record<string, Shown>,
): Promise<string[]> {
  const fields = Object.keys(after).filter((f) => shown(before[f]) !== shown(after[f]));
  if (fields.length)
    await db
      .insertInto('register_changes')
      .values(
        fields.map((field) => ({
          // Sorts by creation: the history stays newest first even where two changes carry the same time.
          id: sequentialId(),
          entity,
          entity_id: entityId,
          field,
          old_value: shown(before[field]),
          new_value: shown(after[field]),
          changed_by: who.userId,
          changed_at: who.at,
        })),
      )
      .execute();
  return fields;
}

/** The change history of one register entry, newest first, with the name of who changed it. */
export async function historyOf(db: Db, entity: RegisterEntity, entityId: string, limit = 200) {
  const rows = await db
    .selectFrom('register_changes as c')
    .innerJoin('users as u', 'u.id', 'c.changed_by')
    .where('c.entity', '=', entity)
    .where('c.entity_id', '=', entityId)
    .select(['c.id', 'c.field', 'c.old_value', 'c.new_value', 'c.changed_at', 'u.name as changed_by_name'])
    .orderBy('c.changed_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, changed_at: String(r.changed_at) }));
}
