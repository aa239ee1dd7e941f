import type { Kysely } from 'kysely';
import { type Database, type LogbookKind, prepared } from '@medreg/db';

/** A device's logbook, newest first, with who recorded each entry, measured values and attachments. */
export async function listEntries(db: Kysely<Database>, deviceId: string, opts: { kinds?: LogbookKind[]; limit?: number } = {}) {
  const kinds = opts.kinds ?? [];
  const entries = await entriesOf.all(db, { deviceId, kinds, limit: opts.limit ?? 200 });
  const ids = entries.map((e) => e.id);
  const [measurements, attachments] = ids.length
    ? await Promise.all([measurementsOf.all(db, { ids }), attachmentsOf.all(db, { deviceId, ids })])
    : [[], []];
  const byEntry = <T extends { entry_id: string | null }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const r of rows) if (r.entry_id) map.set(r.entry_id, [...(map.get(r.entry_id) ?? []), r]);
    return map;
  };
  const measurementsByEntry = byEntry(measurements);
  const attachmentsByEntry = byEntry(attachments);
  return entries.map((e) => ({
    ...e,
    details: e.details ? (JSON.parse(e.details) as Record<string, unknown>) : null,
    measurements: measurementsByEntry.get(e.id) ?? [],
    attachments: (attachmentsByEntry.get(e.id) ?? []).map(({ preview_sha256, ...a }) => ({ ...a, hasPreview: preview_sha256 !== null })),
  }));
}

const entriesOf = prepared((db, p: { deviceId: string; kinds: LogbookKind[]; limit: number }) => {
  let q = db
    .selectFrom('logbook_entries as e')
    .innerJoin('users as u', 'u.id', 'e.recorded_by')
    .leftJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
    .where('e.device_id', '=', p.deviceId);
  if (p.kinds.length) q = q.where('e.kind', 'in', p.kinds);
  return q
    .select([
      'e.id',
      'e.seq',
      'e.kind',
      'e.occurred_at',
      'e.recorded_at',
      'e.performed_by',
      'e.result',
      'e.text',
      'e.corrects_entry_id',
      'e.due_on',
      'e.next_due_on',
      'e.details',
      'u.name as recorded_by_name',
      'it.code as inspection_type_code',
      'it.name_de as inspection_type_name_de',
      'it.name_en as inspection_type_name_en',
    ])
    .orderBy('e.seq', 'desc')
    .limit(p.limit);
});

const measurementsOf = prepared((db, p: { ids: string[] }) =>
  db
    .selectFrom('inspection_measurements')
    .select(['entry_id', 'field_key', 'value_number', 'value_text', 'unit', 'within_limit', 'limit_text'])
    .where('entry_id', 'in', p.ids),
);

const attachmentsOf = prepared((db, p: { deviceId: string; ids: string[] }) =>
  db
    .selectFrom('attachments')
    .select(['id', 'entry_id', 'media_type', 'original_name', 'size', 'preview_sha256'])
    // An entry's attachments carry its device: the (device_id, entry_id) index finds them; entry_id alone
    // has no index and read the whole table on every device page.
    .where('device_id', '=', p.deviceId)
    .where('entry_id', 'in', p.ids),
);
