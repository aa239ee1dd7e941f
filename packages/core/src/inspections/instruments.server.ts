import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { Services } from '../context.js';
import { badInput, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';
import { dueState, type CalendarDate } from './due.js';
import { onlyType } from './types.server.js';

const id = z.string({ error: onlyType('errors.notFound') }).min(1, { error: 'errors.notFound' }).max(64);
const text = (max: number) => z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).max(max);

export const instrumentInput = z.object({
  name: text(120),
  kind: z.string().trim().max(120).optional(),
  serialNumber: text(60),
  calibrationDueOn: isoDate,
});
export const updateInstrumentInput = instrumentInput.extend({ id });
export type InstrumentInput = z.output<typeof instrumentInput>;

/** Serial numbers are compared without case: "esa615-1" and "ESA615-1" are the same instrument. */
async function serialTaken(db: Kysely<Database>, serial: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom('test_instruments')
    .select('id')
    .where(sql<string>`lower(serial_number)`, '=', sql<string>`lower(${serial})`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
const serialTakenError = (serial: string) => badInput('instruments.errors.serialTaken', { serial }, 'serialNumber');

/** Every instrument with its calibration state (overdue, due within 30 days, ok); retired ones apart. */
export async function listInstruments(db: Kysely<Database>, day: CalendarDate) {
  const rows = await db
    .selectFrom('test_instruments')
    .select(['id', 'name', 'kind', 'serial_number', 'calibration_due_on', 'retired_at'])
    .orderBy('name')
    .orderBy('serial_number')
    .execute();
  const items = rows.map((r) => {
    const due = r.calibration_due_on === null ? null : String(r.calibration_due_on);
    return {
      ...r,
      calibration_due_on: due,
      retired_at: r.retired_at === null ? null : String(r.retired_at),
      // The instrument is valid through its due date (recording refuses it only after that day).
      state: due === null ? null : dueState(due, day),
    };
  });
  const active = items.filter((i) => !i.retired_at);
  return {
    active,
    retired: items.filter((i) => i.retired_at),
    counts: { overdue: active.filter((i) => i.state === 'overdue').length, dueSoon: active.filter((i) => i.state === 'due_soon').length },
  };
}

const values = (input: InstrumentInput) => ({
  name: input.name,
  kind: input.kind || null,
  serial_number: input.serialNumber,
  calibration_due_on: input.calibrationDueOn,
});

export async function createInstrument(services: Services, input: InstrumentInput) {
  const { db } = services;
  if (await serialTaken(db, input.serialNumber)) throw serialTakenError(input.serialNumber);
  const newId = crypto.randomUUID();
  try {
    await db
      .insertInto('test_instruments')
      .values({ id: newId, ...values(input), retired_at: null, created_at: services.now().toISOString() })
      .execute();
  } catch (e) {
    // A concurrent add of the same serial won the unique constraint.
    if (await serialTaken(db, input.serialNumber)) throw serialTakenError(input.serialNumber);
    throw e;
  }
  return { id: newId };
}

/** Inspections already recorded keep the name, serial and calibration date they were measured with (in their entry). */
export async function updateInstrument(services: Services, input: z.output<typeof updateInstrumentInput>) {
  const { db } = services;
  const current = await db.selectFrom('test_instruments').select(['id', 'retired_at']).where('id', '=', input.id).executeTakeFirst();
  if (!current) throw notFound();
  if (current.retired_at) throw badInput('instruments.errors.retired');
  if (await serialTaken(db, input.serialNumber, input.id)) throw serialTakenError(input.serialNumber);
  try {
    await db.updateTable('test_instruments').set(values(input)).where('id', '=', input.id).where('retired_at', 'is', null).execute();
  } catch (e) {
    if (await serialTaken(db, input.serialNumber, input.id)) throw serialTakenError(input.serialNumber);
    throw e;
  }
  return { id: input.id };
}

export async function retireInstrument(services: Services, instrumentId: string) {
  const res = await services.db
    .updateTable('test_instruments')
    .set({ retired_at: services.now().toISOString() })
    .where('id', '=', instrumentId)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw notFound();
}
