import { type Expression, type ExpressionBuilder, type Kysely, PostgresAdapter, type SqlBool } from 'kysely';
import { type Database, type DeviceStatus, prepared, type Role } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { dueBounds, dueState } from '../inspections/due.js';
import { canSeeAllDevices, type Viewer, visibleTo } from './access.js';
import { type LoweredColumn, startsWith } from './lowered.server.js';
import { matchModels } from './search.js';
import { searchableModels, searchFiles } from './search.server.js';

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Devices with model, manufacturer and location joined, limited to what the user may see. */
export function visibleDevices(db: Kysely<Database>, user: Viewer) {
  return db
    .selectFrom('devices')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'devices.site_id')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .leftJoin('rooms as r', 'r.id', 'devices.room_id')
    .where(visibleTo(user));
}

export const deviceSorts = ['inventory', 'inventory_desc', 'serial'] as const;
export type DeviceSort = (typeof deviceSorts)[number];
/** Due states of the "due" filter, from the stored obligations: past due, due within 30 days, last inspection failed. */
export const dueFilters = ['overdue', 'soon', 'failed'] as const;
export type DueFilter = (typeof dueFilters)[number];
export const deviceStatuses: readonly DeviceStatus[] = ['in_service', 'locked', 'in_repair', 'decommissioned'];

export interface DeviceListQuery {
  q?: string | undefined;
  page: number;
  pageSize: number;
  siteId?: string | undefined;
  departmentId?: string | undefined;
  modelId?: string | undefined;
  /** The kind of device (Art) of the model, as the counts by kind name it. */
  kind?: string | undefined;
  status?: DeviceStatus | undefined;
  /** MPBetreibV Anlage 1 or Anlage 2 models only. */
  anlage?: 1 | 2 | undefined;
  due?: DueFilter | undefined;
  /** Only the user's favourites ("my devices"). */
  mine?: boolean | undefined;
  sort?: DeviceSort | undefined;
  /** Also search the text of the devices' PDF files (the device page's "found in files"). */
  files?: boolean | undefined;
}

/** Above `largeResult` matches a page is cut while walking the sort order instead of sorting the matches (tests lower it). */
export const listTuning = { largeResult: 5000 };

/**
 * The register list: a search box (inventory and serial number by prefix, any case; model designation, kind,
 * type and manufacturer by word with typos allowed), filters, a sort, a page, the total and counts by kind of
 * the whole filtered set, and, with `files`, hits in the text of the devices' PDF files.
 */
