/** Appointed persons (beauftragte Personen) per model and site. */
export interface AppointedPersonTable {
  id: string;
  model_id: string;
  site_id: string;
  user_id: string;
  instructed_on: string;
  evidence: string | null;
}

/** An instruction session (Einweisung) on a device model. */
export interface InstructionTable {
  id: string;
  model_id: string;
  site_id: string | null;
  instructor_user_id: string | null;
  instructor_name: string;
  instructor_role: 'manufacturer' | 'authorised' | 'appointed';
  method: 'in_person' | 'on_device' | 'online';
  instructed_on: string;
  software_version: string | null;
  valid_until: string | null;
  recorded_by: string;
  recorded_at: string;
}

export interface InstructionTraineeTable {
  instruction_id: string;
  user_id: string;
  confirmed_at: string | null;
}
