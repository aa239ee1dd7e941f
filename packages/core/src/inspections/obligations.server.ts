import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { CalendarDate } from './due.js';
import { assignedTypesOf } from './queries.server.js';

type Db = Kysely<Database> | Transaction<Database>;

const CHUNK = 2000;

/**
 * Rewrites the stored obligations (Prüfpflichten) of these devices from their assignments and logbooks.
 * Call it inside the transaction of every write that changes either: an inspection, a release, an
 * override, an assignment, a type's interval, a device's commissioning, move or decommissioning.
 * Decommissioned devices have none, so the due list never needs to look at the devices table.
 */
export async function refreshObligations(db: Db, deviceIds: readonly string[], today: CalendarDate): Promise<void> {
  // PostgreSQL runs concurrent transactions: lock the devices (in one order, so two refreshes cannot deadlock)
  // before reading their logbooks, or a refresh that read before another's inspection committed would write
  // stale rows over fresh ones. SQLite writes one transaction at a time.
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const sorted = pg ? [...deviceIds].sort() : deviceIds;
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const ids = sorted.slice(i, i + CHUNK);
    if (pg) await db.selectFrom('devices').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute();
    const devices = await inService.all(db, { ids: [...ids] });
    const types = await assignedTypesOf(db as Kysely<Database>, devices, today);
    await dropObligations.all(db, { ids: [...ids] });
    const rows = devices.flatMap((d) =>
      (types.get(d.id) ?? []).map((t) => ({
        device_id: d.id,
        inspection_type_id: t.id,
        site_id: d.site_id,
        department_id: d.department_id,
        interval_months: t.interval_months,
        due_on: t.due_on,
        last_entry_id: t.last_entry_id,
        last_on: t.last_on,
        last_result: t.last_result,
        failed: t.failed ? 1 : 0,
      })),
    );
    // Ten columns per row: 500 rows stay below SQLite's and PostgreSQL's bind-parameter limits.
    for (let j = 0; j < rows.length; j += 500) await db.insertInto('device_obligations').values(rows.slice(j, j + 500)).execute();
  }
}

const inService = prepared((db, p: { ids: string[] }) =>
  db.selectFrom('devices').select(['id', 'model_id', 'commissioned_on', 'site_id', 'department_id']).where('id', 'in', p.ids).where('status', '!=', 'decommissioned'),
);
const dropObligations = prepared((db, p: { ids: string[] }) => db.deleteFrom('device_obligations').where('device_id', 'in', p.ids));

/** Every device of these models, e.g. after an assignment or a type's interval changed. */
export async function refreshObligationsOfModels(db: Db, modelIds: readonly string[], today: CalendarDate): Promise<number> {
  if (modelIds.length === 0) return 0;
  const ids = (await db.selectFrom('devices').select('id').where('model_id', 'in', [...modelIds]).execute()).map((d) => d.id);
  await refreshObligations(db, ids, today);
  return ids.length;
}

/** The whole register (after an import or a restore). */
export async function refreshAllObligations(db: Db, today: CalendarDate): Promise<number> {
  const ids = (await db.selectFrom('devices').select('id').orderBy('id').execute()).map((d) => d.id);
  await refreshObligations(db, ids, today);
  return ids.length;
}