export async function listDevices(db: Kysely<Database>, user: SessionUser, query: DeviceListQuery, on: string) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const q = query.q?.trim() ?? '';
  const sort = query.sort ?? 'inventory';
  const models = await searchableModels(db);
  const kindOf = new Map(models.map((m) => [m.id, m.kind]));

  // Model-level filters resolve to a set of model ids in memory (the model table is small).
  let modelScope: string[] | null = null;
  if (query.modelId) modelScope = [query.modelId];
  if (query.kind !== undefined) {
    const ofKind = new Set(models.filter((m) => m.kind === query.kind).map((m) => m.id));
    modelScope = (modelScope ?? [...ofKind]).filter((id) => ofKind.has(id));
  }
  if (query.anlage) {
    const inAnlage = new Set(models.filter((m) => (query.anlage === 1 ? m.anlage1 : m.anlage2) === 1).map((m) => m.id));
    modelScope = (modelScope ?? [...inAnlage]).filter((id) => inAnlage.has(id));
  }
  const searchModels = q ? matchModels(q, models) : [];
  /** A filter that leaves few devices, so that probing each one's obligations beats collecting all due ones. */
  const narrow = !!(q || query.departmentId || query.modelId || query.kind !== undefined || query.mine || (query.status && query.status !== 'in_service') || user.role === 'nurse');

  const prefixOf = (eb: ExpressionBuilder<Database, 'devices'>, col: LoweredColumn) => startsWith(eb, col, q, pg);

  /** The filters as a where-clause. `inOrder`: for a page cut while walking the sort order (a large result). */
  const filters =
    (withSearch: boolean, inOrder = false) =>
    (eb: ExpressionBuilder<Database, 'devices'>) => {
      const all: Expression<SqlBool>[] = [visibleTo(user)(eb)];
      if (query.siteId) all.push(eb('devices.site_id', '=', query.siteId));
      if (query.departmentId) all.push(eb('devices.department_id', '=', query.departmentId));
      if (query.status) all.push(eb('devices.status', '=', query.status));
      if (modelScope) all.push(modelScope.length ? eb('devices.model_id', 'in', modelScope) : eb.lit(false));
      if (query.mine) all.push(eb('devices.id', 'in', eb.selectFrom('favourites').select('favourites.device_id').where('favourites.user_id', '=', user.id)));
      if (query.due) {
        const obligations = eb.selectFrom('device_obligations as o').select('o.device_id');
        const due =
          query.due === 'overdue'
            ? obligations.where('o.due_on', '<', on)
            : query.due === 'soon'
              ? obligations.where('o.due_on', '>=', on).where('o.due_on', '<=', dueBounds(on).in30)
              : obligations.where('o.failed', '=', 1);
        // Next to a narrow filter, and while walking the sort order for a page, each device probes its own
        // obligations; to count a wide set, the due devices are collected once from the due-date index. Failed
        // ones are few (a partial index holds them): always collected.
        if ((narrow || inOrder) && query.due !== 'failed') all.push(eb.exists(due.whereRef('o.device_id', '=', 'devices.id')));
        else all.push(eb('devices.id', 'in', due));
      }
      if (withSearch && q) {
        const any: Expression<SqlBool>[] = [prefixOf(eb, 'devices.inventory_number'), prefixOf(eb, 'devices.serial_number')];
        if (searchModels.length) any.push(eb('devices.model_id', 'in', searchModels));
        all.push(eb.or(any));
      }
      return eb.and(all);
    };

  // A search is three sets (model, inventory prefix, serial prefix), each read from its own index as a
  // disjoint branch of a UNION ALL: SQLite would answer the OR of them by reading every device. The branches
  // carry the unique inventory number, so the model branch is read from the (model_id, inventory_number) index alone.
  const matching = (withSerial = false) => {
    const notModel = (eb: ExpressionBuilder<Database, 'devices'>) => (searchModels.length ? eb.not(eb('devices.model_id', 'in', searchModels)) : eb.lit(true));
    const branch = (cond: (eb: ExpressionBuilder<Database, 'devices'>) => Expression<SqlBool>) =>
      db
        .selectFrom('devices')
        .where(filters(false))
        .where(cond)
        .select(['devices.model_id', 'devices.inventory_number'])
        .$if(withSerial, (qb) => qb.select('devices.serial_number'));
    let union = branch((eb) => eb.and([notModel(eb), prefixOf(eb, 'devices.inventory_number')])).unionAll(
      branch((eb) => eb.and([notModel(eb), eb.not(prefixOf(eb, 'devices.inventory_number')), prefixOf(eb, 'devices.serial_number')])),
    );
    if (searchModels.length) union = union.unionAll(branch((eb) => eb('devices.model_id', 'in', searchModels)));
    // Materialised: inlined, SQLite pushes the page's ORDER BY into each branch and walks the whole sort index.
    return db.with((cte) => cte('hits').materialized(), () => union).selectFrom('hits as devices');
  };
  const plain = () => db.selectFrom('devices').where(filters(false));

  // Total and counts by kind in one pass: per model over the index, then summed by the model's kind in memory.
  const perModel = await (q ? matching() : plain())
    .select((eb) => ['devices.model_id', eb.fn.countAll<number | string>().as('n')])
    .groupBy('devices.model_id')
    .execute();
  const byKind = new Map<string, number>();
  let total = 0;
  for (const r of perModel) {
    const n = Number(r.n);
    total += n;
    const kind = kindOf.get(r.model_id) ?? '';
    byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  }
  const kinds = [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  // A page past the end (an old bookmark, a hand-edited address) shows the last page, not "page 999 of 8" and nothing.
  const page = Math.min(query.page, Math.max(1, Math.ceil(total / query.pageSize)));

  // The page's ids first; the joins then run for these rows only. A small result is collected and sorted; a
  // large one is cut while walking the sort order's index (it meets a page's worth of matches soon).
  const large = total > listTuning.largeResult;
  const pageNumbers = (
    await (large ? db.selectFrom('devices').where(filters(true, true)) : q ? matching(sort === 'serial') : plain())
      .select('devices.inventory_number')
      .$call((qb) =>
        sort === 'inventory_desc'
          ? qb.orderBy('devices.inventory_number', 'desc')
          : sort === 'serial'
            ? qb.orderBy('devices.serial_number').orderBy('devices.inventory_number')
            : qb.orderBy('devices.inventory_number'),
      )
      .limit(query.pageSize)
      .offset((page - 1) * query.pageSize)
      .execute()
  ).map((r) => r.inventory_number);

  // Inventory numbers are unique: the page's rows with everything a row shows.
  const rows = pageNumbers.length
    ? await db
          .selectFrom('devices')
          .innerJoin('device_models as m', 'm.id', 'devices.model_id')
          .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
          .innerJoin('sites as s', 's.id', 'devices.site_id')
          .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
          .leftJoin('rooms as r', 'r.id', 'devices.room_id')
          .leftJoin('favourites as fav', (j) => j.onRef('fav.device_id', '=', 'devices.id').on('fav.user_id', '=', user.id))
          .where('devices.inventory_number', 'in', pageNumbers)
          .select([
            'devices.id',
            'devices.code',
            'devices.inventory_number',
            'devices.serial_number',
            'devices.status',
            'devices.site_id',
            'devices.department_id',
            'm.id as model_id',
            'm.name as model_name',
            'm.kind as model_kind',
            'm.type_designation',
            'm.anlage1',
            'm.anlage2',
            'mf.name as manufacturer_name',
            's.name as site_name',
            'dep.name as department_name',
            'r.name as room_name',
            'fav.device_id as favourite_of',
          ])
          .execute()
    : [];
  const pageIds = pageNumbers.flatMap((n) => rows.filter((r) => r.inventory_number === n).map((r) => r.id));
  const [dueRows, fileHits] = await Promise.all([
    pageIds.length
      ? db
          .selectFrom('device_obligations')
          .where('device_id', 'in', pageIds)
          .select((eb) => ['device_id', eb.fn.min('due_on').as('next_due_on'), eb.fn.max('failed').as('failed')])
          .groupBy('device_id')
          .execute()
      : [],
    query.files && q ? searchFiles(db, user, q, filters(false)) : [],
  ]);
  const dueOf = new Map(dueRows.map((r) => [r.device_id, r]));
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  const items = pageIds.flatMap((id) => {
    const r = rowOf.get(id);
    if (!r) return [];
    const { favourite_of, ...rest } = r;
    const d = dueOf.get(id);
    const nextDueOn = d?.next_due_on ? String(d.next_due_on) : null;
    const state = nextDueOn ? dueState(nextDueOn, on) : null;
    const due_state: 'failed' | 'overdue' | 'soon' | null =
      Number(d?.failed ?? 0) === 1 ? 'failed' : state === 'overdue' ? 'overdue' : state === 'due_soon' ? 'soon' : null;
    return [{ ...rest, favourite: favourite_of !== null, next_due_on: nextDueOn, due_state }];
  });
  return { items, total, page, pageSize: query.pageSize, kinds, fileHits };
}

