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
}
