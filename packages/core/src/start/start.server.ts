import { sql, type Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { locationText, visibleDevices } from '../devices/queries.server.js';
import { countOpenDefects, defectQueue, myDefects } from '../defects/defects.server.js';
import { dueBounds, type CalendarDate } from '../inspections/due.js';
import { obligationsIn } from '../inspections/due-list.server.js';
import { asRecord, instructionRowsOf } from '../instructions/queries.server.js';
import { openRequestsByModel, myRequests } from '../instructions/requests.server.js';
import { EXPIRING_DAYS, instructionStatus, type InstructionRecord } from '../instructions/status.js';
import { countOpenLocks, openLocks } from '../lockout/lock.server.js';

/**
 * Anlage 1 models in use on the user's wards on which they are not (or soon no longer) validly instructed,
 * with whom to ask there and whether they already asked.
 */
export async function openInstructionsOf(db: Kysely<Database>, user: SessionUser, today: CalendarDate) {
  if (user.departmentIds.length === 0) return [];
  const models = await db
    .selectFrom('devices')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'devices.site_id')
    .where('devices.department_id', 'in', user.departmentIds)
    .where('devices.status', '!=', 'decommissioned')
    .where('m.anlage1', '=', 1)
    .select(['m.id', 'm.name', 'mf.name as manufacturer_name', 'm.software_version', 's.id as site_id', 's.name as site_name'])
    .select((eb) => [eb.fn.min('devices.code').as('device_code'), eb.fn.countAll<number>().as('devices')])
    .groupBy(['m.id', 'm.name', 'mf.name', 'm.software_version', 's.id', 's.name'])
    .orderBy('m.name')
    .execute();
  if (models.length === 0) return [];
  const modelIds = [...new Set(models.map((m) => m.id))];
  const [records, requests, appointed] = await Promise.all([
    instructionRowsOf(db, [user.id], modelIds),
    db
      .selectFrom('instruction_requests')
      .where('user_id', '=', user.id)
      .where('status', '=', 'open')
      .where('model_id', 'in', modelIds)
      .select(['model_id', 'requested_at'])
      .execute(),
    db
      .selectFrom('appointed_persons as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .where('a.model_id', 'in', modelIds)
      .where('a.ended_at', 'is', null)
      .where('u.blocked_at', 'is', null)
      .select(['a.model_id', 'a.site_id', 'u.name', 'u.phone'])
      .orderBy('u.name')
      .execute(),
  ]);
  const recordsOf = new Map<string, InstructionRecord[]>();
  for (const r of records)
    recordsOf.set(r.model_id, [...(recordsOf.get(r.model_id) ?? []), asRecord(r)]);
  return models
    .map((m) => {
      const status = instructionStatus(today, m.software_version, recordsOf.get(m.id) ?? [], EXPIRING_DAYS);
      return {
        modelId: m.id,
        model: m.name,
        manufacturer: m.manufacturer_name,
        site: m.site_name,
        deviceCode: String(m.device_code),
        devices: Number(m.devices),
        state: status.state,
        until: status.until,
        requestedAt: requests.find((r) => r.model_id === m.id)?.requested_at ?? null,
        appointed: appointed.filter((a) => a.model_id === m.id && a.site_id === m.site_id).map((a) => ({ name: a.name, phone: a.phone })),
      };
    })
    .filter((m) => m.state !== 'current');
}

/** Instructions recorded for the user that they have not confirmed yet. */
export async function unconfirmedInstructions(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('instruction_trainees as t')
    .innerJoin('instructions as i', 'i.id', 't.instruction_id')
    .innerJoin('device_models as m', 'm.id', 'i.model_id')
    .where('t.user_id', '=', userId)
    .where('t.confirmed_at', 'is', null)
    .select(['i.id', 'i.instructed_on', 'i.instructor_name', 'i.method', 'm.name as model_name'])
    .orderBy('i.instructed_on', 'desc')
    .limit(50)
    .execute();
}

/**
 * Inspections failed, overdue or due within 30 days on the devices the user may see, failed first, then
 * soonest; read from the stored obligations, so it costs the same at 200 or 100,000 devices.
 */
export async function dueWork(db: Kysely<Database>, user: SessionUser, today: CalendarDate, limit = 50) {
  const { in30 } = dueBounds(today);
  const mine = () => obligationsIn(db, user, {});
  // Failed first, then by date: two walks of their own indexes, each stopping after `limit` rows.
  const page = (q: ReturnType<typeof mine>) =>
    db
      .selectFrom(q.select(['o.device_id', 'o.inspection_type_id', 'o.due_on', 'o.failed']).orderBy('o.due_on').orderBy('o.device_id').limit(limit).as('p'))
      .innerJoin('devices', 'devices.id', 'p.device_id')
      .innerJoin('inspection_types as it', 'it.id', 'p.inspection_type_id')
      .innerJoin('device_models as m', 'm.id', 'devices.model_id')
      .innerJoin('sites as s', 's.id', 'devices.site_id')
      .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
      .leftJoin('rooms as r', 'r.id', 'devices.room_id')
      .select(['devices.code', 'devices.inventory_number', 'm.name as model_name', 's.name as site_name', 'dep.name as department_name', 'r.name as room_name'])
      .select(['it.id as type_id', 'it.code as type_code', 'it.name_de', 'it.name_en', 'p.due_on', 'p.failed'])
      .orderBy('p.due_on')
      .orderBy('devices.inventory_number')
      .execute();
  const [counts, failed, due] = await Promise.all([
    mine()
      .where('o.due_on', '<=', in30)
      .select((eb) => [
        sql<number>`sum(case when ${eb.ref('o.due_on')} < ${today} then 1 else 0 end)`.as('overdue'),
        sql<number>`sum(case when ${eb.ref('o.due_on')} >= ${today} then 1 else 0 end)`.as('soon'),
      ])
      .executeTakeFirst(),
    page(mine().where('o.failed', '=', 1)),
    page(mine().where('o.due_on', '<=', in30).where('o.failed', '=', 0)),
  ]);
  const items = [...failed, ...due].slice(0, limit).map((d) => {
    const dueOn = String(d.due_on);
    const state = d.failed ? ('failed' as const) : dueOn < today ? ('overdue' as const) : ('due_soon' as const);
    return { deviceCode: d.code, inventoryNumber: d.inventory_number, model: d.model_name, location: locationText(d), type: { id: d.type_id, code: d.type_code, name_de: d.name_de, name_en: d.name_en }, dueOn, state };
  });
  return { overdue: Number(counts?.overdue ?? 0), dueSoon: Number(counts?.soon ?? 0), items };
}

/** Suspected incidents whose BfArM report is not recorded yet: a decision for the device-safety officer. */
async function unreportedIncidents(db: Kysely<Database>, user: SessionUser) {
  return visibleDevices(db, user)
    .innerJoin('locks', 'locks.device_id', 'devices.id')
    .where('locks.released_at', 'is', null)
    .where('locks.incident_suspected', '=', 1)
    .where('locks.bfarm_reported_on', 'is', null)
    .select(['devices.code', 'devices.inventory_number', 'm.name as model_name', 'locks.locked_at', 'locks.reason'])
    .orderBy('locks.locked_at')
    .limit(100)
    .execute();
}

/** What each role's start page shows; every item links to where it is done. */
export async function startPage(db: Kysely<Database>, user: SessionUser, now: Date, today: CalendarDate) {
  switch (user.role) {
    case 'nurse': {
      const [instructions, unconfirmed, requests, defects, locks, appointedRequests] = await Promise.all([
        openInstructionsOf(db, user, today),
        unconfirmedInstructions(db, user.id),
        myRequests(db, user, now),
        myDefects(db, user.id),
        openLocks(db, user),
        openRequestsByModel(db, user),
      ]);
      return { role: 'nurse' as const, instructions, unconfirmed, requests, defects, locks: locks.slice(0, 50), appointedRequests };
    }
    case 'technician': {
      const [due, defects, locks, unconfirmed] = await Promise.all([
        dueWork(db, user, today),
        defectQueue(db, user),
        countOpenLocks(db, user),
        unconfirmedInstructions(db, user.id),
      ]);
      return { role: 'technician' as const, due, defects: defects.slice(0, 50), openDefects: defects.length, locks, unconfirmed };
    }
    default: {
      const [devices, locks, defects, requests, incidents, unconfirmed] = await Promise.all([
        db.selectFrom('devices').where('status', '!=', 'decommissioned').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
        countOpenLocks(db, user),
        countOpenDefects(db, user),
        openRequestsByModel(db, user),
        unreportedIncidents(db, user),
        unconfirmedInstructions(db, user.id),
      ]);
      return {
        role: 'manager' as const,
        counts: { devices: Number(devices?.n ?? 0), locks, defects, requests: requests.reduce((n, g) => n + g.people.length, 0) },
        requests,
        incidents,
        unconfirmed,
      };
    }
  }
}
