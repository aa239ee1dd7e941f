/** A lock (Sperrung); open while `released_at` is null. */
export interface LockTable {
  id: string;
  device_id: string;
  reason: string;
  incident_suspected: number;
  locked_by: string;
  locked_at: string;
  lock_entry_id: string;
  released_by: string | null;
  released_at: string | null;
  release_entry_id: string | null;
  release_reason: string | null;
  /** The failed inspection that led to the lock, if any. */
  cause_entry_id: string | null;
  /** The passed inspection after the lock that justified the release; null for a manager's explicit reason. */
  release_inspection_entry_id: string | null;
  /** Report of a suspected incident (Vorkommnismeldung) to the BfArM, recorded by the device-safety officer. */
  bfarm_reported_on: string | null;
  bfarm_reference: string | null;
  report_entry_id: string | null;
}
