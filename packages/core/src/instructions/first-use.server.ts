import { z } from 'zod';
import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { today } from '../inspections/due.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';

export const firstUseTestInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
  performedOn: isoDate,
  /** The manufacturer's representative or the authorised person who ran it. */
  performedBy: z.string({ error: 'errors.required' }).trim().min(2, { error: 'errors.required' }).max(200),
  result: z.enum(['passed', 'failed'], { error: 'errors.invalidChoice' }),
  text: z.string().trim().max(2000).optional(),
});

/** The functional test at the place of use before first use of an Anlage 1 device (MPBetreibV §11 (1) 2025), if recorded. */
export async function firstUseTest(db: Kysely<Database>, deviceId: string) {
  const rows = await functionalTests.all(db, { deviceId });
  return rows.find((r) => r.result === 'passed' && r.details !== null && JSON.parse(r.details).beforeFirstUse === true) ?? null;
}

const functionalTests = prepared((db, p: { deviceId: string }) =>
  db
    .selectFrom('logbook_entries')
    .select(['id', 'occurred_at', 'performed_by', 'result', 'details'])
    .where('device_id', '=', p.deviceId)
    .where('kind', '=', 'functional_test')
    .orderBy('seq'),
);

/** Writes the functional test before first use as a logbook entry; once passed, it is not recorded again. */
export async function recordFirstUseTest(services: Services, user: SessionUser, input: z.output<typeof firstUseTestInput>) {
  const now = services.now();
  const todayDate = today(now);
  if (input.performedOn > todayDate) throw badInput('errors.dateInFuture', {}, 'performedOn');
  const device = await getDevice(services.db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.anlage1 !== 1) throw badInput('instruction.firstUseOnlyAnlage1');
  if (await firstUseTest(services.db, device.id)) throw new AppError('CONFLICT', 'instruction.firstUseDone');
  return services.db.transaction().execute(async (trx) => {
    const entry = await appendEntry(trx, {
      deviceId: device.id,
      kind: 'functional_test',
      occurredAt: input.performedOn === todayDate ? now.toISOString() : `${input.performedOn}T11:00:00.000Z`,
      recordedAt: now.toISOString(),
      recordedBy: user.id,
      performedBy: input.performedBy,
      result: input.result,
      text: input.text ?? null,
      details: { beforeFirstUse: true },
    });
    return { entryId: entry.id, deviceCode: device.code };
  });
}
