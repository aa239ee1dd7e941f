import { z } from 'zod';
import type { Services, SessionUser } from '../context.js';
import { MAX_PHOTOS, withStoredPhotos } from '../files/images.server.js';
import { takeStaged, uploadIds } from '../files/staged.server.js';
import { softwareNewer } from '../instructions/status.js';
import { appendEntry, earlierSubmission } from '../logbook/append.server.js';
import { AppError, badInput } from '../trpc/errors.js';
import { isoDate, uploadedFile as blob } from '../trpc/schemas.js';
import { deviceToWorkOn, submissionId } from './record.server.js';

/** Measures (Gerätemaßnahmen) recorded with this form; inspections and the test before first use have their own. */
export const measureKinds = ['maintenance', 'repair', 'functional_test', 'software_update'] as const;
export type MeasureKind = (typeof measureKinds)[number];


export const recordMeasureInput = z
  .object({
    deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
    kind: z.enum(measureKinds, { error: 'errors.invalidChoice' }),
    performedOn: isoDate,
    /** Person or firm that did it, when not the recording user. */
    performedBy: z.string().trim().max(200, { error: 'errors.tooLong' }).optional(),
    text: z.string({ error: 'measures.textRequired' }).trim().min(3, { error: 'measures.textRequired' }).max(5000, { error: 'errors.tooLong' }),
    /** Repair only. */
    parts: z.string().trim().max(2000, { error: 'errors.tooLong' }).optional(),
    /** Functional test only, and required there. */
    result: z.enum(['passed', 'failed'], { error: 'measures.resultRequired' }).optional(),
    /** Software update only, and required there: the version now installed. */
    newVersion: z.string().trim().min(1, { error: 'measures.versionRequired' }).max(40, { error: 'errors.tooLong' }).optional(),
    photos: z.array(blob).max(MAX_PHOTOS, { error: 'errors.tooManyFiles' }).default([]),
    /** Photos and PDFs uploaded in the background while the form was filled in. */
    uploadIds,
    submissionId,
  })
  .superRefine((v, ctx) => {
    const required = { functional_test: 'result', software_update: 'newVersion' } as const;
    const field = required[v.kind as keyof typeof required];
    if (field && v[field] === undefined)
      ctx.addIssue({ code: 'custom', path: [field], message: field === 'result' ? 'measures.resultRequired' : 'measures.versionRequired' });
    // A field of another kind is refused rather than dropped: the entry holds exactly what was sent.
    const own = { parts: 'repair', result: 'functional_test', newVersion: 'software_update' } as const;
    for (const [key, kind] of Object.entries(own) as [keyof typeof own, MeasureKind][])
      if (v[key] !== undefined && v[key] !== '' && v.kind !== kind) ctx.addIssue({ code: 'custom', path: [key], message: 'measures.notForKind' });
  });

const str = (v: FormDataEntryValue | null) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The same input sent as a multipart form (phone browsers, integrations); empty fields count as not given. */
function fromForm(fd: FormData) {
  return {
    deviceId: str(fd.get('deviceId')),
    kind: str(fd.get('kind')),
    performedOn: str(fd.get('performedOn')),
    performedBy: str(fd.get('performedBy')),
    text: str(fd.get('text')),
    parts: str(fd.get('parts')),
    result: str(fd.get('result')),
    newVersion: str(fd.get('newVersion')),
    // An empty file input still sends one empty part.
    photos: fd.getAll('photos').filter((f) => f instanceof Blob && f.size > 0),
    uploadIds: fd.getAll('uploadIds').filter((v): v is string => typeof v === 'string' && v !== ''),
    submissionId: str(fd.get('submissionId')),
  };
}

/** Accepts JSON or a multipart form. */
export const recordMeasureRequest = z.preprocess((v) => (v instanceof FormData ? fromForm(v) : v), recordMeasureInput);

/** Equal as people write versions ("688f" is "688F", "2.10" is not "2.1"): the rule the verdict compares with. */
const sameVersion = (a: string, b: string) => !softwareNewer(a, b) && !softwareNewer(b, a);

/**
 * Records maintenance, a repair, a functional test or a software update as one logbook entry with its photos
 * and PDFs (location metadata stripped). A software update also stores the new version on the device, so
 * instructions given on an older version stop counting there (the verdict compares with the device's version).
 * Measures do not change due dates: recurring maintenance with an interval is an inspection type. All or nothing.
 */
export async function recordMeasure(services: Services, user: SessionUser, input: z.output<typeof recordMeasureInput>) {
  const { db } = services;
  // A second submit of a form already saved: answer as the first time, write nothing.
  const earlier = await earlierSubmission(db, user.id, input.submissionId);
  if (earlier) {
    const d = await db.selectFrom('devices').select(['code', 'software_version']).where('id', '=', earlier.device_id).executeTakeFirstOrThrow();
    return { entryId: earlier.id, kind: input.kind, deviceCode: d.code, softwareVersion: d.software_version };
  }
  const { device, now, occurredAt } = await deviceToWorkOn(services, user, input);

  // getDevice answers with the model's version until the device has its own; the update is guarded by the raw value.
  const installed = device.software_version;
  const ownVersion = (await db.selectFrom('devices').select('software_version').where('id', '=', device.id).executeTakeFirstOrThrow()).software_version;
  const update = input.kind === 'software_update' ? input.newVersion! : null;
  if (update !== null && installed !== null && sameVersion(update, installed))
    throw badInput('measures.versionUnchanged', { version: installed }, 'newVersion');

  const details = {
    ...(input.parts ? { parts: input.parts } : {}),
    ...(update !== null ? { from: installed, to: update } : {}),
  };
  return withStoredPhotos(
    services,
    input.photos,
    'protocol',
    (uploaded) =>
      db.transaction().execute(async (trx) => {
        if (update !== null) {
          const changed = await trx
            .updateTable('devices')
            .set({ software_version: update })
            .where('id', '=', device.id)
            .where('software_version', ownVersion === null ? 'is' : '=', ownVersion)
            .executeTakeFirst();
          // Someone else recorded an update since the form was read: their "from" would be lost.
          if (Number(changed.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'errors.conflict');
        }
        const attachments = [...uploaded, ...(await takeStaged(trx, user, input.uploadIds, 'protocol'))];
        const entry = await appendEntry(trx, {
          deviceId: device.id,
          kind: input.kind,
          occurredAt,
          submissionId: input.submissionId ?? null,
          recordedAt: now.toISOString(),
          recordedBy: user.id,
          performedBy: input.performedBy || null,
          result: input.kind === 'functional_test' ? input.result! : null,
          text: input.text,
          details: Object.keys(details).length ? details : null,
          attachments,
        });
        return { entryId: entry.id, kind: input.kind, deviceCode: device.code, softwareVersion: update ?? installed };
      }),
    { pdf: true },
  );
}
