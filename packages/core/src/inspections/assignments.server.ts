import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { Locale, Translate } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { dueState, today } from './due.js';
import { refreshObligations, refreshObligationsOfModels } from './obligations.server.js';
import { intervalMonths, onlyType } from './types.server.js';

const id = z.string({ error: onlyType('errors.notFound') }).min(1, { error: 'errors.notFound' }).max(64);
const optionalInterval = z.preprocess((v) => (v === '' || v === undefined ? null : v), intervalMonths.nullable());

/** The whole assignment set of a type: model id → its own interval, or null for the type's. */
export const assignmentsInput = z.object({
  id,
  version: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number({ error: onlyType('errors.conflict') }).int().min(1)),
  models: z.record(id, optionalInterval),
});

/** The editor posts ticked `model` checkboxes and an `interval.<modelId>` input per model. */
export const assignmentsRequest = z.preprocess((v) => {
  if (!(v instanceof FormData)) return v;
  const models: Record<string, string> = {};
  for (const m of v.getAll('model')) if (typeof m === 'string') models[m] = String(v.get(`interval.${m}`) ?? '');
  return { id: v.get('id'), version: v.get('version'), models };
}, assignmentsInput);

/**
 * Replaces the models a type is assigned to. Guarded by the type's version like any other edit; the devices of
 * every model whose assignment changed get their obligations rewritten in the same transaction.
 */
export async function setAssignments(services: Services, input: z.output<typeof assignmentsInput>) {
  const { db } = services;
  const wanted = Object.entries(input.models);
  if (wanted.length) {
    const known = new Set(
      (await db.selectFrom('device_models').select('id').where('id', 'in', wanted.map(([m]) => m)).execute()).map((m) => m.id),
    );
    const unknown = wanted.find(([m]) => !known.has(m));
    if (unknown) throw badInput('inspectionTypes.errors.unknownModel', {}, `models.${unknown[0]}`);
  }
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('inspection_types')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      const exists = await trx.selectFrom('inspection_types').select('id').where('id', '=', input.id).executeTakeFirst();
      throw exists ? new AppError('CONFLICT', 'errors.conflict') : notFound();
    }
    const before = new Map(
      (await trx.selectFrom('model_inspection_types').select(['model_id', 'interval_months']).where('inspection_type_id', '=', input.id).execute()).map(
        (r) => [r.model_id, r.interval_months] as const,
      ),
    );
    const after = new Map(wanted);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((m) => before.get(m) !== after.get(m));
    await trx.deleteFrom('model_inspection_types').where('inspection_type_id', '=', input.id).execute();
    if (wanted.length)
      await trx
        .insertInto('model_inspection_types')
        .values(wanted.map(([model_id, interval_months]) => ({ model_id, inspection_type_id: input.id, interval_months })))
        .execute();
    const devices = await refreshObligationsOfModels(trx, changed, today(services.now()));
    return { version: input.version + 1, devices };
  });
}

/** A device's obligations as assigned to its model (exempted ones too), with its overrides and stored due dates. */
export async function deviceObligations(db: Kysely<Database>, user: SessionUser, by: { code: string } | { id: string }, day: string) {
  const device = await getDevice(db, user, by);
  if (!device) throw notFound('errors.deviceNotFound');
  const [types, overrides, stored] = await Promise.all([
    db
      .selectFrom('model_inspection_types as mit')
      .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
      .where('mit.model_id', '=', device.model_id)
      .where('it.archived_at', 'is', null)
      .select(['it.id', 'it.code', 'it.name_de', 'it.name_en', 'it.legal_reference', 'it.anchor', 'it.interval_months as type_interval', 'mit.interval_months as model_interval'])
      .orderBy('it.code')
      .execute(),
    db
      .selectFrom('device_inspection_overrides as o')
      .leftJoin('users as u', 'u.id', 'o.set_by')
      .where('o.device_id', '=', device.id)
      .select(['o.inspection_type_id', 'o.interval_months', 'o.exempt', 'o.reason', 'o.set_at', 'u.name as set_by_name'])
      .execute(),
    db
      .selectFrom('device_obligations')
      .where('device_id', '=', device.id)
      .select(['inspection_type_id', 'interval_months', 'due_on', 'last_on', 'last_result', 'failed'])
      .execute(),
  ]);
  return {
    device: {
      id: device.id,
      code: device.code,
      inventory_number: device.inventory_number,
      model_name: device.model_name,
      manufacturer_name: device.manufacturer_name,
      location: device.location,
      status: device.status,
    },
    types: types.map((t) => {
      const o = overrides.find((x) => x.inspection_type_id === t.id);
      const s = stored.find((x) => x.inspection_type_id === t.id);
      return {
        ...t,
        assigned_interval: t.model_interval ?? t.type_interval,
        override: o
          ? { interval_months: o.interval_months, exempt: o.exempt === 1, reason: o.reason, set_at: o.set_at === null ? null : String(o.set_at), set_by_name: o.set_by_name }
          : null,
        obligation: s
          ? { interval_months: s.interval_months, due_on: String(s.due_on), last_on: s.last_on === null ? null : String(s.last_on), failed: s.failed === 1, state: dueState(String(s.due_on), day) }
          : null,
      };
    }),
  };
}

