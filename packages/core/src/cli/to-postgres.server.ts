import type { Kysely } from 'kysely';
import { copyToPostgres, migrateToLatest, rowCounts, type CopyProgress, type CopyResult, type Database } from '@medreg/db';
import { verifyAllChains, type CheckResult } from '../logbook/verify.server.js';

export interface MigrationReport {
  copy: CopyResult;
  /** Rows per table in the SQLite register and in PostgreSQL after the copy. */
  counts: { table: string; source: number; target: number }[];
  countsEqual: boolean;
  /** The verification of every logbook hash chain on PostgreSQL (recorded there in `chain_checks`). */
  chains: CheckResult;
}

/**
 * Moves a SQLite register into an empty PostgreSQL database: both schemas to the latest migration, every table
 * copied in one transaction (ids kept), then the row counts compared and every logbook chain verified on the target.
 * Derived data needs no rebuild: the stored obligations and compliance history are copied as they are, and
 * PostgreSQL's text index of `file_texts` is an expression index kept by the inserts themselves.
 */
export async function migrateToPostgres(
  source: Kysely<Database>,
  target: Kysely<Database>,
  opts: { now: () => Date; onCopy?: (p: CopyProgress) => void; onVerify?: (done: number, total: number) => void },
): Promise<MigrationReport> {
  // The same schema version on both sides (a no-op where the app already migrated it).
  await migrateToLatest(source);
  await migrateToLatest(target);
  // One read transaction on SQLite: the copy and its counts see one state of the register.
  const { copy, sourceCounts } = await source.transaction().execute(async (trx) => {
    const copy = await copyToPostgres(trx, target, { onProgress: opts.onCopy });
    return { copy, sourceCounts: await rowCounts(trx, copy.tables.map((t) => t.name)) };
  });
  const targetCounts = await rowCounts(target, [...sourceCounts.keys()]);
  const counts = [...sourceCounts].map(([table, n]) => ({ table, source: n, target: targetCounts.get(table)! }));
  const chains = await verifyAllChains(target, { startedBy: null, now: opts.now, onProgress: opts.onVerify });
  return { copy, counts, countsEqual: counts.every((c) => c.source === c.target), chains };
}
