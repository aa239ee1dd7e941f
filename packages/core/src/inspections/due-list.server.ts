import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import { UTCDate } from '@date-fns/utc';
import { addDays } from 'date-fns/addDays';
import { formatISO } from 'date-fns/formatISO';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { canSeeAllDevices, visibleTo } from '../devices/access.js';
import { locationText } from '../devices/queries.server.js';
import { dueBounds, type CalendarDate } from './due.js';
import { assignedTypesOf } from './queries.server.js';

/**
 * What the due list shows: overdue; due this (ISO) week; due this month; failed and not yet released;
 * or everything open: overdue, failed and due up to the end of next month (so the month's last days still
 * show what comes next).
 */
export const dueWindows = ['open', 'overdue', 'week', 'month', 'failed'] as const;
export type DueWindow = (typeof dueWindows)[number];

const id = z.string().trim().min(1).max(64);
export const dueScopeInput = z.object({
  siteId: id.optional(),
  departmentId: id.optional(),
  typeId: id.optional(),
});
export const dueListInput = dueScopeInput.extend({
  window: z.enum(dueWindows, { error: 'errors.invalidChoice' }).default('open'),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
});
export type DueScope = z.output<typeof dueScopeInput>;

const day = (d: Date) => formatISO(d, { representation: 'date' });
const parse = (d: CalendarDate) => new UTCDate(`${d}T00:00:00Z`);


export type DueItemState = 'failed' | 'overdue' | 'week' | 'month' | 'later';
export function dueItemState(dueOn: CalendarDate, failed: boolean, b: ReturnType<typeof dueBounds>): DueItemState {
  if (failed) return 'failed';
  if (dueOn < b.today) return 'overdue';
  if (dueOn <= b.weekEnd) return 'week';
  if (dueOn <= b.monthEnd) return 'month';
  return 'later';
}

/**
 * Obligations in scope, read without the devices table (site and ward are copied onto each row).
 * `user` null: the whole register (compliance snapshots); nurses only ever see their own wards.
 */
export function obligationsIn(db: Kysely<Database>, user: SessionUser | null, scope: DueScope) {
  let q = db.selectFrom('device_obligations as o');
  if (user && !canSeeAllDevices(user)) q = q.where('o.department_id', 'in', user.departmentIds.length ? user.departmentIds : ['-']);
  if (scope.siteId) q = q.where('o.site_id', '=', scope.siteId);
  if (scope.departmentId === 'none') q = q.where('o.department_id', 'is', null);
  else if (scope.departmentId) q = q.where('o.department_id', '=', scope.departmentId);
  if (scope.typeId) q = q.where('o.inspection_type_id', '=', scope.typeId);
  return q;
}

/**
 * The due list: obligations in the window, by site and ward (so that one visit clears a station), soonest
 * first within a ward. The page is cut from the obligations' own index before any other table is read.
 */
