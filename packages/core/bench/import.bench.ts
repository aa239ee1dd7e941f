/**
 * Import benchmark: a generated CSV of N devices (default 100,000) of the demo hospital's models and wards,
 * read and checked (the dry run), then imported (devices, first logbook entries, obligations) in one
 * transaction, through the tRPC procedures as the import page calls them (server side, no HTTP).
 *   npm run bench -w @medreg/core         # SQLite file and, if reachable, PostgreSQL
 *   BENCH_IMPORT_ROWS=20000 npx tsx bench/import.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { testDialects } from '@medreg/db/testing';
import { createTestApp } from '../src/testing.js';
import { generatedRegisterCsv } from '../src/imports/generate.js';
import { importFinished } from '../src/imports/run.server.js';
import { registerCsv } from '../src/imports/export.server.js';
import { translator } from '@medreg/i18n';

const N = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const csv = generatedRegisterCsv(N);
console.log(`Import benchmark: ${N.toLocaleString('en')} rows, ${(Buffer.byteLength(csv) / 1024 / 1024).toFixed(1)} MB CSV`);
for (const dialect of testDialects) {
  const app = await createTestApp(dialect);
  try {
    const manager = await app.as('manager');
    const t0 = performance.now();
    const up = await manager.imports.upload({ file: new File([csv], 'bench.csv') });
    const t1 = performance.now();
    const check = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    const t2 = performance.now();
    if (check.problemCount > 0) throw new Error(`the generated file has problems: ${check.problems[0]?.message}`);
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    const t3 = performance.now();
    const progress = await manager.imports.progress({ importId });
    if (progress.created !== N) throw new Error(`import ${progress.phase}: ${progress.error}`);
    // The export of the whole register (the demo hospital's devices and the imported ones), read to the end.
    const user = { id: await app.userId('technician'), name: 'T', email: 't', role: 'technician' as const, phone: null, departmentIds: [] };
    const t4 = performance.now();
    let bytes = 0;
    for await (const chunk of (await registerCsv(app.services, user, {}, 'de', translator('de'))).chunks) bytes += chunk.length;
    const t5 = performance.now();
    console.log(
      `  ${dialect.padEnd(9)} parse ${seconds(t1 - t0)}  dry run ${seconds(t2 - t1)}  import ${seconds(t3 - t2)} (with the start's check)  export ${seconds(t5 - t4)} (${(bytes / 1024 / 1024).toFixed(1)} MB)`,
    );
  } finally {
    await app.close();
  }
}
