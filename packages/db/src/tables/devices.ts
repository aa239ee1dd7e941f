import type { Generated } from 'kysely';

/** Manufacturer, or authorised representative / importer (register §14 2025). */
export interface ManufacturerTable {
  id: string;
  name: string;
  address: string;
  country: string | null;
}

/** Device model (Gerätetyp): instruction is per model, identical models need no repeat. */
export interface DeviceModelTable {
  id: string;
  manufacturer_id: string;
  /** Designation (Bezeichnung). */
  name: string;
  /** Kind (Art), e.g. "Infusionspumpe". */
  kind: string;
  /** Type (Typ) as printed by the manufacturer. */
  type_designation: string;
  /** MPBetreibV Anlage 1: STK, functional test and instruction before first use. 0/1. */
  anlage1: number;
  /** MPBetreibV Anlage 2: metrological inspection (MTK). 0/1. */
  anlage2: number;
  software_version: string | null;
  device_class: 'I' | 'IIa' | 'IIb' | 'III' | null;
  protection_class: 'I' | 'II' | 'internal' | null;
  applied_part: 'B' | 'BF' | 'CF' | null;
  /** Re-instruction interval; null: instruction does not expire. */
  instruction_validity_months: number | null;
  created_at: string;
  /** Raised by every edit; a save carrying an older version is refused as a concurrent edit. */
  version: Generated<number>;
}

export type DeviceStatus = 'in_service' | 'locked' | 'in_repair' | 'decommissioned';

/** A device in the register (Bestandsverzeichnis, MPBetreibV 2025 §14 / 2017 §13). */
export interface DeviceTable {
  id: string;
  /** Stable short code printed on the QR label; not derived from the id. */
  code: string;
  /** Operator's own identification number (Inventarnummer). */
  inventory_number: string;
  model_id: string;
  serial_number: string | null;
  lot_number: string | null;
  acquired_year: number | null;
  /** Commissioning date (Inbetriebnahme), a calendar date. */
  commissioned_on: string | null;
  site_id: string;
  department_id: string | null;
  room_id: string | null;
  status: DeviceStatus;
  udi_di: string | null;
  notified_body: string | null;
  /** Per-device override of the model's device class. */
  device_class: 'I' | 'IIa' | 'IIb' | 'III' | null;
  notes: string | null;
  /** Installed software after an update; null: as delivered (the model's version). */
  software_version: string | null;
  decommissioned_on: string | null;
  /** CE marking: 1 marked, 0 not, null unknown (optional field of older register versions). */
  ce_marked: number | null;
  created_at: string;
  updated_at: string;
  /** Raised by every edit; a save carrying an older version is refused as a concurrent edit. */
  version: Generated<number>;
}

/** A user's favourite devices ("my devices"). */
export interface FavouriteTable {
  user_id: string;
  device_id: string;
}
