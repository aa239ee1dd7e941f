import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { onlyType } from '../inspections/types.server.js';
import { badInput, notFound } from '../trpc/errors.js';
import { recordChanges } from './history.server.js';

const blank = (v: unknown) => (v === '' || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const id = z.string({ error: onlyType('errors.required') }).min(1, { error: 'errors.required' }).max(64);
const text = (max: number) => z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).max(max);
const optionalText = (max: number) => z.preprocess(blank, z.string().trim().max(max).optional());

export const createLocationInput = z.discriminatedUnion(
  'level',
  [
    z.object({ level: z.literal('site'), name: text(120), address: optionalText(300) }),
    z.object({ level: z.literal('building'), siteId: id, name: text(120) }),
    z.object({
      level: z.literal('department'),
      buildingId: id,
      name: text(120),
      kind: z.enum(['ward', 'department'], { error: 'errors.invalidChoice' }),
      // Kostenstelle
      costCentre: optionalText(40),
    }),
    z.object({ level: z.literal('room'), departmentId: id, name: text(120), floor: optionalText(20) }),
  ],
  { error: 'errors.invalidChoice' },
);
export const renameLocationInput = z.object({ level: z.enum(['site', 'building', 'department', 'room'], { error: 'errors.invalidChoice' }), id, name: text(120) });
export const moveDepartmentInput = z.object({ id, buildingId: id });

type Level = z.output<typeof renameLocationInput>['level'];
const tables = { site: 'sites', building: 'buildings', department: 'departments', room: 'rooms' } as const;

/** The location tree (Standorte > Gebäude > Stationen/Abteilungen > Räume) with the devices in service at each place. */
export async function locationTree(db: Kysely<Database>) {
  const [sites, buildings, departments, rooms, byDepartment, byRoom, bySite] = await Promise.all([
    db.selectFrom('sites').select(['id', 'name', 'address']).orderBy('name').execute(),
    db.selectFrom('buildings').select(['id', 'site_id', 'name']).orderBy('name').execute(),
    db.selectFrom('departments').select(['id', 'site_id', 'building_id', 'name', 'kind', 'cost_centre']).orderBy('name').execute(),
    db.selectFrom('rooms').select(['id', 'department_id', 'name', 'floor']).orderBy('name').execute(),
    counts(db, 'department_id'),
    counts(db, 'room_id'),
    counts(db, 'site_id'),
  ]);
  const room = (r: (typeof rooms)[number]) => ({ ...r, devices: byRoom.get(r.id) ?? 0 });
  const department = (d: (typeof departments)[number]) => ({
    ...d,
    devices: byDepartment.get(d.id) ?? 0,
    rooms: rooms.filter((r) => r.department_id === d.id).map(room),
  });
  return sites.map((s) => {
    const own = departments.filter((d) => d.site_id === s.id);
    const onSite = own.reduce((n, d) => n + (byDepartment.get(d.id) ?? 0), 0);
    return {
      ...s,
      devices: bySite.get(s.id) ?? 0,
      // Devices registered at the site without a ward yet.
      withoutDepartment: (bySite.get(s.id) ?? 0) - onSite,
      buildings: buildings.filter((b) => b.site_id === s.id).map((b) => ({ ...b, departments: own.filter((d) => d.building_id === b.id).map(department) })),
      // Wards registered before buildings were kept.
      unhoused: own.filter((d) => d.building_id === null).map(department),
    };
  });
}

