import type { Kysely } from 'kysely';
import { type Database, type FormField, type InspectionTypeTable, prepared } from '@medreg/db';
import { dueState, nextDueDate, today as localDate, type CalendarDate, type DueState } from './due.js';

export interface AssignedType
  extends Pick<InspectionTypeTable, 'id' | 'code' | 'name_de' | 'name_en' | 'legal_reference' | 'interval_months' | 'anchor'> {
  performer_roles: string[];
  form: FormField[];
  last_on: CalendarDate | null;
  last_result: 'passed' | 'failed' | null;
  last_entry_id: string | null;
  /** The last inspection failed and the device has not been released since. */
  failed: boolean;
  due_on: CalendarDate;
  state: DueState;
}

type DeviceRef = { id: string; model_id: string; commissioned_on: string | null };

/** Keeps `in (...)` lists well below the bind-parameter limits of SQLite and PostgreSQL. */
const CHUNK = 2000;
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Entries count up to the end of `today`, so the same call also answers "as it stood on that day" (compliance history). */
const endOf = (day: CalendarDate) => `${day}T23:59:59.999Z`;

/**
 * The inspection types each device must undergo (assigned to its model, minus per-device exemptions,
 * with per-device intervals), each with its last result and next due date. Four queries per
 * 2,000 devices, whatever their number.
 *
 * A failed inspection does not meet the obligation: its entry keeps the due date it was measured
 * against, so the device stays due (and shown as failed until released) until one passes.
 */
export async function assignedTypesOf(db: Kysely<Database>, devices: DeviceRef[], today: CalendarDate): Promise<Map<string, AssignedType[]>> {
  const out = new Map<string, AssignedType[]>();
  // Thousands of devices share inspection dates and due dates: compute each date rule once.
  const dueFrom = new Map<string, CalendarDate>();
  const firstDue = (from: CalendarDate, interval: number, anchor: AssignedType['anchor']) => {
    const key = `${from}|${interval}|${anchor}`;
    let due = dueFrom.get(key);
    if (due === undefined) dueFrom.set(key, (due = nextDueDate(from, interval, anchor)));
    return due;
  };
  const states = new Map<CalendarDate, DueState>();
  const stateOf = (due: CalendarDate) => states.get(due) ?? states.set(due, dueState(due, today)).get(due)!;
  for (const part of chunks(devices)) {
    const deviceIds = part.map((d) => d.id);
    const [assignments, overrides, entries, releases] = await Promise.all([
      assignmentsOf.all(db, { modelIds: [...new Set(part.map((d) => d.model_id))] }),
      overridesOf.all(db, { deviceIds }),
      inspectionsOf.all(db, { deviceIds, until: endOf(today) }),
      lastReleasesOf.all(db, { deviceIds, until: endOf(today) }),
    ]);
    const releasedAt = new Map(releases.map((r) => [r.device_id, Number(r.seq)]));
    const byDevice = <T extends { device_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) {
        const list = map.get(row.device_id);
        if (list) list.push(row);
        else map.set(row.device_id, [row]);
      }
      return map;
    };
    const overridesByDevice = byDevice(overrides);
    const entriesByDevice = byDevice(entries);
    const forms = new Map<string, FormField[]>();
    const formOf = (id: string, json: string) => forms.get(id) ?? forms.set(id, JSON.parse(json) as FormField[]).get(id)!;
    const assignmentsByModel = new Map<string, typeof assignments>();
    for (const r of assignments) assignmentsByModel.set(r.model_id, [...(assignmentsByModel.get(r.model_id) ?? []), r]);
    for (const device of part) {
      const types: AssignedType[] = [];
      for (const r of assignmentsByModel.get(device.model_id) ?? []) {
        const override = overridesByDevice.get(device.id)?.find((o) => o.inspection_type_id === r.id);
        if (override?.exempt) continue;
        const interval = override?.interval_months ?? r.model_interval ?? r.type_interval;
        const previous = entriesByDevice.get(device.id)?.find((e) => e.inspection_type_id === r.id);
        // Counted from the last passed inspection with today's interval (a changed interval applies at once);
        // a failed one keeps the date it was measured against; never inspected: from commissioning, else now.
        const lastOn = previous ? localDate(new Date(previous.occurred_at)) : null;
        const due_on = previous
          ? previous.result === 'failed'
            ? (previous.next_due_on ?? lastOn!)
            : firstDue(lastOn!, interval, r.anchor)
          : device.commissioned_on
            ? firstDue(device.commissioned_on, interval, r.anchor)
            : today;
        types.push({
          id: r.id,
          code: r.code,
          name_de: r.name_de,
          name_en: r.name_en,
          legal_reference: r.legal_reference,
          interval_months: interval,
          anchor: r.anchor,
          performer_roles: r.performer_roles.split(','),
          form: formOf(r.id, r.form),
          last_on: lastOn,
          last_result: previous?.result ?? null,
          last_entry_id: previous?.id ?? null,
          failed: previous?.result === 'failed' && (releasedAt.get(device.id) ?? 0) < previous.seq,
          due_on,
          state: stateOf(due_on),
        });
      }
      out.set(device.id, types);
    }
  }
  return out;
}

const assignmentsOf = prepared((db, p: { modelIds: string[] }) =>
  db
    .selectFrom('model_inspection_types as mit')
    .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
    .where('mit.model_id', 'in', p.modelIds)
    .where('it.archived_at', 'is', null)
    .select([
      'mit.model_id',
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
    ])
    .orderBy('it.code'),
);

const overridesOf = prepared((db, p: { deviceIds: string[] }) =>
  db.selectFrom('device_inspection_overrides').select(['device_id', 'inspection_type_id', 'interval_months', 'exempt']).where('device_id', 'in', p.deviceIds),
);

const inspectionsOf = prepared((db, p: { deviceIds: string[]; until: string }) =>
  db
    .selectFrom('logbook_entries')
    .select(['id', 'seq', 'device_id', 'inspection_type_id', 'occurred_at', 'result', 'next_due_on'])
    .where('device_id', 'in', p.deviceIds)
    .where('kind', '=', 'inspection')
    .where('occurred_at', '<=', p.until)
    .orderBy('occurred_at', 'desc')
    .orderBy('seq', 'desc'),
);

const lastReleasesOf = prepared((db, p: { deviceIds: string[]; until: string }) =>
  db
    .selectFrom('logbook_entries')
    .select((eb) => ['device_id', eb.fn.max('seq').as('seq')])
    .where('device_id', 'in', p.deviceIds)
    .where('kind', '=', 'release')
    .where('occurred_at', '<=', p.until)
    .groupBy('device_id'),
);

/** The inspection types of one device; see assignedTypesOf. */
export async function assignedTypes(db: Kysely<Database>, device: DeviceRef, today: CalendarDate): Promise<AssignedType[]> {
  return (await assignedTypesOf(db, [device], today)).get(device.id) ?? [];
}
