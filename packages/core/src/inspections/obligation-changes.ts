import type { DeviceObligationTable } from '@medreg/db';

/** A stored obligation (Prüfpflicht) row, as refreshObligations writes it. */
export type ObligationRow = DeviceObligationTable;

export type ObligationColumn = Exclude<keyof ObligationRow, 'device_id' | 'inspection_type_id'>;
const COLUMNS: readonly ObligationColumn[] = ['site_id', 'department_id', 'interval_months', 'due_on', 'last_entry_id', 'last_on', 'last_result', 'failed'];

export interface ObligationChanges {
  /** Devices that keep no obligation at all: all their rows go. */
  clearDevices: string[];
  /** Single rows that go while the device keeps others. */
  deletes: Array<{ device_id: string; inspection_type_id: string }>;
  /** Rows that stay, with only the columns whose value changed. */
  updates: Array<{ device_id: string; inspection_type_id: string; set: Partial<Pick<ObligationRow, ObligationColumn>> }>;
  inserts: ObligationRow[];
}

// PostgreSQL may hand back a date or a number where SQLite has text: compare what is stored, not its JS type.
const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null) || (a != null && b != null && String(a) === String(b));

/**
 * What turns the stored obligations of some devices into the wanted ones. Rows that stay the same are left alone:
 * recording an inspection rewrites the one obligation it moves, and SQLite then writes a third of the pages that
 * deleting and inserting every row of the device wrote (each row sits in eight B-trees).
 */
export function obligationChanges(deviceIds: readonly string[], stored: readonly ObligationRow[], wanted: readonly ObligationRow[]): ObligationChanges {
  const key = (r: { device_id: string; inspection_type_id: string }) => `${r.device_id}\u0000${r.inspection_type_id}`;
  const before = new Map(stored.map((r) => [key(r), r]));
  const after = new Map(wanted.map((r) => [key(r), r]));
  const keeping = new Set(wanted.map((r) => r.device_id));
  const changes: ObligationChanges = { clearDevices: [], deletes: [], updates: [], inserts: [] };
  const storedDevices = new Set(stored.map((r) => r.device_id));
  for (const id of deviceIds) if (storedDevices.has(id) && !keeping.has(id)) changes.clearDevices.push(id);
  for (const [k, old] of before)
    if (!after.has(k) && keeping.has(old.device_id)) changes.deletes.push({ device_id: old.device_id, inspection_type_id: old.inspection_type_id });
  for (const [k, row] of after) {
    const old = before.get(k);
    if (!old) {
      changes.inserts.push(row);
      continue;
    }
    const set: Partial<Record<ObligationColumn, unknown>> = {};
    for (const c of COLUMNS) if (!same(old[c], row[c])) set[c] = row[c];
    if (Object.keys(set).length) changes.updates.push({ device_id: row.device_id, inspection_type_id: row.inspection_type_id, set: set as Partial<Pick<ObligationRow, ObligationColumn>> });
  }
  return changes;
}
