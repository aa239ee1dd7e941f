import { z } from 'zod';
import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import { formatDate, type Locale } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { MAX_PHOTOS, withStoredPhotos } from '../files/images.server.js';
import { takeStaged, uploadIds } from '../files/staged.server.js';
import { appendEntry, earlierSubmission } from '../logbook/append.server.js';
import { writeLock } from '../lockout/lock.server.js';
import { AppError, badInput, notFound, refuseFields, type FieldRefusal } from '../trpc/errors.js';
import { isoDate, uploadedFile as blob } from '../trpc/schemas.js';
import { nextDueDate, today } from './due.js';
import { evaluateForm, resultProblems, risesAgainst } from './forms.js';
import { isMetrological } from './metrological.js';
import { refreshObligations } from './obligations.server.js';
import { assignedTypes } from './queries.server.js';


/** A form's own id, fixed when it opens: a second submit of the same form writes nothing new. */
export const submissionId = z.uuid({ error: 'errors.invalid' }).optional();

export const recordInspectionInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
  inspectionTypeId: z.uuid({ error: 'errors.required' }),
  performedOn: isoDate,
  performedBy: z.string().trim().max(200).optional(),
  result: z.enum(['passed', 'failed'], { error: 'errors.invalidChoice' }),
  text: z.string().trim().max(5000).optional(),
  /** Measured values keyed by form field, as typed. */
  values: z.record(z.string().max(64), z.string().max(200)).default({}),
  /** The test instrument the values were measured with; required as soon as a number is entered. */
  testInstrumentId: z.uuid({ error: 'inspection.instrumentRequired' }).optional(),
  photos: z.array(blob).max(MAX_PHOTOS, { error: 'errors.tooManyFiles' }).default([]),
  /** Photos and PDFs uploaded in the background while the form was filled in. */
  uploadIds,
  /** After a failed result: lock the device in the same step (Sperrung), with this reason. */
  lock: z.boolean().default(false),
  lockReason: z.string().trim().max(1000).optional(),
  submissionId,
});
export type RecordInspectionInput = z.input<typeof recordInspectionInput>;

const str = (v: FormDataEntryValue | null) => (typeof v === 'string' ? v : undefined);

/** The same input sent as a multipart form (phone browsers, integrations): measured values as `m.<key>`. */
function fromForm(fd: FormData) {
  return {
    deviceId: str(fd.get('deviceId')),
    inspectionTypeId: str(fd.get('inspectionTypeId')),
    performedOn: str(fd.get('performedOn')),
    performedBy: str(fd.get('performedBy')) || undefined,
    result: str(fd.get('result')),
    text: str(fd.get('text')) || undefined,
    values: Object.fromEntries(
      [...fd.entries()].filter(([k, v]) => k.startsWith('m.') && typeof v === 'string').map(([k, v]) => [k.slice(2), v as string]),
    ),
    testInstrumentId: str(fd.get('testInstrumentId')) || undefined,
    // An empty file input still sends one empty part.
    photos: fd.getAll('photos').filter((f) => f instanceof Blob && f.size > 0),
    uploadIds: fd.getAll('uploadIds').filter((v): v is string => typeof v === 'string' && v !== ''),
    lock: fd.get('lock') === 'on' || fd.get('lock') === 'true',
    lockReason: str(fd.get('lockReason')) || undefined,
    submissionId: str(fd.get('submissionId')) || undefined,
  };
}

/** Accepts JSON or a multipart form. */
export const recordInspectionRequest = z.preprocess((v) => (v instanceof FormData ? fromForm(v) : v), recordInspectionInput);

/**
 * The device a measure is recorded on, checked: visible to the user, in the register, the date not in the
 * future; and the instant the entry records: now for today, midday for an earlier day (so the date survives
 * any time zone).
 */
