// `npm run backup -- <target-dir>`: a consistent backup of the configured installation (DATA_DIR or DATABASE_URL, as
// the app reads them) while it keeps serving. Exit code 0: written and checked; 1: refused or failed.
import { configFromEnv } from '../services.server.js';
import { createBackup, OperationError } from '../operations/backup.server.js';

// npm runs workspace scripts in the package's folder; relative paths mean where the command was typed.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const target = process.argv[2];
if (!target || process.argv.length > 3) {
  console.error('Usage: npm run backup -- <target-dir>   (a new or empty directory)');
  process.exit(1);
}
const config = configFromEnv();
const started = performance.now();
try {
  const m = await createBackup({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, target });
  const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Backup written to ${target} in ${seconds} s: ${m.database.kind} snapshot ${m.database.file} (${m.database.bytes} bytes, sha256 ${m.database.sha256}),`);
  console.log(`${rows} rows in ${Object.keys(m.tables).length} tables, ${m.files.count} files (${m.files.bytes} bytes). Content hash ${m.contentSha256}.`);
} catch (e) {
  console.error(e instanceof OperationError ? `Backup failed: ${e.message}` : e);
  process.exitCode = 1;
}
