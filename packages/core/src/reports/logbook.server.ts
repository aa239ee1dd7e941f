import type { Kysely } from 'kysely';
import sharp from 'sharp';
import type { Database, FormField } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { formatShortCode } from '../devices/short-code.js';
import { today } from '../inspections/due.js';
import { assignedTypes } from '../inspections/queries.server.js';
import { sessionsOnModel } from '../instructions/sessions.server.js';
import { verifyDevice } from '../logbook/verify.server.js';
import { notFound } from '../trpc/errors.js';
import { logAccess } from '../users/access-log.server.js';

/** Sessions on the model printed in the logbook; a model-level record, newest first. */
const MAX_SESSIONS = 500;

/** Reads a device's whole logbook in sequence order with measured values, attachments and field labels. */
async function entriesOf(db: Kysely<Database>, deviceId: string, user: SessionUser) {
  const entries = await db
    .selectFrom('logbook_entries as e')
    .innerJoin('users as u', 'u.id', 'e.recorded_by')
    .leftJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
    .leftJoin('logbook_entries as c', 'c.id', 'e.corrects_entry_id')
    .where('e.device_id', '=', deviceId)
    .select([
      'e.id',
      'e.seq',
      'e.kind',
      'e.occurred_at',
      'e.recorded_at',
      'e.performed_by',
      'e.result',
      'e.text',
      'e.due_on',
      'e.next_due_on',
      'e.details',
      'e.hash',
      'u.name as recorded_by_name',
      'it.code as type_code',
      'it.name_de as type_name_de',
      'it.name_en as type_name_en',
      'it.form as type_form',
      'c.seq as corrects_seq',
    ])
    .orderBy('e.seq')
    .execute();
  const ids = entries.map((e) => e.id);
  const measurements: { entry_id: string; field_key: string; value_number: number | null; value_text: string | null; unit: string | null; within_limit: number | null; limit_text: string | null }[] = [];
  const attachments: { id: string; entry_id: string | null; sha256: string; media_type: string; original_name: string; size: number; visibility: 'all' | 'staff' }[] = [];
  // IN lists in slices: SQLite allows 32,766 parameters per statement.
  for (let i = 0; i < ids.length; i += 5000) {
    const slice = ids.slice(i, i + 5000);
    measurements.push(
      ...(await db
        .selectFrom('inspection_measurements')
        .select(['entry_id', 'field_key', 'value_number', 'value_text', 'unit', 'within_limit', 'limit_text'])
        .where('entry_id', 'in', slice)
        .orderBy('id')
        .execute()),
    );
    attachments.push(
      ...(await db
        .selectFrom('attachments')
        .select(['id', 'entry_id', 'sha256', 'media_type', 'original_name', 'size', 'visibility'])
        .where('device_id', '=', deviceId) // the (device_id, entry_id) index; entry_id alone has none
        .where('entry_id', 'in', slice)
        .orderBy('uploaded_at')
        .orderBy('id')
        .execute()),
    );
  }
  const group = <T extends { entry_id: string | null }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const r of rows) if (r.entry_id) map.set(r.entry_id, [...(map.get(r.entry_id) ?? []), r]);
    return map;
  };
  const measurementsOf = group(measurements);
  // Staff-only files (e.g. a repair quote) stay hidden from nurses, as on the device page.
  const attachmentsOf = group(attachments.filter((a) => a.visibility === 'all' || user.role !== 'nurse'));

  return entries.map(({ type_form, ...e }) => {
    const fields = new Map<string, FormField>(type_form ? (JSON.parse(type_form) as FormField[]).map((f) => [f.key, f]) : []);
    // Fields in the order of the type's form; keys the form no longer has come last.
    const order = [...fields.keys()];
    const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
    return {
      ...e,
      details: e.details ? (JSON.parse(e.details) as Record<string, unknown>) : null,
      measurements: (measurementsOf.get(e.id) ?? [])
        .sort((a, b) => rank(a.field_key) - rank(b.field_key))
        .map((m) => ({ ...m, label: fields.get(m.field_key)?.label ?? null, field_kind: fields.get(m.field_key)?.kind ?? null })),
      attachments: (attachmentsOf.get(e.id) ?? []).map(({ visibility: _visibility, entry_id: _entry, ...a }) => a),
    };
  });
}

/**
 * Everything the printed logbook (Medizinproduktebuch) of one device holds, for anyone who may see the device.
 * Trainee names of instruction sessions only for staff, and then the reading is written to the access log.
 */
export async function logbookReport(services: Services, user: SessionUser, deviceId: string) {
  const { db } = services;
  const device = await getDevice(db, user, { id: deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  const now = services.now();
  const staff = user.role !== 'nurse';
  const [building, obligations, entries, sessions, chain] = await Promise.all([
    device.department_id
      ? db
          .selectFrom('departments as d')
          .innerJoin('buildings as b', 'b.id', 'd.building_id')
          .select('b.name')
          .where('d.id', '=', device.department_id)
          .executeTakeFirst()
      : undefined,
    assignedTypes(db, device, today(now)),
    entriesOf(db, device.id, user),
    sessionsOnModel(db, device.model_id, device.site_id, { withNames: staff, limit: MAX_SESSIONS }),
    verifyDevice(db, device.id),
  ]);
  if (staff && sessions.some((s) => (s.trainees?.length ?? 0) > 0)) {
    await logAccess(db, user.id, 'logbook_pdf', `model:${device.model_id}@site:${device.site_id}`, now);
  }
  return {
    device: { ...device, building_name: building?.name ?? null, code_label: formatShortCode(device.code) },
    obligations: obligations.map((o) => ({
      code: o.code,
      name_de: o.name_de,
      name_en: o.name_en,
      legal_reference: o.legal_reference,
      interval_months: o.interval_months,
      last_on: o.last_on,
      last_result: o.last_result,
      failed: o.failed,
      due_on: o.due_on,
      state: o.state,
    })),
    entries,
    sessions,
    chain: chain.ok ? { ok: true as const, entries: chain.entries } : { ok: false as const, entries: chain.entries, seq: chain.seq, reason: chain.reason },
    printedBy: user.name,
    printedOn: today(now),
    printedAt: now.toISOString(),
  };
}

export type LogbookReport = Awaited<ReturnType<typeof logbookReport>>;

/** Longest side of a photo printed in the logbook: sharp enough at 150 dpi across the page, small in the PDF. */
const PRINT_PIXELS = 1200;

/**
 * A stored photo as a downscaled JPEG for the PDF (pdfkit reads JPEG and PNG only; the display copies are WebP).
 * Null when the blob is missing or not an image sharp can read, so one bad file does not sink the logbook.
 */
export async function printablePhoto(files: Services['files'], sha256: string): Promise<Buffer | null> {
  if (!files.has(sha256)) return null;
  try {
    return await sharp(files.read(sha256), { limitInputPixels: 100_000_000 })
      .rotate()
      .resize(PRINT_PIXELS, PRINT_PIXELS, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 78, mozjpeg: true })
      .toBuffer();
  } catch {
    return null;
  }
}
