// `npm run verify-logbook`: verifies every device's logbook hash chain in the configured database (DATA_DIR or
// DATABASE_URL, as the app reads them), records the check, prints the first broken entry of every broken chain and
// the check's seal (to keep outside the application). `-- --seal <file>` compares the logbooks with a kept seal too.
// Exit code 0: all chains intact (and the seal matches); 1: a chain is broken or the seal does not match; 2: the
// check could not run.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '@medreg/db';
import { configFromEnv } from '../services.server.js';
import { parseSeal, sealText } from '../logbook/seal.js';
import { compareSeal, verifyAllChains } from '../logbook/verify.server.js';

// npm runs workspace scripts in the package's folder; relative paths mean where the command was typed.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const { values: args } = parseArgs({ options: { seal: { type: 'string' } } });
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
  console.log(`\nKeep this seal outside the application:\n${sealText({ ...result, checkId: result.id })}`);
  let sealMatches = true;
  if (args.seal) {
    const kept = parseSeal(readFileSync(args.seal, 'utf8'));
    if (!kept) throw new Error(`${args.seal} is not a seal: it needs the line "Sealed at: …" and the 64 characters after "Seal:".`);
    const { matches, devices } = await compareSeal(database.db, kept);
    sealMatches = matches;
    console.log(
      matches
        ? `The seal of ${kept.sealedAt.toISOString()} matches: nothing recorded up to then was changed, removed or added (${devices} devices).`
        : `The seal of ${kept.sealedAt.toISOString()} does NOT match: entries recorded up to then were changed, removed or added since.`,
    );
  }
  process.exitCode = result.broken === 0 && sealMatches ? 0 : 1;
} catch (err) {
  console.error('The check could not run:', err);
  process.exitCode = 2;
} finally {
  await database.close();
}
