import { z } from 'zod';
import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { visibleTo } from '../devices/access.js';
import { getDevice, locationText, visibleDevices } from '../devices/queries.server.js';
import { MAX_PHOTOS, withStoredPhotos } from '../files/images.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, notFound } from '../trpc/errors.js';
import { uploadedFile as blob } from '../trpc/schemas.js';


export const reportDefectInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
  text: z.string({ error: 'errors.required' }).trim().min(5, { error: 'defect.describe' }).max(2000),
  incidentSuspected: z.boolean().default(false),
  photos: z.array(blob).max(MAX_PHOTOS, { error: 'errors.tooManyFiles' }).default([]),
});

const str = (v: FormDataEntryValue | null) => (typeof v === 'string' ? v : undefined);

/** Accepts JSON or the phone's multipart form (with photos). */
export const reportDefectRequest = z.preprocess(
  (v) =>
    v instanceof FormData
      ? {
          deviceId: str(v.get('deviceId')),
          text: str(v.get('text')),
          incidentSuspected: v.get('incidentSuspected') === 'on' || v.get('incidentSuspected') === 'true',
          photos: v.getAll('photos').filter((f) => f instanceof Blob && f.size > 0),
        }
      : v,
  reportDefectInput,
);

export const handleDefectInput = z.object({
  id: z.uuid({ error: 'errors.notFound' }),
  action: z.enum(['start', 'close'], { error: 'errors.invalidChoice' }),
  /** What was found or done; required to close. */
  resolution: z.string().trim().max(2000).optional(),
});

/**
 * A defect report (Mängelmeldung) by anyone who may see the device: one logbook entry with the photos
 * (location metadata stripped) and an open report in the technicians' queue. All or nothing.
 */
export async function reportDefect(services: Services, user: SessionUser, input: z.output<typeof reportDefectInput>) {
  const { db } = services;
  const device = await getDevice(db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  if (device.status === 'decommissioned') throw new AppError('BAD_REQUEST', 'errors.deviceDecommissioned');
  const now = services.now().toISOString();
  return withStoredPhotos(services, input.photos, 'photo', (attachments) =>
    db.transaction().execute(async (trx) => {
      const entry = await appendEntry(trx, {
        deviceId: device.id,
        kind: 'defect_report',
        occurredAt: now,
        recordedAt: now,
        recordedBy: user.id,
        text: input.text,
        details: { incidentSuspected: input.incidentSuspected },
        attachments,
      });
      const id = crypto.randomUUID();
      await trx
        .insertInto('defect_reports')
        .values({
          id,
          device_id: device.id,
          reported_by: user.id,
          reported_at: now,
          text: input.text,
          incident_suspected: input.incidentSuspected ? 1 : 0,
          entry_id: entry.id,
          status: 'open',
          handled_by: null,
          handled_at: null,
          resolution: null,
          close_entry_id: null,
        })
        .execute();
      return { id, deviceCode: device.code };
    }),
  );
}

/**
 * A technician takes a report on ("in progress") or closes it with what was found or done; closing writes
 * a logbook entry pointing at the report's entry.
 */
export async function handleDefect(services: Services, user: SessionUser, input: z.output<typeof handleDefectInput>) {
  const { db } = services;
  const report = await db
    .selectFrom('defect_reports')
    .innerJoin('devices', 'devices.id', 'defect_reports.device_id')
    .where('defect_reports.id', '=', input.id)
    .where(visibleTo(user))
    .select(['defect_reports.id', 'defect_reports.status', 'defect_reports.device_id', 'defect_reports.entry_id', 'devices.code'])
    .executeTakeFirst();
  if (!report) throw notFound();
  if (report.status === 'closed') throw new AppError('CONFLICT', 'defect.alreadyClosed');
  const now = services.now().toISOString();
  if (input.action === 'start') {
    if (report.status !== 'open') throw new AppError('CONFLICT', 'defect.alreadyStarted');
    const res = await db
      .updateTable('defect_reports')
      .set({ status: 'in_progress', handled_by: user.id, handled_at: now })
      .where('id', '=', report.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'defect.alreadyStarted');
    return { deviceCode: report.code };
  }
  if (!input.resolution || input.resolution.length < 3) throw new AppError('BAD_REQUEST', 'defect.resolutionRequired', {}, 'resolution');
  return db.transaction().execute(async (trx) => {
    const entry = await appendEntry(trx, {
      deviceId: report.device_id,
      kind: 'defect_report',
      occurredAt: now,
      recordedAt: now,
      recordedBy: user.id,
      text: input.resolution!,
      details: { closesReport: report.id, reportEntryId: report.entry_id },
    });
    const res = await trx
      .updateTable('defect_reports')
      .set({ status: 'closed', handled_by: user.id, handled_at: now, resolution: input.resolution!, close_entry_id: entry.id })
      .where('id', '=', report.id)
      .where('status', '!=', 'closed')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'defect.alreadyClosed');
    return { deviceCode: report.code };
  });
}

