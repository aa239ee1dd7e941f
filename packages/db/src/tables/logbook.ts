export type LogbookKind =
  | 'inspection'
  | 'maintenance'
  | 'repair'
  | 'functional_test'
  | 'defect_report'
  | 'incident'
  | 'instruction'
  | 'lock'
  | 'release'
  | 'relocation'
  | 'software_update'
  | 'commissioning'
  | 'decommissioning'
  | 'correction'
  | 'note';

/**
 * The device logbook (Medizinproduktebuch, MPBetreibV 2025 §13 / 2017 §12): append-only.
 * Entries are never updated or deleted; a correction is a new entry pointing at `corrects_entry_id`.
 * Each device's entries form a hash chain (`hash` covers the content and `prev_hash`).
 */
export interface LogbookEntryTable {
  id: string;
  device_id: string;
  /** Position in the device's chain, 1-based. */
  seq: number;
  kind: LogbookKind;
  /** When the measure took place (UTC instant). */
  occurred_at: string;
  /** When it was written (UTC instant). */
  recorded_at: string;
  recorded_by: string;
  /** Person or firm that performed it, when not the recording user. */
  performed_by: string | null;
  result: 'passed' | 'failed' | null;
  text: string | null;
  corrects_entry_id: string | null;
  inspection_type_id: string | null;
  test_instrument_id: string | null;
  /** For inspections: the deadline it met, and the next due date it set (calendar dates). */
  due_on: string | null;
  next_due_on: string | null;
  /** Kind-specific details as JSON (e.g. relocation from/to, software version). */
  details: string | null;
  /** The id of the form that wrote it (a double submit finds this entry); not part of the hashed content. */
  submission_id: string | null;
  prev_hash: string;
  hash: string;
}

/** Files attached to a device or a logbook entry; content-addressed by SHA-256 in the file store. */
export interface AttachmentTable {
  id: string;
  device_id: string;
  entry_id: string | null;
  sha256: string;
  media_type: string;
  size: number;
  /** Resized copy for display (photos only). */
  preview_sha256: string | null;
  original_name: string;
  purpose: 'protocol' | 'photo' | 'manual' | 'declaration' | 'picture' | 'other';
  /** 'all' or 'staff' (technicians and managers). */
  visibility: 'all' | 'staff';
  uploaded_by: string;
  uploaded_at: string;
  /** Device files are withdrawn (no longer shown), never deleted; logbook attachments never are. */
  withdrawn_at: string | null;
  withdrawn_by: string | null;
}

/** Text of an uploaded PDF, one row per page; searched with FTS5 (SQLite) or a GIN tsvector index (PostgreSQL). */
export interface FileTextTable {
  attachment_id: string;
  device_id: string;
  page: number;
  text: string;
}

/** A verification of every logbook hash chain; `findings` is JSON: the first broken entry of each broken chain. */
export interface ChainCheckTable {
  id: string;
  started_by: string | null;
  started_at: string;
  finished_at: string | null;
  devices: number;
  entries: number;
  broken: number;
  findings: string | null;
  /** The logbooks as they stood then are sealed by `seal` (null: a check from before seals, or not finished). */
  sealed_at: string | null;
  seal: string | null;
}
