import { type Insertable, PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { type Database, type InspectionMeasurementTable, type LogbookEntryTable, type LogbookKind, prepared } from '@medreg/db';
import { sequentialId } from '../ids.js';
import { entryHash, GENESIS_HASH } from './chain.js';

export type NewMeasurement = Omit<InspectionMeasurementTable, 'id' | 'entry_id'>;

export interface NewAttachment {
  sha256: string;
  preview_sha256: string | null;
  media_type: string;
  size: number;
  original_name: string;
  purpose: 'protocol' | 'photo';
}

export interface NewEntry {
  deviceId: string;
  kind: LogbookKind;
  occurredAt: string;
  recordedBy: string;
  recordedAt: string;
  performedBy?: string | null;
  result?: 'passed' | 'failed' | null;
  text?: string | null;
  correctsEntryId?: string | null;
  inspectionTypeId?: string | null;
  testInstrumentId?: string | null;
  dueOn?: string | null;
  nextDueOn?: string | null;
  details?: Record<string, unknown> | null;
  /** The form's own id, so that a double submit is recognised (see earlierSubmission). */
  submissionId?: string | null;
  measurements?: NewMeasurement[];
  attachments?: NewAttachment[];
}

export const measurementLine = (m: { field_key: string; value_number: number | null; value_text: string | null; unit: string | null }) =>
  `${m.field_key}=${m.value_number ?? m.value_text ?? ''} ${m.unit ?? ''}`.trim();

/** The entry this user's form already wrote, if this is a second submit of the same form. */
export async function earlierSubmission(db: Kysely<Database>, userId: string, submissionId: string | undefined) {
  if (!submissionId) return undefined;
  return submitted.first(db, { submissionId, userId });
}

const submitted = prepared((db, p: { submissionId: string; userId: string }) =>
  db.selectFrom('logbook_entries').select(['id', 'device_id', 'result', 'next_due_on']).where('submission_id', '=', p.submissionId).where('recorded_by', '=', p.userId),
);
const lastEntry = prepared((db, p: { deviceId: string }) =>
  db.selectFrom('logbook_entries').select(['seq', 'hash']).where('device_id', '=', p.deviceId).orderBy('seq', 'desc').limit(1),
);
const insertEntry = prepared((db, p: Insertable<LogbookEntryTable>) => db.insertInto('logbook_entries').values(p));

/**
 * Appends an entry to a device's logbook inside the caller's transaction: next sequence number,
 * hash chained to the previous entry, measurements and attachments written with it.
 * Never updates or deletes; the database refuses that anyway.
 */
export async function appendEntry(trx: Transaction<Database> | Kysely<Database>, e: NewEntry): Promise<{ id: string; seq: number; hash: string }> {
  // PostgreSQL runs transactions side by side: two appends to one device would read the same last entry and the
  // second would fail on the unique (device, seq). The device's row lock makes them take turns (held to commit;
  // refreshObligations takes the same lock later in the transaction). SQLite writes one transaction at a time.
  if (trx.getExecutor().adapter instanceof PostgresAdapter)
    await trx.selectFrom('devices').select('id').where('id', '=', e.deviceId).forUpdate().execute();
  const last = await lastEntry.first(trx, { deviceId: e.deviceId });
  // Time-ordered ids: a new entry and its measurements land at the end of the id indexes, not on a random page
  // each, which SQLite would write to its log in full at every commit.
  const id = sequentialId();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const row = {
    id,
    device_id: e.deviceId,
    seq,
    kind: e.kind,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    recorded_by: e.recordedBy,
    performed_by: e.performedBy ?? null,
    result: e.result ?? null,
    text: e.text ?? null,
    corrects_entry_id: e.correctsEntryId ?? null,
    inspection_type_id: e.inspectionTypeId ?? null,
    test_instrument_id: e.testInstrumentId ?? null,
    due_on: e.dueOn ?? null,
    next_due_on: e.nextDueOn ?? null,
    details: e.details ? JSON.stringify(e.details) : null,
    submission_id: e.submissionId ?? null,
  };
  const measurements = e.measurements ?? [];
  const attachments = e.attachments ?? [];
  const hash = entryHash(prevHash, {
    ...row,
    measurements: measurements.map(measurementLine),
    attachments: attachments.map((a) => a.sha256),
  });
  await insertEntry.all(trx, { ...row, prev_hash: prevHash, hash });
  if (measurements.length)
    await trx
      .insertInto('inspection_measurements')
      .values(measurements.map((m) => ({ ...m, id: sequentialId(), entry_id: id })))
      .execute();
  if (attachments.length)
    await trx
      .insertInto('attachments')
      .values(
        attachments.map((a) => ({
          ...a,
          id: sequentialId(),
          device_id: e.deviceId,
          entry_id: id,
          visibility: 'all' as const,
          uploaded_by: e.recordedBy,
          uploaded_at: e.recordedAt,
        })),
      )
      .execute();
  return { id, seq, hash };
}
