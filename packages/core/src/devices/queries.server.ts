import { sql, type Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { visibleTo } from './access.js';

export interface DeviceListQuery {
  q?: string | undefined;
  page: number;
  pageSize: number;
}

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Devices with model, manufacturer and location joined, limited to what the user may see. */
export function visibleDevices(db: Kysely<Database>, user: SessionUser) {
  return db
    .selectFrom('devices')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'devices.site_id')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .leftJoin('rooms as r', 'r.id', 'devices.room_id')
    .where(visibleTo(user));
}

/** Register list with search by inventory number, serial (prefix) or designation (anywhere). */
export async function listDevices(db: Kysely<Database>, user: SessionUser, query: DeviceListQuery) {
  const q = query.q?.trim().toLowerCase() ?? '';
  let base = visibleDevices(db, user);
  if (q) {
    const prefix = `${escapeLike(q)}%`;
    const anywhere = `%${escapeLike(q)}%`;
    base = base.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['devices.inventory_number']), 'like', sql<string>`${prefix} escape '\\'`),
        eb(eb.fn('lower', ['devices.serial_number']), 'like', sql<string>`${prefix} escape '\\'`),
        eb(eb.fn('lower', ['m.name']), 'like', sql<string>`${anywhere} escape '\\'`),
        eb(eb.fn('lower', ['mf.name']), 'like', sql<string>`${anywhere} escape '\\'`),
      ]),
    );
  }
  const [{ total } = { total: 0 }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const items = await base
    .select([
      'devices.id',
      'devices.code',
      'devices.inventory_number',
      'devices.serial_number',
      'devices.status',
      'm.name as model_name',
      'm.type_designation',
      'mf.name as manufacturer_name',
      's.name as site_name',
      'dep.name as department_name',
      'r.name as room_name',
    ])
    .orderBy('devices.inventory_number')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  return { items, total: Number(total), page: query.page, pageSize: query.pageSize };
}

/** One device with everything its page shows, or undefined if missing or not visible to the user. */
export async function getDevice(db: Kysely<Database>, user: SessionUser, by: { id: string } | { code: string }) {
  const row = await visibleDevices(db, user)
    .where('id' in by ? 'devices.id' : 'devices.code', '=', 'id' in by ? by.id : by.code)
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
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  // A software update is stored on the device; until one, it runs what the model shipped with.
  return { ...row, software_version: row.software_version ?? row.model_software_version, location: locationText(row) };
}

export function locationText(d: { site_name: string; department_name: string | null; room_name: string | null }): string {
  return [d.site_name, d.department_name, d.room_name].filter(Boolean).join(' › ');
}
