import type { Generated } from 'kysely';

/** How the next due date is counted from the last inspection or commissioning. */
export type Anchor = 'exact' | 'end_of_month' | 'end_of_year';

/** One typed field of an inspection form; limits may depend on protection class / applied part. */
export type FormField =
  | { key: string; kind: 'pass_fail'; label: { de: string; en: string } }
  | {
      key: string;
      kind: 'number';
      label: { de: string; en: string };
      unit: string;
      limits: { when?: { protectionClass?: string; appliedPart?: string }; min?: number; max?: number }[];
      /** What the instrument can physically read; a value outside is a typing error, not a failed limit. */
      range?: { min?: number; max?: number };
      /** Flag a rise of more than 50 % against the previous inspection (VDE 0751 for leakage currents). */
      watchRise?: boolean;
    }
  | { key: string; kind: 'choice'; label: { de: string; en: string }; options: string[] }
  | { key: string; kind: 'text'; label: { de: string; en: string } };

/** Inspection type (Prüfart): STK, MTK, electrical safety, maintenance, IT security. */
export interface InspectionTypeTable {
  id: string;
  code: string;
  name_de: string;
  name_en: string;
  /** Legal reference kept as data, e.g. "MPBetreibV 2025 §12 (2017: §11)". */
  legal_reference: string | null;
  interval_months: number;
  anchor: Anchor;
  /** Roles allowed to record it, comma-separated. */
  performer_roles: string;
  /** JSON array of FormField. */
  form: string;
  created_at: string;
  /** Archived types are no longer assigned; entries that used them keep pointing at them. */
  archived_at: string | null;
  /** Incremented on every edit, so concurrent edits are detected. */
  version: Generated<number>;
}

/** Assignment of inspection types to a model (default interval may be overridden). */
export interface ModelInspectionTypeTable {
  model_id: string;
  inspection_type_id: string;
  interval_months: number | null;
}

/** Per-device override of an assignment: another interval, or exempt with a reason. */
export interface DeviceInspectionOverrideTable {
  device_id: string;
  inspection_type_id: string;
  interval_months: number | null;
  exempt: number;
  reason: string | null;
  set_by: string | null;
  set_at: string | null;
}

/** Test instrument used for measurements (serial and calibration due date). */
export interface TestInstrumentTable {
  id: string;
  name: string;
  serial_number: string;
  /** E.g. "Sicherheitstester nach IEC 62353". */
  kind: string | null;
  calibration_due_on: string | null;
  retired_at: string | null;
  created_at: string | null;
}

/**
 * A device's obligation (Prüfpflicht) to undergo one inspection type, with its next due date: derived from
 * the assignments and the logbook, rewritten in the same transaction as every change to either. Devices out
 * of service for good (decommissioned) have none.
 */
export interface DeviceObligationTable {
  device_id: string;
  inspection_type_id: string;
  /** The device's site and ward, copied by refreshObligations (a move must refresh). */
  site_id: string;
  department_id: string | null;
  interval_months: number;
  due_on: string;
  last_entry_id: string | null;
  last_on: string | null;
  last_result: 'passed' | 'failed' | null;
  /** 1 while the last inspection failed and the device has not been released since. */
  failed: number;
}

/** Share of a ward's devices with no overdue obligation, one row per day. */
export interface ComplianceSnapshotTable {
  taken_on: string;
  site_id: string;
  /** '' for devices without a department. */
  department_id: string;
  devices: number;
  compliant: number;
}

/** A revocable token for a person's iCal feed of due inspections; only its SHA-256 is stored. */
export interface CalendarTokenTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Weekly digests sent, one per person and ISO week ('2026-W47'). */
export interface DigestLogTable {
  user_id: string;
  week: string;
  sent_at: string;
  items: number;
}

/** A photo or PDF uploaded while a form is being filled in, waiting to be attached when it is saved. */
export interface StagedUploadTable {
  id: string;
  user_id: string;
  sha256: string;
  preview_sha256: string | null;
  media_type: string;
  size: number;
  original_name: string;
  created_at: string;
}

/** Measured values of an inspection, one row per form field. */
export interface InspectionMeasurementTable {
  id: string;
  entry_id: string;
  field_key: string;
  value_number: number | null;
  value_text: string | null;
  unit: string | null;
  /** 1 inside its limit, 0 outside, null where no limit applies. */
  within_limit: number | null;
  limit_text: string | null;
}
