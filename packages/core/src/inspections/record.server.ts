import { z } from 'zod';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { MAX_PHOTOS, withStoredPhotos } from '../files/images.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';
import { nextDueDate, today } from './due.js';
import { evaluateForm } from './forms.js';
import { assignedTypes } from './queries.server.js';

const blob = z.custom<Blob>((v) => v instanceof Blob, { error: 'errors.fileNotImage' });

export const recordInspectionInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
  inspectionTypeId: z.uuid({ error: 'errors.required' }),
  performedOn: isoDate,
  performedBy: z.string().trim().max(200).optional(),
  result: z.enum(['passed', 'failed'], { error: 'errors.invalidChoice' }),
  text: z.string().trim().max(5000).optional(),
  /** Measured values keyed by form field, as typed. */
  values: z.record(z.string().max(64), z.string().max(200)).default({}),
  photos: z.array(blob).max(MAX_PHOTOS, { error: 'errors.tooManyFiles' }).default([]),
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
    // An empty file input still sends one empty part.
    photos: fd.getAll('photos').filter((f) => f instanceof Blob && f.size > 0),
  };
}

/** Accepts JSON or a multipart form. */
export const recordInspectionRequest = z.preprocess((v) => (v instanceof FormData ? fromForm(v) : v), recordInspectionInput);

/**
 * Records an inspection: checks the values against the form's limits (a value outside its limit makes
 * the result "failed", whatever was chosen), stores the protocol photos without location metadata and
 * writes one logbook entry that moves the due date. All or nothing.
 */
export async function recordInspection(services: Services, user: SessionUser, input: z.output<typeof recordInspectionInput>) {
  const { db, files } = services;
  const now = services.now();
  const todayDate = today(now);
  if (input.performedOn > todayDate) throw badInput('errors.dateInFuture', {}, 'performedOn');

  const device = await getDevice(db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  const type = (await assignedTypes(db, device, todayDate)).find((t) => t.id === input.inspectionTypeId);
  if (!type) throw badInput('errors.inspectionTypeNotAssigned', {}, 'inspectionTypeId');
  if (!type.performer_roles.includes(user.role)) throw new AppError('FORBIDDEN', 'inspection.notAllowed');

  const evaluation = evaluateForm(type.form, input.values, {
    protectionClass: device.protection_class,
    appliedPart: device.applied_part,
  });
  const invalidKey = evaluation.invalid[0];
  if (invalidKey) throw badInput('errors.invalid', {}, `m.${invalidKey}`);
  const result = evaluation.failures.length > 0 ? 'failed' : input.result;

  return withStoredPhotos(files, input.photos, 'protocol', (attachments) =>
    db.transaction().execute(async (trx) => {
      const entry = await appendEntry(trx, {
        deviceId: device.id,
        kind: 'inspection',
        // Today: the actual instant; an earlier day: midday, so the date survives any time zone.
        occurredAt: input.performedOn === todayDate ? now.toISOString() : `${input.performedOn}T11:00:00.000Z`,
        recordedAt: now.toISOString(),
        recordedBy: user.id,
        performedBy: input.performedBy ?? null,
        result,
        text: input.text ?? null,
        inspectionTypeId: type.id,
        dueOn: type.due_on,
        nextDueOn: nextDueDate(input.performedOn, type.interval_months, type.anchor),
        details: evaluation.failures.length ? { failures: evaluation.failures.map((f) => ({ key: f.key, limit: f.limit })) } : null,
        measurements: evaluation.measurements,
        attachments,
      });
      return { entryId: entry.id, result, failures: evaluation.failures, deviceCode: device.code };
    }),
  );
}
