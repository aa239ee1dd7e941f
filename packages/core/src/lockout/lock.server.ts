import { z } from 'zod';
import type { Kysely, Transaction } from 'kysely';
import { type Database, type DeviceStatus, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { visibleTo } from '../devices/access.js';
import { getDevice, locationText, visibleDevices } from '../devices/queries.server.js';
import { today } from '../inspections/due.js';
import { refreshObligations } from '../inspections/obligations.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';

const deviceId = z.uuid({ error: 'errors.deviceNotFound' });
const reason = z.string({ error: 'errors.required' }).trim().min(3).max(1000);

export const lockInput = z.object({
  deviceId,
  reason,
  incidentSuspected: z.boolean().default(false),
  /** The failed inspection that showed the defect. */
  causeEntryId: z.uuid({ error: 'errors.invalid' }).optional(),
});

export const releaseInput = z.object({
  deviceId,
  /** A passed inspection recorded after the lock … */
  inspectionEntryId: z.uuid({ error: 'lock.releaseNeedsTest' }).optional(),
  /** … or, for managers only, an explicit reason. With a test it is an optional remark. */
  reason: z.string().trim().max(1000).optional(),
});

export const reportIncidentInput = z.object({
  deviceId,
  reportedOn: isoDate,
  reference: z.string({ error: 'errors.required' }).trim().min(1).max(60),
});

type Db = Kysely<Database> | Transaction<Database>;

async function visibleDevice(services: Services, user: SessionUser, id: string) {
  const device = await getDevice(services.db, user, { id });
  if (!device) throw notFound('errors.deviceNotFound');
  return device;
}

/**
 * Locks a device (Sperrung): one logbook entry, an open lock, and the status "locked" that every
 * view reads. Refused if the device is already locked or decommissioned; all or nothing.
 */
export async function lockDevice(services: Services, user: SessionUser, input: z.output<typeof lockInput>) {
  const device = await visibleDevice(services, user, input.deviceId);
  if (device.status === 'locked') throw new AppError('CONFLICT', 'errors.deviceLocked');
  if (device.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  if (input.causeEntryId) {
    const cause = await services.db
      .selectFrom('logbook_entries')
      .select('id')
      .where('id', '=', input.causeEntryId)
      .where('device_id', '=', device.id)
      .where('kind', '=', 'inspection')
      .where('result', '=', 'failed')
      .executeTakeFirst();
    if (!cause) throw badInput('errors.invalid', {}, 'causeEntryId');
  }
  const now = services.now().toISOString();
  return services.db.transaction().execute((trx) => writeLock(trx, user, device, input, now));
}

/**
 * The lock's writes inside the caller's transaction (a failed inspection locks in the same one):
 * the logbook entry, the guarded status change and the open lock.
 */
export async function writeLock(
  trx: Transaction<Database>,
  user: SessionUser,
  device: { id: string; code: string; status: DeviceStatus },
  input: z.output<typeof lockInput>,
  now: string,
) {
  const entry = await appendEntry(trx, {
    deviceId: device.id,
    kind: 'lock',
    occurredAt: now,
    recordedAt: now,
    recordedBy: user.id,
    text: input.reason,
    details: { incidentSuspected: input.incidentSuspected, previousStatus: device.status, causeEntryId: input.causeEntryId ?? null },
  });
  const id = crypto.randomUUID();
  // The guarded update comes first: of two concurrent locks, the second changes no row and rolls back
  // (the unique index on open locks backs this up).
  const updated = await trx
    .updateTable('devices')
    .set({ status: 'locked', updated_at: now })
    .where('id', '=', device.id)
    .where('status', '=', device.status)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'errors.deviceLocked');
  await trx
    .insertInto('locks')
    .values({
      id,
      device_id: device.id,
      reason: input.reason,
      incident_suspected: input.incidentSuspected ? 1 : 0,
      locked_by: user.id,
      locked_at: now,
      lock_entry_id: entry.id,
      released_by: null,
      released_at: null,
      release_entry_id: null,
      release_reason: null,
      cause_entry_id: input.causeEntryId ?? null,
      release_inspection_entry_id: null,
      bfarm_reported_on: null,
      bfarm_reference: null,
      report_entry_id: null,
    })
    .execute();
  return { lockId: id, deviceCode: device.code };
}

/** Passed inspections performed and recorded after the lock: each one may justify the release. */
export async function releaseTests(db: Db, deviceId: string, lockedAt: string) {
  return db
    .selectFrom('logbook_entries as e')
    .leftJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
    .innerJoin('users as u', 'u.id', 'e.recorded_by')
    .where('e.device_id', '=', deviceId)
    .where('e.kind', '=', 'inspection')
    .where('e.result', '=', 'passed')
    // Recorded after the lock and performed on or after it: a back-dated test does not count.
    .where('e.recorded_at', '>', lockedAt)
    .where('e.occurred_at', '>=', lockedAt)
    .select(['e.id', 'e.occurred_at', 'it.code', 'it.name_de', 'it.name_en', 'u.name as recorded_by_name'])
    .orderBy('e.recorded_at', 'desc')
    .execute();
}

/**
 * Releases a locked device (Freigabe): only with a passed inspection recorded after the lock, or with an
 * explicit reason by a manager. One logbook entry; the device returns to the status it had before.
 */
export async function releaseDevice(services: Services, user: SessionUser, input: z.output<typeof releaseInput>) {
  const device = await visibleDevice(services, user, input.deviceId);
  const lock = await currentLock(services.db, device.id);
  if (!lock) throw new AppError('CONFLICT', 'lock.notLocked');
  const remark = input.reason || null;
  if (input.inspectionEntryId) {
    const tests = await releaseTests(services.db, device.id, lock.locked_at);
    if (!tests.some((t) => t.id === input.inspectionEntryId)) throw badInput('lock.releaseTestInvalid', {}, 'inspectionEntryId');
  } else if (user.role !== 'manager' && user.role !== 'admin') {
    throw badInput('lock.releaseNeedsTest', {}, 'inspectionEntryId');
  } else if (!remark || remark.length < 3) {
    throw badInput('lock.releaseNeedsReason', {}, 'reason');
  }

  const lockEntry = await services.db.selectFrom('logbook_entries').select('details').where('id', '=', lock.lock_entry_id).executeTakeFirstOrThrow();
  const before = (JSON.parse(lockEntry.details ?? '{}') as { previousStatus?: DeviceStatus }).previousStatus;
  const status: DeviceStatus = before === 'in_repair' ? 'in_repair' : 'in_service';
  const now = services.now().toISOString();
  return services.db.transaction().execute(async (trx) => {
    const entry = await appendEntry(trx, {
      deviceId: device.id,
      kind: 'release',
      occurredAt: now,
      recordedAt: now,
      recordedBy: user.id,
      text: remark,
      details: { lockId: lock.id, inspectionEntryId: input.inspectionEntryId ?? null },
    });
    const released = await trx
      .updateTable('locks')
      .set({
        released_by: user.id,
        released_at: now,
        release_entry_id: entry.id,
        release_reason: remark,
        release_inspection_entry_id: input.inspectionEntryId ?? null,
      })
      .where('id', '=', lock.id)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    if (Number(released.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'lock.notLocked');
    await trx.updateTable('devices').set({ status, updated_at: now }).where('id', '=', device.id).execute();
    // A failed inspection stops showing as failed in the due list once the device is released.
    await refreshObligations(trx, [device.id], today(services.now()));
    return { deviceCode: device.code, status };
  });
}

/**
 * Records the report of a suspected incident to the BfArM (Vorkommnismeldung) on the open lock: a logbook
 * entry of its own, as MPBetreibV §13 asks, and the reference on the lock for the device-safety officer.
 */
export async function reportIncident(services: Services, user: SessionUser, input: z.output<typeof reportIncidentInput>) {
  const device = await visibleDevice(services, user, input.deviceId);
  const lock = await currentLock(services.db, device.id);
  if (!lock) throw new AppError('CONFLICT', 'lock.notLocked');
  if (input.reportedOn > today(services.now())) throw badInput('errors.dateInFuture', {}, 'reportedOn');
  if (input.reportedOn < today(new Date(lock.locked_at))) throw badInput('lock.reportBeforeLock', {}, 'reportedOn');
  if (lock.bfarm_reported_on) throw new AppError('CONFLICT', 'lock.alreadyReported');
  const now = services.now().toISOString();
  return services.db.transaction().execute(async (trx) => {
    const entry = await appendEntry(trx, {
      deviceId: device.id,
      kind: 'incident',
      occurredAt: `${input.reportedOn}T11:00:00.000Z`,
      recordedAt: now,
      recordedBy: user.id,
      text: input.reference,
      details: { lockId: lock.id, authority: 'BfArM', reportedOn: input.reportedOn, reference: input.reference },
    });
    // Guarded: a report racing a release or another report changes nothing and rolls back.
    const updated = await trx
      .updateTable('locks')
      .set({ incident_suspected: 1, bfarm_reported_on: input.reportedOn, bfarm_reference: input.reference, report_entry_id: entry.id })
      .where('id', '=', lock.id)
      .where('released_at', 'is', null)
      .where('bfarm_reported_on', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'lock.alreadyReported');
    return { deviceCode: device.code };
  });
}

function lockQuery(db: Db) {
  return db
    .selectFrom('locks')
    .innerJoin('users as u', 'u.id', 'locks.locked_by')
    .leftJoin('users as r', 'r.id', 'locks.released_by')
    .select([
      'locks.id',
      'locks.device_id',
      'locks.reason',
      'locks.incident_suspected',
      'locks.locked_at',
      'locks.lock_entry_id',
      'locks.cause_entry_id',
      'locks.bfarm_reported_on',
      'locks.bfarm_reference',
      'locks.released_at',
      'locks.release_reason',
      'locks.release_inspection_entry_id',
      'u.name as locked_by_name',
      'u.role as locked_by_role',
      'u.phone as locked_by_phone',
      'r.name as released_by_name',
    ]);
}

/** The open lock of a device with who locked it, or undefined. */
export async function currentLock(db: Db, deviceId: string) {
  return lockQuery(db).where('locks.device_id', '=', deviceId).where('locks.released_at', 'is', null).executeTakeFirst();
}

/** The device's most recent lock, open or released. */
export async function latestLock(db: Db, deviceId: string) {
  return latest.first(db, { deviceId });
}

const latest = prepared((db, p: { deviceId: string }) => lockQuery(db).where('locks.device_id', '=', p.deviceId).orderBy('locks.locked_at', 'desc').limit(1));
const lastInspection = prepared((db, p: { deviceId: string }) =>
  db
    .selectFrom('logbook_entries')
    .select(['id', 'result', 'recorded_at', 'occurred_at'])
    .where('device_id', '=', p.deviceId)
    .where('kind', '=', 'inspection')
    .orderBy('seq', 'desc')
    .limit(1),
);

/** How many devices the user may see are locked. Starts from the few open locks, not the whole register. */
export async function countOpenLocks(db: Kysely<Database>, user: SessionUser): Promise<number> {
  const row = await db
    .selectFrom('locks')
    .innerJoin('devices', 'devices.id', 'locks.device_id')
    .where('locks.released_at', 'is', null)
    .where(visibleTo(user))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Open locks of the devices the user may see, newest first: the lock-out overview. */
export async function openLocks(db: Kysely<Database>, user: SessionUser) {
  const rows = await visibleDevices(db, user)
    .innerJoin('locks', 'locks.device_id', 'devices.id')
    .innerJoin('users as u', 'u.id', 'locks.locked_by')
    .where('locks.released_at', 'is', null)
    .select([
      'devices.id as device_id',
      'devices.code',
      'devices.inventory_number',
      'm.name as model_name',
      'mf.name as manufacturer_name',
      's.name as site_name',
      'dep.name as department_name',
      'r.name as room_name',
      'locks.id',
      'locks.reason',
      'locks.incident_suspected',
      'locks.locked_at',
      'locks.bfarm_reported_on',
      'locks.bfarm_reference',
      'u.name as locked_by_name',
    ])
    .orderBy('locks.locked_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map((row) => ({ ...row, location: locationText(row) }));
}

/** How long after a release the device page still says so, for whoever scans a stale card. */
const RELEASE_NOTICE_DAYS = 90;

/**
 * What the device page shows about locking: the open lock, a recent release (an old card still hanging on
 * the device must not be mistaken for current), or a failed inspection nobody has acted on yet.
 */
export async function lockState(db: Kysely<Database>, deviceId: string, now: Date) {
  const [last, inspection] = await Promise.all([latestLock(db, deviceId), lastInspection.first(db, { deviceId })]);
  const lock = last && !last.released_at ? last : null;
  const noticeFrom = new Date(now.getTime() - RELEASE_NOTICE_DAYS * 86_400_000).toISOString();
  const released = last?.released_at && last.released_at >= noticeFrom ? last : null;
  const unhandledFailure =
    !lock && inspection?.result === 'failed' && (!last?.released_at || last.released_at < inspection.recorded_at)
      ? inspection
      : null;
  return { lock, released, unhandledFailure };
}