export async function deviceToWorkOn(services: Services, user: SessionUser, input: { deviceId: string; performedOn: string }) {
  const now = services.now();
  const todayDate = today(now);
  if (input.performedOn > todayDate) throw badInput('errors.dateInFuture', {}, 'performedOn');
  const device = await getDevice(services.db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  const occurredAt = input.performedOn === todayDate ? now.toISOString() : `${input.performedOn}T11:00:00.000Z`;
  return { device, now, todayDate, occurredAt };
}

/** The instrument, checked: known, not retired, calibrated on the day of the measurement. */
async function usableInstrument(db: Kysely<Database>, id: string, performedOn: string, locale: Locale) {
  const instrument = await instrumentById.first(db, { id });
  if (!instrument || instrument.retired_at) throw badInput('inspection.instrumentUnknown', {}, 'testInstrumentId');
  if (instrument.calibration_due_on && String(instrument.calibration_due_on) < performedOn)
    throw badInput(
      'inspection.instrumentOutOfCalibration',
      // The date as the user reads dates everywhere else (07.11.2026, 7 Nov 2026), not as stored.
      { name: instrument.name, serial: instrument.serial_number, date: formatDate(locale, String(instrument.calibration_due_on)) },
      'testInstrumentId',
    );
  return instrument;
}

/** The numbers measured at the last inspection of this type on this device: the form shows them and flags a rise. */
export async function previousValues(db: Kysely<Database>, deviceId: string, inspectionTypeId: string) {
  const last = await lastOfType.first(db, { deviceId, inspectionTypeId });
  if (!last) return null;
  const rows = await valuesOf.all(db, { entryId: last.id });
  return { on: today(new Date(last.occurred_at)), values: Object.fromEntries(rows.map((r) => [r.field_key, r.value_number ?? r.value_text])) };
}

const instrumentById = prepared((db, p: { id: string }) => db.selectFrom('test_instruments').selectAll().where('id', '=', p.id));
const lastOfType = prepared((db, p: { deviceId: string; inspectionTypeId: string }) =>
  db
    .selectFrom('logbook_entries')
    .select(['id', 'occurred_at'])
    .where('device_id', '=', p.deviceId)
    .where('kind', '=', 'inspection')
    .where('inspection_type_id', '=', p.inspectionTypeId)
    .orderBy('occurred_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(1),
);
const valuesOf = prepared((db, p: { entryId: string }) =>
  db.selectFrom('inspection_measurements').select(['field_key', 'value_number', 'value_text', 'unit']).where('entry_id', '=', p.entryId),
);

/**
 * Records an inspection: checks the values against the form's limits (a value outside its limit makes
 * the result "failed", whatever was chosen) and the instrument's calibration, flags values that rose by
 * more than half, stores the protocol photos without location metadata and writes one logbook entry.
 * A passed inspection moves the due date; a failed one leaves it (the obligation is not met) and can lock
 * the device in the same transaction. All or nothing.
 */
export async function recordInspection(services: Services, user: SessionUser, input: z.output<typeof recordInspectionInput>, locale: Locale = 'de') {
  const { db } = services;
  // A second submit of a form already saved (also one racing the first): answer as the first time, write nothing.
  const replay = async () => {
    const earlier = await earlierSubmission(db, user.id, input.submissionId);
    if (!earlier) return undefined;
    const lock = await db.selectFrom('locks').select('id').where('cause_entry_id', '=', earlier.id).executeTakeFirst();
    const code = await db.selectFrom('devices').select('code').where('id', '=', earlier.device_id).executeTakeFirstOrThrow();
    return { entryId: earlier.id, result: earlier.result ?? 'passed', failures: [], rises: [], deviceCode: code.code, lockId: lock?.id ?? null, nextDueOn: null, mtk: false };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  const { device, now, todayDate, occurredAt } = await deviceToWorkOn(services, user, input);
  const type = (await assignedTypes(db, device, todayDate)).find((t) => t.id === input.inspectionTypeId);
  if (!type) throw badInput('errors.inspectionTypeNotAssigned', {}, 'inspectionTypeId');
  if (!type.performer_roles.includes(user.role)) throw new AppError('FORBIDDEN', 'inspection.notAllowed');

  const evaluation = evaluateForm(type.form, input.values, {
    protectionClass: device.protection_class,
    appliedPart: device.applied_part,
  });
  // A number typed into the form, even one refused below, was measured with something: the instrument is asked for too.
  const measured = type.form.some((f) => f.kind === 'number' && (input.values[f.key]?.trim() ?? '') !== '');
  const instrumentMissing = measured && !input.testInstrumentId;
  // A passed inspection rests on the form's checks: every one of them filled in. A failed one needs its reason.
  const problems = resultProblems(type.form, input.values, { protectionClass: device.protection_class, appliedPart: device.applied_part }, input.result, input.text);
  const result = evaluation.failures.length > 0 ? 'failed' : input.result;
  const lockNow = result === 'failed' && input.lock;
  // Every refused field at once: the technician at the device corrects the form in one go.
  const refused: FieldRefusal[] = [
    ...evaluation.invalid.map((key): FieldRefusal => ({ field: `m.${key}`, key: 'errors.invalid' })),
    ...evaluation.outOfRange.map(({ key, range }): FieldRefusal => ({ field: `m.${key}`, key: 'errors.outOfRange', params: { min: range.min ?? '−∞', max: range.max ?? '∞' } })),
    ...problems.missing.map((key): FieldRefusal => ({ field: `m.${key}`, key: 'inspection.requiredForPassed' })),
    ...(instrumentMissing ? [{ field: 'testInstrumentId', key: 'inspection.instrumentRequired' } as const] : []),
    ...(problems.reasonMissing ? [{ field: 'text', key: 'inspection.failedNeedsReason' } as const] : []),
    ...(lockNow && (input.lockReason?.length ?? 0) < 3 ? [{ field: 'lockReason', key: 'errors.tooShort', params: { min: 3 } } as const] : []),
  ].filter((r, i, all) => all.findIndex((o) => o.field === r.field) === i);
  if (refused.length) throw refuseFields(refused, problems.missing.length ? 'inspection.incompleteForPassed' : undefined);
  const instrument = input.testInstrumentId ? await usableInstrument(db, input.testInstrumentId, input.performedOn, locale) : null;
  if (lockNow && device.status === 'locked') throw new AppError('CONFLICT', 'errors.deviceLocked');

  const previous = await previousValues(db, device.id, type.id);
  const rises = risesAgainst(type.form, previous ? (previous.values as Record<string, number | null>) : {}, evaluation.measurements);

  try {
    return await withStoredPhotos(
      services,
      input.photos,
      'protocol',
      (uploaded) =>
        db.transaction().execute(async (trx) => {
          const attachments = [...uploaded, ...(await takeStaged(trx, user, input.uploadIds, 'protocol'))];
          const entry = await appendEntry(trx, {
            deviceId: device.id,
            kind: 'inspection',
            occurredAt,
            recordedAt: now.toISOString(),
            recordedBy: user.id,
            performedBy: input.performedBy ?? null,
            submissionId: input.submissionId ?? null,
            result,
            text: input.text ?? null,
            inspectionTypeId: type.id,
            testInstrumentId: instrument?.id ?? null,
            dueOn: type.due_on,
            nextDueOn: result === 'passed' ? nextDueDate(input.performedOn, type.interval_months, type.anchor) : type.due_on,
            details:
              evaluation.failures.length || rises.length || instrument
                ? {
                    ...(evaluation.failures.length ? { failures: evaluation.failures.map((f) => ({ key: f.key, limit: f.limit })) } : {}),
                    ...(rises.length ? { rises: rises.map((r) => ({ key: r.key, previous: r.previous, value: r.value, rise: Math.round(r.rise * 100) / 100 })) } : {}),
                    ...(instrument ? { instrument: { name: instrument.name, serial: instrument.serial_number, calibrationDueOn: instrument.calibration_due_on } } : {}),
                  }
                : null,
            measurements: evaluation.measurements,
            attachments,
          });
          const lock = lockNow
            ? await writeLock(trx, user, device, { deviceId: device.id, reason: input.lockReason!, incidentSuspected: false, causeEntryId: entry.id }, now.toISOString())
            : null;
          await refreshObligations(trx, [device.id], todayDate);
          return {
            entryId: entry.id,
            result,
            failures: evaluation.failures,
            rises,
            deviceCode: device.code,
            lockId: lock?.lockId ?? null,
            nextDueOn: result === 'passed' ? nextDueDate(input.performedOn, type.interval_months, type.anchor) : null,
            /** A passed MTK gets a sticker with the next MTK's month and year. */
            mtk: result === 'passed' && isMetrological(type),
          };
        }),
      { pdf: true },
    );
  } catch (e) {
    // The racing twin committed first; the unique submission id refused this one.
    const twin = await replay();
    if (twin) return twin;
    throw e;
  }
}
