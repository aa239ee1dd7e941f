import type { Kysely } from 'kysely';
import type { Database, FormField, InspectionTypeTable } from '@medreg/db';
import { dueState, nextDueDate, today as localDate, type CalendarDate, type DueState } from './due.js';

export interface AssignedType
  extends Pick<InspectionTypeTable, 'id' | 'code' | 'name_de' | 'name_en' | 'legal_reference' | 'interval_months' | 'anchor'> {
  performer_roles: string[];
  form: FormField[];
  last_on: CalendarDate | null;
  last_result: 'passed' | 'failed' | null;
  due_on: CalendarDate;
  state: DueState;
}

/**
 * The inspection types a device must undergo (assigned to its model, minus per-device exemptions,
 * with per-device intervals), each with its last result and next due date.
 */
export async function assignedTypes(
  db: Kysely<Database>,
  device: { id: string; model_id: string; commissioned_on: string | null },
  today: CalendarDate,
): Promise<AssignedType[]> {
  const rows = await db
    .selectFrom('model_inspection_types as mit')
    .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
    .leftJoin('device_inspection_overrides as o', (j) =>
      j.onRef('o.inspection_type_id', '=', 'it.id').on('o.device_id', '=', device.id),
    )
    .where('mit.model_id', '=', device.model_id)
    .where((eb) => eb.or([eb('o.exempt', 'is', null), eb('o.exempt', '=', 0)]))
    .select([
      'it.id',
      'it.code',
      'it.name_de',
      'it.name_en',
      'it.legal_reference',
      'it.anchor',
      'it.performer_roles',
      'it.form',
      'it.interval_months as type_interval',
      'mit.interval_months as model_interval',
      'o.interval_months as device_interval',
    ])
    .orderBy('it.code')
    .execute();
  const last = await db
    .selectFrom('logbook_entries')
    .select(['inspection_type_id', 'occurred_at', 'result', 'next_due_on', 'seq'])
    .where('device_id', '=', device.id)
    .where('kind', '=', 'inspection')
    .orderBy('occurred_at', 'desc')
    .orderBy('seq', 'desc')
    .execute();
  return rows.map((r) => {
    const interval = r.device_interval ?? r.model_interval ?? r.type_interval;
    const previous = last.find((e) => e.inspection_type_id === r.id);
    // Never inspected: counted from commissioning; without a commissioning date it is due now.
    const due_on =
      previous?.next_due_on ?? (device.commissioned_on ? nextDueDate(device.commissioned_on, interval, r.anchor) : today);
    return {
      id: r.id,
      code: r.code,
      name_de: r.name_de,
      name_en: r.name_en,
      legal_reference: r.legal_reference,
      interval_months: interval,
      anchor: r.anchor,
      performer_roles: r.performer_roles.split(','),
      form: JSON.parse(r.form) as FormField[],
      last_on: previous ? localDate(new Date(previous.occurred_at)) : null,
      last_result: previous?.result ?? null,
      due_on,
      state: dueState(due_on, today),
    };
  });
}
