// `npm run restore -- <backup-dir> [--force]`: restores a backup into the configured installation (DATA_DIR or
// DATABASE_URL) while the app is stopped, proves the restored data matches the manifest and verifies every logbook
// chain. Exit code 0: restored, all chains intact; 1: refused, failed, or a chain is broken.
import { configFromEnv } from '../services.server.js';
import { OperationError } from '../operations/backup.server.js';
import { restoreBackup } from '../operations/restore.server.js';

if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const args = process.argv.slice(2);
const force = args.includes('--force');
const positional = args.filter((a) => a !== '--force');
if (positional.length !== 1 || positional[0]!.startsWith('-')) {
  console.error('Usage: npm run restore -- <backup-dir> [--force]   (--force replaces existing data)');
  process.exit(1);
}
const config = configFromEnv();
try {
  const { chains } = await restoreBackup({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, source: positional[0]!, force, log: (l) => console.log(l) });
  console.log(`Checked ${chains.entries} logbook entries of ${chains.devices} devices.`);
  for (const f of chains.findings) console.log(`BROKEN  device ${f.inventoryNumber} (code ${f.code}): entry #${f.seq} (id ${f.entryId}), ${f.reason}`);
  console.log(chains.broken === 0 ? 'Restored. All chains intact.' : `Restored, but ${chains.broken} logbook chain(s) are broken.`);
  process.exitCode = chains.broken === 0 ? 0 : 1;
} catch (e) {
  console.error(e instanceof OperationError ? `Restore refused: ${e.message}` : e);
  process.exitCode = 1;
}
