import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { CalendarDate } from './due.js';
import { type ObligationColumn, type ObligationRow, obligationChanges } from './obligation-changes.js';
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
    const wanted: ObligationRow[] = devices.flatMap((d) =>
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
    const changes = obligationChanges(ids, await storedObligations.all(db, { ids: [...ids] }), wanted);
    if (changes.clearDevices.length) await dropObligations.all(db, { ids: changes.clearDevices });
    for (const d of changes.deletes) await dropObligation.all(db, d);
    for (const u of changes.updates) {
      const columns = Object.keys(u.set).sort();
      await updateObligation.all(db, { ...u.set, device_id: u.device_id, inspection_type_id: u.inspection_type_id }, columns.join(','));
    }
    // Ten columns per row: 500 rows stay below SQLite's and PostgreSQL's bind-parameter limits.
    for (let j = 0; j < changes.inserts.length; j += 500) await db.insertInto('device_obligations').values(changes.inserts.slice(j, j + 500)).execute();
  }
}

const inService = prepared((db, p: { ids: string[] }) =>
  db.selectFrom('devices').select(['id', 'model_id', 'commissioned_on', 'site_id', 'department_id']).where('id', 'in', p.ids).where('status', '!=', 'decommissioned'),
);
const storedObligations = prepared((db, p: { ids: string[] }) => db.selectFrom('device_obligations').selectAll().where('device_id', 'in', p.ids));
const dropObligations = prepared((db, p: { ids: string[] }) => db.deleteFrom('device_obligations').where('device_id', 'in', p.ids));
const dropObligation = prepared((db, p: { device_id: string; inspection_type_id: string }) =>
  db.deleteFrom('device_obligations').where('device_id', '=', p.device_id).where('inspection_type_id', '=', p.inspection_type_id),
);
/** The shape names the changed columns: only their indexes are rewritten. */
const updateObligation = prepared((db, p: Partial<ObligationRow> & { device_id: string; inspection_type_id: string }, columns: string) =>
  db
    .updateTable('device_obligations')
    .set(Object.fromEntries(columns.split(',').map((c) => [c, p[c as ObligationColumn]])))
    .where('device_id', '=', p.device_id)
    .where('inspection_type_id', '=', p.inspection_type_id),
);

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