const reason = z.string().trim().max(500);
export const overrideInput = z.discriminatedUnion(
  'mode',
  [
    z.object({ deviceId: id, typeId: id, mode: z.literal('interval'), intervalMonths, reason: reason.optional() }),
    z.object({ deviceId: id, typeId: id, mode: z.literal('exempt'), reason: z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).min(3, { error: 'errors.tooShort' }).max(500) }),
  ],
  { error: 'errors.invalidChoice' },
);
export const clearOverrideInput = z.object({ deviceId: id, typeId: id });

type OverrideState = { interval_months: number | null; exempt: boolean; reason: string | null };

/**
 * Sets, changes or clears a device's override of one obligation: one logbook note (in the words of the person
 * who made it, with the change as data) and the device's stored obligations, all in one transaction.
 */
export async function changeOverride(
  services: Services,
  user: SessionUser,
  { t, locale }: { t: Translate; locale: Locale },
  input: z.output<typeof overrideInput> | (z.output<typeof clearOverrideInput> & { mode: 'clear' }),
) {
  const { db } = services;
  const now = services.now();
  const device = await getDevice(db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  const assignment = await db
    .selectFrom('model_inspection_types as mit')
    .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
    .where('mit.model_id', '=', device.model_id)
    .where('mit.inspection_type_id', '=', input.typeId)
    .where('it.archived_at', 'is', null)
    .select(['it.id', 'it.code', 'it.name_de', 'it.name_en', 'it.interval_months as type_interval', 'mit.interval_months as model_interval'])
    .executeTakeFirst();
  if (!assignment) throw badInput('errors.inspectionTypeNotAssigned', {}, 'typeId');
  const assigned = assignment.model_interval ?? assignment.type_interval;

  const next: OverrideState | null =
    input.mode === 'clear'
      ? null
      : input.mode === 'exempt'
        ? { interval_months: null, exempt: true, reason: input.reason }
        : { interval_months: input.intervalMonths, exempt: false, reason: input.reason || null };
  const months = (count: number) => t('inspectionTypes.months', { count });
  const name = locale === 'de' ? assignment.name_de : assignment.name_en;
  const typeName = name.includes(assignment.code) ? name : `${name} (${assignment.code})`;

  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('device_inspection_overrides')
      .select(['interval_months', 'exempt', 'reason'])
      .where('device_id', '=', device.id)
      .where('inspection_type_id', '=', assignment.id)
      .executeTakeFirst();
    const previous: OverrideState | null = row ? { interval_months: row.interval_months, exempt: row.exempt === 1, reason: row.reason } : null;
    if (JSON.stringify(previous) === JSON.stringify(next)) return { changed: false };

    await trx.deleteFrom('device_inspection_overrides').where('device_id', '=', device.id).where('inspection_type_id', '=', assignment.id).execute();
    if (next)
      await trx
        .insertInto('device_inspection_overrides')
        .values({
          device_id: device.id,
          inspection_type_id: assignment.id,
          interval_months: next.interval_months,
          exempt: next.exempt ? 1 : 0,
          reason: next.reason,
          set_by: user.id,
          set_at: now.toISOString(),
        })
        .execute();

    const previousText = previous?.exempt ? t('inspectionTypes.override.exempt') : months(previous?.interval_months ?? assigned);
    const line = !next
      ? t('inspectionTypes.override.log.cleared', { type: typeName, interval: months(assigned) })
      : next.exempt
        ? t('inspectionTypes.override.log.exempt', { type: typeName })
        : t('inspectionTypes.override.log.interval', { type: typeName, interval: months(next.interval_months!), previous: previousText });
    await appendEntry(trx, {
      deviceId: device.id,
      kind: 'note',
      occurredAt: now.toISOString(),
      recordedAt: now.toISOString(),
      recordedBy: user.id,
      inspectionTypeId: assignment.id,
      text: next?.reason ? `${line} ${t('inspectionTypes.override.log.reason', { reason: next.reason })}` : line,
      details: {
        obligation: {
          typeCode: assignment.code,
          change: !next ? 'cleared' : next.exempt ? 'exempt' : 'interval',
          assignedIntervalMonths: assigned,
          previous,
          override: next,
        },
      },
    });
    await refreshObligations(trx, [device.id], today(now));
    return { changed: true };
  });
}
