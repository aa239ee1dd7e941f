import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@medreg/db';
import { locationText } from '../devices/queries.server.js';
import { badInput } from '../trpc/errors.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface Place {
  siteId: string;
  departmentId?: string | undefined;
  roomId?: string | undefined;
}

/**
 * Checks that a device's place is one branch of the location tree (the ward belongs to the site, the room to the
 * ward) and returns its names. Each refusal names the field to fix.
 */
export async function resolvePlace(db: Db, p: Place) {
  const site = await db.selectFrom('sites').select(['id', 'name']).where('id', '=', p.siteId).executeTakeFirst();
  if (!site) throw badInput('register.errors.unknownSite', {}, 'siteId');
  let department: { id: string; name: string } | undefined;
  if (p.departmentId) {
    const d = await db.selectFrom('departments').select(['id', 'name', 'site_id']).where('id', '=', p.departmentId).executeTakeFirst();
    if (!d || d.site_id !== site.id) throw badInput('register.errors.departmentNotOfSite', { site: site.name }, 'departmentId');
    department = d;
  }
  let room: { id: string; name: string } | undefined;
  if (p.roomId) {
    if (!department) throw badInput('register.errors.roomNeedsDepartment', {}, 'roomId');
    const r = await db.selectFrom('rooms').select(['id', 'name', 'department_id']).where('id', '=', p.roomId).executeTakeFirst();
    if (!r || r.department_id !== department.id) throw badInput('register.errors.roomNotOfDepartment', { department: department.name }, 'roomId');
    room = r;
  }
  const names = { site_name: site.name, department_name: department?.name ?? null, room_name: room?.name ?? null };
  return { ids: { siteId: site.id, departmentId: department?.id ?? null, roomId: room?.id ?? null }, names, text: locationText(names) };
}