export async function dueList(db: Kysely<Database>, user: SessionUser, input: z.output<typeof dueListInput>, today: CalendarDate) {
  const b = dueBounds(today);
  const window = (q: ReturnType<typeof obligationsIn>) => {
    switch (input.window) {
      case 'overdue':
        return q.where('o.due_on', '<', b.today);
      case 'week':
        return q.where('o.due_on', '>=', b.today).where('o.due_on', '<=', b.weekEnd);
      case 'month':
        return q.where('o.due_on', '>=', b.today).where('o.due_on', '<=', b.monthEnd);
      case 'failed':
        return q.where('o.failed', '=', 1);
      case 'open':
        return q.where((eb) => eb.or([eb('o.due_on', '<=', b.nextMonthEnd), eb('o.failed', '=', 1)]));
    }
  };
  const base = window(obligationsIn(db, user, input));
  const pageOf = base
    .select(['o.device_id', 'o.inspection_type_id', 'o.site_id', 'o.department_id', 'o.due_on', 'o.last_on', 'o.last_result', 'o.failed'])
    .orderBy('o.site_id')
    .orderBy('o.department_id')
    .orderBy('o.due_on')
    .orderBy('o.device_id')
    .orderBy('o.inspection_type_id')
    .limit(input.pageSize)
    .offset((input.page - 1) * input.pageSize);
  const count = async (q: ReturnType<typeof obligationsIn>) => Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
  const [total, rows] = await Promise.all([
    // "Open" counted as two index ranges (due by the horizon; failed beyond it): an OR would read every row.
    input.window === 'open'
      ? Promise.all([
          count(obligationsIn(db, user, input).where('o.due_on', '<=', b.nextMonthEnd)),
          count(obligationsIn(db, user, input).where('o.due_on', '>', b.nextMonthEnd).where('o.failed', '=', 1)),
        ]).then(([due, failedLater]) => due + failedLater)
      : count(base),
    db
      .selectFrom(pageOf.as('p'))
      .innerJoin('devices', 'devices.id', 'p.device_id')
      .innerJoin('inspection_types as it', 'it.id', 'p.inspection_type_id')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('sites as s', 's.id', 'p.site_id')
      .leftJoin('departments as dep', 'dep.id', 'p.department_id')
      .leftJoin('rooms as r', 'r.id', 'devices.room_id')
      .select([
        'devices.id as device_id',
        'devices.code',
        'devices.inventory_number',
        'devices.status',
        'm.name as model_name',
        's.id as site_id',
        's.name as site_name',
        'dep.id as department_id',
        'dep.name as department_name',
        'r.name as room_name',
        'it.id as type_id',
        'it.code as type_code',
        'it.name_de',
        'it.name_en',
        'p.due_on',
        'p.last_on',
        'p.last_result',
        'p.failed',
      ])
      .orderBy('p.site_id')
      .orderBy('p.department_id')
      .orderBy('p.due_on')
      .orderBy('p.device_id')
      .orderBy('p.inspection_type_id')
      .execute(),
  ]);
  const items = rows.map((r) => ({
    deviceId: r.device_id,
    code: r.code,
    inventoryNumber: r.inventory_number,
    deviceStatus: r.status,
    model: r.model_name,
    siteId: r.site_id,
    site: r.site_name,
    departmentId: r.department_id,
    department: r.department_name,
    room: r.room_name,
    location: locationText(r),
    type: { id: r.type_id, code: r.type_code, name_de: r.name_de, name_en: r.name_en },
    dueOn: String(r.due_on),
    lastOn: r.last_on === null ? null : String(r.last_on),
    lastResult: r.last_result,
    state: dueItemState(String(r.due_on), r.failed === 1, b),
  }));
  return { items, total, page: input.page, pageSize: input.pageSize, bounds: b };
}

export interface WardCounts {
  siteId: string;
  site: string;
  departmentId: string | null;
  department: string | null;
  devices: number;
  /** Devices with at least one overdue obligation. */
  overdueDevices: number;
  overdue: number;
  week: number;
  month: number;
  failed: number;
  /** Share of devices with no overdue obligation, 0..1; null for a ward without devices. */
  compliance: number | null;
}

/**
 * Counts per ward (site and department) for the due list's header and the compliance figure.
 * Three grouped queries over indexes; nothing per device leaves the database.
 */
