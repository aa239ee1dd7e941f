/**
 * The benchmark through the real HTTP API (see http-bench.ts and docs/performance.md).
 *   npm run bench -w @medreg/api                          # 100,000 devices, SQLite, then PostgreSQL if reachable
 *   npm run bench -w @medreg/api -- --devices 1000000     # a million devices
 *   BENCH_SECONDS=5 npm run bench -w @medreg/api -- --only sqlite --keep
 * Flags (or environment variables): --devices (BENCH_DEVICES), --users (BENCH_PEOPLE), --entries
 * (BENCH_ENTRIES), --instructions (BENCH_INSTRUCTIONS), --concurrency (BENCH_CONCURRENCY), --seconds
 * (BENCH_SECONDS), --import-rows (BENCH_IMPORT_ROWS), --only sqlite|postgres, --keep (keep the database),
 * --scenario <words> (only scenarios whose name contains one of the comma-separated words, e.g. "device page,record"),
 * --processes (BENCH_PROCESSES: server processes on the port, node:cluster; default 1).
 */
import { parseArgs } from 'node:util';
import { testDialects } from '@medreg/db/testing';
import type { Dialect } from '@medreg/db';
import { formatTable, machine, runHttpBench } from './http-bench.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string' },
    users: { type: 'string' },
    entries: { type: 'string' },
    instructions: { type: 'string' },
    concurrency: { type: 'string' },
    seconds: { type: 'string' },
    'import-rows': { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean' },
    scenario: { type: 'string' },
    processes: { type: 'string' },
  },
});
const num = (flag: string | undefined, env: string | undefined, fallback: number) => {
  const v = Number((flag ?? env ?? String(fallback)).replace(/[_,]/g, ''));
  if (!Number.isFinite(v) || v < 0) throw new Error(`not a number: ${flag ?? env}`);
  return Math.floor(v);
};
const env = process.env;
const devices = num(values.devices, env.BENCH_DEVICES, 100_000);
const options = {
  devices,
  users: num(values.users, env.BENCH_PEOPLE, 5_000),
  // The hospital group: ten logbook entries per device (1,000,000 at the default size).
  entries: num(values.entries, env.BENCH_ENTRIES, devices * 10),
  instructions: num(values.instructions, env.BENCH_INSTRUCTIONS, 500_000),
  concurrency: num(values.concurrency, env.BENCH_CONCURRENCY, 32),
  seconds: num(values.seconds, env.BENCH_SECONDS, 10),
  importRows: num(values['import-rows'], env.BENCH_IMPORT_ROWS, 1_000),
  dialects: values.only ? [values.only as Dialect].filter((d) => testDialects.includes(d)) : testDialects,
  keep: values.keep ?? false,
  scenarios: values.scenario?.split(',').map((w) => w.trim()).filter(Boolean),
  processes: Math.max(1, num(values.processes, env.BENCH_PROCESSES, 1)),
};
if (options.dialects.length === 0) throw new Error(`--only ${values.only}: not sqlite or a reachable postgres`);
console.log(`HTTP API benchmark on ${machine()}`);
console.log(
  `${options.devices.toLocaleString('en')} devices, ${options.users.toLocaleString('en')} people, ${options.entries.toLocaleString('en')} logbook entries, ` +
    `${options.instructions.toLocaleString('en')} instruction records; ${options.concurrency} clients, ${options.seconds} s per scenario; ` +
    `${options.processes} server process${options.processes > 1 ? 'es' : ''}\n`,
);
const result = await runHttpBench(options);
console.log(`\n${formatTable(result.rows)}\n`);
console.log(
  'ratio = API p95 / (SQL p95 + HTTP floor p95 × requests per operation), under load (all clients) and from one client (ratio 1, ' +
    'where no latency includes a queue). Targets (issue): ratio 1 ≤ 3; on SQLite ≥ 2,000 device pages/s and ≥ 300 inspections/s.',
);
console.log(`Load average after the run: ${machine().split('load average ')[1]}`);
const failed = result.rows.filter((r) => r.errors > 0);
if (failed.length) {
  console.error(`\n${failed.length} scenario(s) had errors, e.g. ${failed[0]!.scenario}: ${failed[0]!.firstError}`);
  process.exitCode = 1;
}
