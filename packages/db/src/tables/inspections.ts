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
}

/** Test instrument used for measurements (serial and calibration due date). */
export interface TestInstrumentTable {
  id: string;
  name: string;
  serial_number: string;
  calibration_due_on: string | null;
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