export async function dueCounts(db: Kysely<Database>, user: SessionUser | null, scope: DueScope, today: CalendarDate): Promise<WardCounts[]> {
  const b = dueBounds(today);
  let devices = db
    .selectFrom('devices')
    .where('devices.status', '!=', 'decommissioned')
    .where((eb) => (user ? visibleTo(user)(eb) : eb.lit(true)))
    .select((eb) => ['devices.site_id', 'devices.department_id', eb.fn.countAll<number>().as('n')])
    .groupBy(['devices.site_id', 'devices.department_id']);
  if (scope.siteId) devices = devices.where('devices.site_id', '=', scope.siteId);
  if (scope.departmentId === 'none') devices = devices.where('devices.department_id', 'is', null);
  else if (scope.departmentId) devices = devices.where('devices.department_id', '=', scope.departmentId);
  const num = (v: unknown) => Number(v ?? 0);
  const [deviceRows, dueRows, failedRows, names] = await Promise.all([
    devices.execute(),
    obligationsIn(db, user, scope)
      .where('o.due_on', '<=', b.monthEnd)
      .select((eb) => [
        'o.site_id',
        'o.department_id',
        sql<number>`count(distinct case when ${eb.ref('o.due_on')} < ${b.today} then ${eb.ref('o.device_id')} end)`.as('overdue_devices'),
        sql<number>`sum(case when ${eb.ref('o.due_on')} < ${b.today} then 1 else 0 end)`.as('overdue'),
        sql<number>`sum(case when ${eb.ref('o.due_on')} >= ${b.today} and ${eb.ref('o.due_on')} <= ${b.weekEnd} then 1 else 0 end)`.as('week'),
        sql<number>`sum(case when ${eb.ref('o.due_on')} >= ${b.today} then 1 else 0 end)`.as('month'),
      ])
      .groupBy(['o.site_id', 'o.department_id'])
      .execute(),
    obligationsIn(db, user, scope)
      .where('o.failed', '=', 1)
      .select((eb) => ['o.site_id', 'o.department_id', eb.fn.countAll<number>().as('failed')])
      .groupBy(['o.site_id', 'o.department_id'])
      .execute(),
    db
      .selectFrom('sites as s')
      .leftJoin('departments as dep', 'dep.site_id', 's.id')
      .select(['s.id as site_id', 's.name as site_name', 'dep.id as department_id', 'dep.name as department_name'])
      .execute(),
  ]);
  const key = (siteId: string, departmentId: string | null) => `${siteId}|${departmentId ?? ''}`;
  const siteName = new Map(names.map((n) => [n.site_id, n.site_name]));
  const depName = new Map(names.filter((n) => n.department_id).map((n) => [n.department_id!, n.department_name!]));
  const out = new Map<string, WardCounts>();
  for (const r of deviceRows)
    out.set(key(r.site_id, r.department_id), {
      siteId: r.site_id,
      site: siteName.get(r.site_id) ?? '',
      departmentId: r.department_id,
      department: r.department_id ? (depName.get(r.department_id) ?? null) : null,
      devices: num(r.n),
      overdueDevices: 0,
      overdue: 0,
      week: 0,
      month: 0,
      failed: 0,
      compliance: null,
    });
  for (const r of dueRows) {
    const w = out.get(key(r.site_id, r.department_id));
    if (!w) continue;
    w.overdueDevices = num(r.overdue_devices);
    w.overdue = num(r.overdue);
    w.week = num(r.week);
    w.month = num(r.month);
  }
  for (const r of failedRows) {
    const w = out.get(key(r.site_id, r.department_id));
    if (w) w.failed = num(r.failed);
  }
  for (const w of out.values()) w.compliance = w.devices ? (w.devices - w.overdueDevices) / w.devices : null;
  return [...out.values()].sort((a, b) => a.site.localeCompare(b.site) || (a.department ?? '').localeCompare(b.department ?? ''));
}

/** Sums ward counts into one figure (a site, or everything the user sees). */
export function totalCounts(wards: WardCounts[]) {
  const t = { devices: 0, overdueDevices: 0, overdue: 0, week: 0, month: 0, failed: 0 };
  for (const w of wards) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += w[k];
  return { ...t, compliance: t.devices ? (t.devices - t.overdueDevices) / t.devices : null };
}

/**
 * Stores today's compliance per ward (one row per day, rewritten during the day). The server calls it on
 * start and hourly; `asOf` earlier than today derives a past day from the logbook (history on first install).
 */
