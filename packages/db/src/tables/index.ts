import type { BuildingTable, DepartmentTable, RoomTable, SiteTable } from './locations.js';
import type {
  AccessLogTable,
  AccountTable,
  SessionTable,
  UserDepartmentTable,
  UserTable,
  VerificationTable,
} from './users.js';
import type { DeviceModelTable, DeviceTable, FavouriteTable, ManufacturerTable } from './devices.js';
import type {
  CalendarTokenTable,
  ComplianceSnapshotTable,
  DeviceInspectionOverrideTable,
  DeviceObligationTable,
  DigestLogTable,
  StagedUploadTable,
  InspectionMeasurementTable,
  InspectionTypeTable,
  ModelInspectionTypeTable,
  TestInstrumentTable,
} from './inspections.js';
import type { AttachmentTable, ChainCheckTable, FileTextTable, LogbookEntryTable } from './logbook.js';
import type { ImportRunTable, ImportUploadTable, RegisterChangeTable } from './register.js';
import type {
  AppointedPersonTable,
  DefectReportTable,
  InstructionRequestTable,
  InstructionTable,
  InstructionTraineeTable,
} from './instructions.js';
import type { LockTable } from './lockout.js';
import type { PhoneSignInTable } from './sessions.js';
import type { PasswordHistoryTable, RateLimitTable, SignInFailureTable, UnknownSignInFailureTable } from './accounts.js';

export * from './locations.js';
export * from './users.js';
export * from './devices.js';
export * from './inspections.js';
export * from './logbook.js';
export * from './instructions.js';
export * from './lockout.js';
export * from './register.js';
export * from './sessions.js';
export * from './accounts.js';

/** The one database interface. Calendar dates are 'YYYY-MM-DD' strings, instants ISO-8601 UTC strings. */
export interface Database {
  sites: SiteTable;
  buildings: BuildingTable;
  departments: DepartmentTable;
  rooms: RoomTable;
  users: UserTable;
  sessions: SessionTable;
  accounts: AccountTable;
  verifications: VerificationTable;
  user_departments: UserDepartmentTable;
  access_log: AccessLogTable;
  password_history: PasswordHistoryTable;
  rate_limits: RateLimitTable;
  sign_in_failures: SignInFailureTable;
  unknown_sign_in_failures: UnknownSignInFailureTable;
  manufacturers: ManufacturerTable;
  device_models: DeviceModelTable;
  devices: DeviceTable;
  favourites: FavouriteTable;
  inspection_types: InspectionTypeTable;
  model_inspection_types: ModelInspectionTypeTable;
  device_inspection_overrides: DeviceInspectionOverrideTable;
  test_instruments: TestInstrumentTable;
  inspection_measurements: InspectionMeasurementTable;
  logbook_entries: LogbookEntryTable;
  attachments: AttachmentTable;
  appointed_persons: AppointedPersonTable;
  instructions: InstructionTable;
  instruction_trainees: InstructionTraineeTable;
  instruction_requests: InstructionRequestTable;
  defect_reports: DefectReportTable;
  locks: LockTable;
  device_obligations: DeviceObligationTable;
  compliance_snapshots: ComplianceSnapshotTable;
  calendar_tokens: CalendarTokenTable;
  digest_log: DigestLogTable;
  staged_uploads: StagedUploadTable;
  register_changes: RegisterChangeTable;
  file_texts: FileTextTable;
  import_runs: ImportRunTable;
  import_uploads: ImportUploadTable;
  chain_checks: ChainCheckTable;
  phone_sign_ins: PhoneSignInTable;
}