const reportColumns = [
  'defect_reports.id',
  'defect_reports.text',
  'defect_reports.status',
  'defect_reports.reported_at',
  'defect_reports.incident_suspected',
  'defect_reports.handled_at',
  'defect_reports.resolution',
] as const;

/** The technicians' queue: open and in-progress reports, suspected incidents first, then oldest first. */
export async function defectQueue(db: Kysely<Database>, user: SessionUser) {
  const rows = await visibleDevices(db, user)
    .innerJoin('defect_reports', 'defect_reports.device_id', 'devices.id')
    .innerJoin('users as reporter', 'reporter.id', 'defect_reports.reported_by')
    .leftJoin('users as handler', 'handler.id', 'defect_reports.handled_by')
    .where('defect_reports.status', '!=', 'closed')
    .select([
      ...reportColumns,
      'devices.code',
      'devices.inventory_number',
      'devices.status as device_status',
      'm.name as model_name',
      'mf.name as manufacturer_name',
      's.name as site_name',
      'dep.name as department_name',
      'r.name as room_name',
      'reporter.name as reporter_name',
      'handler.name as handler_name',
    ])
    .orderBy('defect_reports.incident_suspected', 'desc')
    .orderBy('defect_reports.reported_at')
    .limit(500)
    .execute();
  return rows.map((r) => ({ ...r, location: locationText(r) }));
}

export async function countOpenDefects(db: Kysely<Database>, user: SessionUser) {
  const row = await db
    .selectFrom('defect_reports')
    .innerJoin('devices', 'devices.id', 'defect_reports.device_id')
    .where('defect_reports.status', '!=', 'closed')
    .where(visibleTo(user))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Reports on one device that are still open, or that the user made (any state): the device page lists them. */
export async function defectsOfDevice(db: Kysely<Database>, userId: string, deviceId: string) {
  return reportsOfDevice.all(db, { userId, deviceId });
}

const reportsOfDevice = prepared((db, p: { userId: string; deviceId: string }) =>
  db
    .selectFrom('defect_reports')
    .innerJoin('users as reporter', 'reporter.id', 'defect_reports.reported_by')
    .where('defect_reports.device_id', '=', p.deviceId)
    .where((eb) => eb.or([eb('defect_reports.status', '!=', 'closed'), eb('defect_reports.reported_by', '=', p.userId)]))
    .select([...reportColumns, 'reporter.name as reporter_name', 'defect_reports.reported_by'])
    .orderBy('defect_reports.reported_at', 'desc')
    .limit(20),
);

/** The reports a user made, newest first, with their state: their start page shows them. */
export async function myDefects(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('defect_reports')
    .innerJoin('devices', 'devices.id', 'defect_reports.device_id')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .where('defect_reports.reported_by', '=', userId)
    .select([...reportColumns, 'devices.code', 'devices.inventory_number', 'm.name as model_name'])
    .orderBy('defect_reports.reported_at', 'desc')
    .limit(20)
    .execute();
}

/** The newest open report on the device that suspects an incident: the verdict says not to use it. */
export async function openIncidentReport(db: Kysely<Database>, deviceId: string) {
  return openIncident.first(db, { deviceId });
}

const openIncident = prepared((db, p: { deviceId: string }) =>
  db
    .selectFrom('defect_reports')
    .select(['reported_at', 'text'])
    .where('device_id', '=', p.deviceId)
    .where('status', '!=', 'closed')
    .where('incident_suspected', '=', 1)
    .orderBy('reported_at', 'desc')
    .limit(1),
);
