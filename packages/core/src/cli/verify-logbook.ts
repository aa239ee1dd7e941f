// `npm run verify-logbook`: verifies every device's logbook hash chain in the configured database (DATA_DIR or
// DATABASE_URL, as the app reads them), records the check, prints the first broken entry of every broken chain.
// Exit code 0: all chains intact; 1: a chain is broken; 2: the check could not run.
import { createDb, migrateToLatest } from '@medreg/db';
import { configFromEnv } from '../services.server.js';
import { verifyAllChains } from '../logbook/verify.server.js';

// npm runs workspace scripts in the package's folder; relative paths mean where the command was typed.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const config = configFromEnv();
const database = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  // Same schema as the app would run on it (a no-op on a current database).
  await migrateToLatest(database.db);
  const started = performance.now();
  let shown = -1;
  const result = await verifyAllChains(database.db, {
    startedBy: null,
    now: () => new Date(),
    onProgress: (done, total) => {
      const pct = total ? Math.floor((done / total) * 100) : 100;
      if (pct !== shown && process.stderr.isTTY) process.stderr.write(`\r${pct} % (${done} / ${total} devices)`);
      shown = pct;
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Checked ${result.entries} logbook entries of ${result.devices} devices in ${seconds} s.`);
  for (const f of result.findings)
    console.log(`BROKEN  device ${f.inventoryNumber} (code ${f.code}, id ${f.deviceId}): entry #${f.seq} (id ${f.entryId}), ${f.reason}`);
  if (result.broken > result.findings.length) console.log(`… and ${result.broken - result.findings.length} more broken chains.`);
  console.log(result.broken === 0 ? 'All chains intact.' : `${result.broken} broken chain(s).`);
  process.exitCode = result.broken === 0 ? 0 : 1;
} catch (err) {
  console.error('The check could not run:', err);
  process.exitCode = 2;
} finally {
  await database.close();
}
