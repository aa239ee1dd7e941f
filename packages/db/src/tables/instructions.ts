/** Appointed persons (beauftragte Personen) per model and site. */
export interface AppointedPersonTable {
  id: string;
  model_id: string;
  site_id: string;
  user_id: string;
  /** Their own instruction by the manufacturer: date, evidence, and the instruction record it is kept as. */
  instructed_on: string;
  evidence: string | null;
  instruction_id: string | null;
  appointed_by: string | null;
  appointed_at: string | null;
  /** Set when the appointment ends; the record stays. */
  ended_at: string | null;
}

export type InstructorRole = 'manufacturer' | 'authorised' | 'appointed';
export type InstructionMethod = 'in_person' | 'on_device' | 'online';

/**
 * An instruction session (Einweisung) on a device model. Instruction is per model, so the session is one
 * model-level record that the logbook of every device of that model at the site shows. Never updated or deleted.
 */
export interface InstructionTable {
  id: string;
  model_id: string;
  site_id: string | null;
  instructor_user_id: string | null;
  instructor_name: string;
  instructor_role: InstructorRole;
  method: InstructionMethod;
  instructed_on: string;
  software_version: string | null;
  valid_until: string | null;
  remark: string | null;
  recorded_by: string;
  recorded_at: string;
}

export interface InstructionTraineeTable {
  instruction_id: string;
  user_id: string;
  confirmed_at: string | null;
  confirmation: 'app' | 'paper' | null;
}

/** A person's request to be instructed on a model; closed by the session that instructs them. */
export interface InstructionRequestTable {
  id: string;
  user_id: string;
  model_id: string;
  site_id: string;
  device_id: string | null;
  requested_at: string;
  status: 'open' | 'done' | 'withdrawn';
  closed_at: string | null;
  instruction_id: string | null;
}

/** A defect report (Mängelmeldung) by any user; its logbook entry is written with it. */
export interface DefectReportTable {
  id: string;
  device_id: string;
  reported_by: string;
  reported_at: string;
  text: string;
  incident_suspected: number;
  entry_id: string;
  status: 'open' | 'in_progress' | 'closed';
  handled_by: string | null;
  handled_at: string | null;
  resolution: string | null;
  close_entry_id: string | null;
}