export async function snapshotCompliance(db: Kysely<Database>, asOf: CalendarDate, today: CalendarDate): Promise<number> {
  let rows: { site_id: string; department_id: string; devices: number; compliant: number }[];
  if (asOf === today) {
    rows = (await dueCounts(db, null, {}, today)).map((w) => ({
      site_id: w.siteId,
      department_id: w.departmentId ?? '',
      devices: w.devices,
      compliant: w.devices - w.overdueDevices,
    }));
  } else rows = await complianceAsOf(db, asOf);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('compliance_snapshots').where('taken_on', '=', asOf).execute();
    for (let i = 0; i < rows.length; i += 500)
      await trx.insertInto('compliance_snapshots').values(rows.slice(i, i + 500).map((r) => ({ ...r, taken_on: asOf }))).execute();
  });
  return rows.length;
}

/** Compliance as it stood at the end of a past day, recomputed from the logbook (devices in service then). */
async function complianceAsOf(db: Kysely<Database>, asOf: CalendarDate) {
  const devices = await db
    .selectFrom('devices')
    .select(['id', 'model_id', 'commissioned_on', 'site_id', 'department_id'])
    .where((eb) => eb.or([eb('commissioned_on', 'is', null), eb('commissioned_on', '<=', asOf)]))
    .where((eb) => eb.or([eb('decommissioned_on', 'is', null), eb('decommissioned_on', '>', asOf)]))
    .execute();
  const types = await assignedTypesOf(db, devices, asOf);
  const wards = new Map<string, { site_id: string; department_id: string; devices: number; compliant: number }>();
  for (const d of devices) {
    const k = `${d.site_id}|${d.department_id ?? ''}`;
    const w = wards.get(k) ?? wards.set(k, { site_id: d.site_id, department_id: d.department_id ?? '', devices: 0, compliant: 0 }).get(k)!;
    w.devices++;
    if (!(types.get(d.id) ?? []).some((t) => t.due_on < asOf)) w.compliant++;
  }
  return [...wards.values()];
}

/** Compliance per day over the last `days` days for a scope: the chart on the due list. */
export async function complianceHistory(db: Kysely<Database>, user: SessionUser, scope: DueScope, today: CalendarDate, days = 120) {
  const from = day(addDays(parse(today), -days));
  let q = db
    .selectFrom('compliance_snapshots as c')
    .where('c.taken_on', '>=', from)
    .select((eb) => ['c.taken_on', eb.fn.sum<number>('c.devices').as('devices'), eb.fn.sum<number>('c.compliant').as('compliant')])
    .groupBy('c.taken_on')
    .orderBy('c.taken_on');
  if (scope.siteId) q = q.where('c.site_id', '=', scope.siteId);
  if (scope.departmentId) q = q.where('c.department_id', '=', scope.departmentId === 'none' ? '' : scope.departmentId);
  // Snapshots are per ward over all inspection types, so a type filter does not narrow the chart.
  // Whoever sees only some wards' devices sees only their history.
  if (!canSeeAllDevices(user)) q = q.where('c.department_id', 'in', user.departmentIds.length ? user.departmentIds : ['-']);
  const rows = await q.execute();
  return rows.map((r) => ({ on: String(r.taken_on), devices: Number(r.devices), compliance: Number(r.devices) ? Number(r.compliant) / Number(r.devices) : null }));
}

/** Filter options for the due list: sites, their wards and the active inspection types. */
export async function dueFilterOptions(db: Kysely<Database>) {
  const [sites, departments, types] = await Promise.all([
    db.selectFrom('sites').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('departments').select(['id', 'name', 'site_id']).orderBy('name').execute(),
    db.selectFrom('inspection_types').where('archived_at', 'is', null).select(['id', 'code', 'name_de', 'name_en']).orderBy('code').execute(),
  ]);
  return { sites, departments, types };
}