async function counts(db: Kysely<Database>, column: 'site_id' | 'department_id' | 'room_id') {
  const rows = await db
    .selectFrom('devices')
    .where('status', '!=', 'decommissioned')
    .where(column, 'is not', null)
    .select([`${column} as key`, (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(column)
    .execute();
  return new Map(rows.map((r) => [r.key as string, Number(r.n)]));
}

/** Refuses a second place of the same name under the same parent (what would the device list show?). */
async function nameTaken(db: Kysely<Database>, level: Level, name: string, parent: { column: string; id: string } | null, exceptId?: string) {
  let q = db.selectFrom(tables[level] as 'sites').select('id').where(sql<string>`lower(name)`, '=', sql<string>`lower(${name})`);
  if (parent) q = q.where(sql.ref(parent.column), '=', parent.id);
  if (exceptId) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) throw badInput('register.errors.locationExists', { name }, 'name');
}

/** Adds a place; its history starts with its name (who added it, when). */
export async function createLocation(services: Services, user: SessionUser, input: z.output<typeof createLocationInput>) {
  const newId = crypto.randomUUID();
  // The place and the start of its history, or neither.
  await services.db.transaction().execute(async (db) => {
    switch (input.level) {
      case 'site':
        await nameTaken(db, 'site', input.name, null);
        await db.insertInto('sites').values({ id: newId, name: input.name, address: input.address ?? null, created_at: services.now().toISOString() }).execute();
        break;
      case 'building': {
        const site = await db.selectFrom('sites').select('id').where('id', '=', input.siteId).executeTakeFirst();
        if (!site) throw badInput('register.errors.unknownSite', {}, 'siteId');
        await nameTaken(db, 'building', input.name, { column: 'site_id', id: site.id });
        await db.insertInto('buildings').values({ id: newId, site_id: site.id, name: input.name }).execute();
        break;
      }
      case 'department': {
        const building = await db.selectFrom('buildings').select(['id', 'site_id']).where('id', '=', input.buildingId).executeTakeFirst();
        if (!building) throw badInput('register.errors.unknownBuilding', {}, 'buildingId');
        await nameTaken(db, 'department', input.name, { column: 'site_id', id: building.site_id });
        await db
          .insertInto('departments')
          .values({ id: newId, site_id: building.site_id, building_id: building.id, name: input.name, kind: input.kind, cost_centre: input.costCentre ?? null })
          .execute();
        break;
      }
      case 'room': {
        const department = await db.selectFrom('departments').select('id').where('id', '=', input.departmentId).executeTakeFirst();
        if (!department) throw badInput('register.errors.unknownDepartment', {}, 'departmentId');
        await nameTaken(db, 'room', input.name, { column: 'department_id', id: department.id });
        await db.insertInto('rooms').values({ id: newId, department_id: department.id, name: input.name, floor: input.floor ?? null }).execute();
        break;
      }
    }
    await recordChanges(db, { userId: user.id, at: services.now().toISOString() }, input.level, newId, {}, { name: input.name });
  });
  return { id: newId };
}

/** Renames a place; the history keeps the old name (devices' logbooks keep the names they were written with). */
export async function renameLocation(services: Services, user: SessionUser, input: z.output<typeof renameLocationInput>) {
  const { db } = services;
  const table = tables[input.level];
  const current = (await db
    .selectFrom(table as 'departments')
    .selectAll()
    .where('id', '=', input.id)
    .executeTakeFirst()) as Record<string, string | null> | undefined;
  if (!current) throw notFound();
  const parent =
    input.level === 'building' || input.level === 'department'
      ? { column: 'site_id', id: current.site_id! }
      : input.level === 'room'
        ? { column: 'department_id', id: current.department_id! }
        : null;
  await nameTaken(db, input.level, input.name, parent, input.id);
  const at = services.now().toISOString();
  return db.transaction().execute(async (trx) => {
    await trx.updateTable(table as 'departments').set({ name: input.name }).where('id', '=', input.id).execute();
    return { changed: await recordChanges(trx, { userId: user.id, at }, input.level, input.id, { name: current.name }, { name: input.name }) };
  });
}

/** Moves a ward to another building of its site (the devices stay in the ward; their site does not change). */
export async function moveDepartment(services: Services, user: SessionUser, input: z.output<typeof moveDepartmentInput>) {
  const { db } = services;
  const department = await db
    .selectFrom('departments as d')
    .leftJoin('buildings as b', 'b.id', 'd.building_id')
    .select(['d.id', 'd.site_id', 'd.building_id', 'b.name as building_name'])
    .where('d.id', '=', input.id)
    .executeTakeFirst();
  if (!department) throw notFound();
  const building = await db.selectFrom('buildings').select(['id', 'site_id', 'name']).where('id', '=', input.buildingId).executeTakeFirst();
  if (!building || building.site_id !== department.site_id) throw badInput('register.errors.buildingNotOfSite', {}, 'buildingId');
  if (building.id === department.building_id) return { changed: [] };
  const at = services.now().toISOString();
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('departments').set({ building_id: building.id }).where('id', '=', department.id).execute();
    return {
      changed: await recordChanges(trx, { userId: user.id, at }, 'department', department.id, { building: department.building_name }, { building: building.name }),
    };
  });
}
