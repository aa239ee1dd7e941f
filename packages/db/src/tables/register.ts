export type RegisterEntity = 'device' | 'model' | 'manufacturer' | 'site' | 'building' | 'department' | 'room';

/** One changed register field (Änderungshistorie): who, when, old and new value as text. Append-only. */
export interface RegisterChangeTable {
  id: string;
  entity: RegisterEntity;
  entity_id: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  changed_by: string;
  changed_at: string;
}

/** One CSV import of devices: all or nothing, so `created` is either 0 or `rows`. */
export interface ImportRunTable {
  id: string;
  file_name: string;
  rows: number;
  created: number;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  started_by: string;
  started_at: string;
  finished_at: string | null;
}

/** A CSV file uploaded for import, waiting (an hour at most) for its mapping, dry run and start. */
export interface ImportUploadTable {
  id: string;
  user_id: string;
  file_name: string;
  uploaded_at: string;
  content: Uint8Array;
}
