// `npm run migrate-to-postgres -- --from <DATA_DIR or SQLite file> --to <postgres://…>`: moves a SQLite register into
// a new, empty PostgreSQL database, then compares the row counts and verifies every logbook chain there.
// Exit code 0: migrated and verified; 1: refused (target not empty) or the check found a difference; 2: could not run.
// The uploaded files stay in DATA_DIR/files: keep DATA_DIR and start the app with DATABASE_URL set.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, NonEmptyTargetError } from '@medreg/db';
import { migrateToPostgres } from './to-postgres.server.js';

// npm runs workspace scripts in the package's folder; relative paths mean where the command was typed.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const usage = 'Usage: npm run migrate-to-postgres -- --from <DATA_DIR or medreg.sqlite> --to postgres://user@host:5432/database';

function sqliteFile(from: string): string {
  const path = resolve(from);
  if (!existsSync(path)) throw new UsageError(`Nothing at ${path}: give the DATA_DIR of the SQLite register or its medreg.sqlite file.`);
  const file = statSync(path).isDirectory() ? join(path, 'medreg.sqlite') : path;
  if (!existsSync(file)) throw new UsageError(`${path} holds no medreg.sqlite: give the DATA_DIR of the SQLite register or its medreg.sqlite file.`);
  return file;
}

class UsageError extends Error {}

const live = process.stderr.isTTY;
const status = (line: string) => live && process.stderr.write(`\r\x1b[2K${line}`);

async function main(): Promise<number> {
  let from: string;
  let to: string;
  try {
    const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } }, strict: true });
    if (!values.from || !values.to) throw new UsageError('Both --from and --to are needed.');
    if (!/^postgres(ql)?:\/\//.test(values.to)) throw new UsageError(`--to must be a postgres:// URL, not ${values.to}.`);
    from = sqliteFile(values.from);
    to = values.to;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }

  const source = createDb({ sqliteFile: from });
  const target = createDb({ databaseUrl: to });
  console.log(`From ${source.target} to ${target.target}`);
  try {
    const report = await migrateToPostgres(source.db, target.db, {
      now: () => new Date(),
      onCopy: (p) => {
        status(`${p.table}: ${p.tableDone} / ${p.tableRows} rows · all tables ${p.done} / ${p.total} · ${Math.round(p.rowsPerSecond)} rows/s`);
        if (p.tableDone === p.tableRows) {
          status('');
          console.log(`  ${p.table}: ${p.tableRows} rows in ${p.tableSeconds.toFixed(1)} s (${Math.round(p.tableRows / Math.max(p.tableSeconds, 0.001))} rows/s)`);
        }
      },
      onVerify: (done, total) => status(`Verifying logbook chains: ${done} / ${total} devices`),
    });
    status('');
    const { copy, chains } = report;
    const empty = copy.tables.filter((t) => t.rows === 0).map((t) => t.name);
    if (empty.length) console.log(`  (no rows: ${empty.join(', ')})`);
    console.log(`Copied ${copy.rows} rows of ${copy.tables.length} tables in ${copy.seconds.toFixed(1)} s (${Math.round(copy.rows / Math.max(copy.seconds, 0.001))} rows/s).`);
    for (const c of report.counts.filter((c) => c.source !== c.target)) console.log(`DIFFERENT  ${c.table}: ${c.source} rows in SQLite, ${c.target} in PostgreSQL`);
    if (report.countsEqual) console.log('Row counts equal in every table.');
    console.log(`Checked ${chains.entries} logbook entries of ${chains.devices} devices on PostgreSQL: ${chains.broken === 0 ? 'all chains intact.' : `${chains.broken} broken chain(s).`}`);
    for (const f of chains.findings) console.log(`BROKEN  device ${f.inventoryNumber} (id ${f.deviceId}): entry #${f.seq} (id ${f.entryId}), ${f.reason}`);
    if (!report.countsEqual || chains.broken > 0) return 1;
    console.log('Done. Keep DATA_DIR (uploaded files, auth secret) and start the app with DATABASE_URL set to the --to URL.');
    return 0;
  } catch (err) {
    status('');
    if (err instanceof NonEmptyTargetError) {
      console.error(`Refused: ${err.message} Nothing was copied.`);
      return 1;
    }
    console.error('The migration stopped (the copy is one transaction: PostgreSQL holds all rows or none):', err);
    return 2;
  } finally {
    await source.close();
    await target.close();
  }
}

process.exitCode = await main();
