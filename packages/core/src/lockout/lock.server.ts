import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';

export const lockInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
  reason: z.string({ error: 'errors.required' }).trim().min(3).max(1000),
  incidentSuspected: z.boolean().default(false),
});

/**
 * Locks a device (Sperrung): one logbook entry, an open lock, and the status "locked" that every
 * view reads. Refused if the device is already locked or decommissioned; all or nothing.
 */
export async function lockDevice(services: Services, user: SessionUser, input: z.output<typeof lockInput>) {
  const device = await getDevice(services.db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.status === 'locked') throw new AppError('CONFLICT', 'errors.deviceLocked');
  if (device.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  const now = services.now().toISOString();
  return services.db.transaction().execute(async (trx) => {
    const entry = await appendEntry(trx, {
      deviceId: device.id,
      kind: 'lock',
      occurredAt: now,
      recordedAt: now,
      recordedBy: user.id,
      text: input.reason,
      details: { incidentSuspected: input.incidentSuspected, previousStatus: device.status },
    });
    const id = crypto.randomUUID();
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
      })
      .execute();
    // Guarded update: a concurrent lock of the same device changes no row and rolls back.
    const updated = await trx
      .updateTable('devices')
      .set({ status: 'locked', updated_at: now })
      .where('id', '=', device.id)
      .where('status', '!=', 'locked')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'errors.deviceLocked');
    return { lockId: id, deviceCode: device.code };
  });
}

/** The open lock of a device with who locked it, or undefined. */
export async function currentLock(db: Kysely<Database>, deviceId: string) {
  return db
    .selectFrom('locks')
    .innerJoin('users as u', 'u.id', 'locks.locked_by')
    .where('locks.device_id', '=', deviceId)
    .where('locks.released_at', 'is', null)
    .select([
      'locks.id',
      'locks.reason',
      'locks.incident_suspected',
      'locks.locked_at',
      'u.name as locked_by_name',
      'u.role as locked_by_role',
      'u.phone as locked_by_phone',
    ])
    .orderBy('locks.locked_at', 'desc')
    .executeTakeFirst();
}
