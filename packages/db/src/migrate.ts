import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_lock_loop.js';
import * as m0003 from './migrations/0003_instructions.js';
import * as m0004 from './migrations/0004_inspections.js';
import * as m0005 from './migrations/0005_register.js';
import * as m0006 from './migrations/0006_accounts.js';
import * as m0007 from './migrations/0007_phone_sign_in.js';
import * as m0008 from './migrations/0008_personal_data.js';
import * as m0009 from './migrations/0009_shared_state.js';
import * as m0010 from './migrations/0010_access_log_subjects.js';
import * as m0011 from './migrations/0011_unknown_sign_in_failures.js';
import * as m0012 from './migrations/0012_logbook_seals.js';
import * as m0013 from './migrations/0013_instruction_sessions_order.js';
import type { Database } from './tables/index.js';

// A static provider: Kysely's FileMigrationProvider cannot import .ts under vitest and does not survive bundling.
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_lock_loop': m0002,
  '0003_instructions': m0003,
  '0004_inspections': m0004,
  '0005_register': m0005,
  '0006_accounts': m0006,
  '0007_phone_sign_in': m0007,
  '0008_personal_data': m0008,
  '0009_shared_state': m0009,
  '0010_access_log_subjects': m0010,
  '0011_unknown_sign_in_failures': m0011,
  '0012_logbook_seals': m0012,
  '0013_instruction_sessions_order': m0013,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