/** One device with everything its page shows, or undefined if missing or not visible to the user. */
export async function getDevice(db: Kysely<Database>, user: SessionUser, by: { id: string } | { code: string }) {
  const row = await deviceRow.first(
    db,
    { key: 'id' in by ? by.id : by.code, departments: canSeeAllDevices(user) ? [] : user.departmentIds },
    `${'id' in by ? 'id' : 'code'} ${user.role}`,
  );
  if (!row) return undefined;
  // A software update is stored on the device; until one, it runs what the model shipped with.
  return { ...row, software_version: row.software_version ?? row.model_software_version, location: locationText(row) };
}

const deviceRow = prepared((db, p: { key: string; departments: string[] }, shape) =>
  visibleDevices(db, { role: shape.split(' ')[1] as Role, departmentIds: p.departments })
    .where(shape.startsWith('id ') ? 'devices.id' : 'devices.code', '=', p.key)
    .selectAll('devices')
    .select([
      'm.name as model_name',
      'm.kind as model_kind',
      'm.type_designation',
      'm.anlage1',
      'm.anlage2',
      'm.software_version as model_software_version',
      'm.device_class as model_device_class',
      'm.protection_class',
      'm.applied_part',
      'mf.name as manufacturer_name',
      'mf.address as manufacturer_address',
      's.name as site_name',
      'dep.name as department_name',
      'r.name as room_name',
    ]),
);

export function locationText(d: { site_name: string; department_name: string | null; room_name: string | null }): string {
  return [d.site_name, d.department_name, d.room_name].filter(Boolean).join(' › ');
}
