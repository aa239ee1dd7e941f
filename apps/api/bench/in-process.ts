/**
 * The device page and recording an inspection called in-process, on a copy of a database the HTTP benchmark kept
 * (`--keep`): CPU and wall time per call without HTTP and without other clients on the cores, the page's JSON size,
 * and how many pages one inspection writes into SQLite's log (and into which tables and indexes). These move little
 * with a busy host, where the HTTP benchmark's throughput can differ by half between two runs of the same code.
 *   npm run bench:in-process -w @medreg/api -- /tmp/medreg-http-bench-…/medreg.sqlite [calls]
 */
import { execSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { createCaller, today, type Services } from '@medreg/core';
import { FileStore } from '@medreg/core/bench';
import { createDb, migrateToLatest, type Database } from '@medreg/db';
import { translator } from '@medreg/i18n';

export interface InProcessFigures {
  page: { wallMs: number; cpuMs: number; systemMs: number; jsonBytes: number };
  record: { wallMs: number; cpuMs: number; systemMs: number };
  /** Pages written into SQLite's log per inspection, in all and by table or index. */
  logPages: number;
  logPagesByTree: Array<[string, number]>;
}

export async function inProcessBench(source: string, calls: number): Promise<InProcessFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'medreg-in-process-'));
  try {
    const file = join(dir, 'medreg.sqlite');
    copyFileSync(source, file);
    // The copy's pages would otherwise be written back to disk while the measurement runs.
    execSync('sync');
    // No checkpoints, so that the log keeps every page the inspections wrote.
    const database = createDb({ sqliteFile: file });
    try {
      await migrateToLatest(database.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
      await sql`pragma wal_autocheckpoint = 0`.execute(database.db);
      return await measureAll(database.db, dir, file, calls);
    } finally {
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(n: number, call: (i: number) => Promise<number | void>) {
  for (let i = 0; i < Math.min(500, n); i++) await call(n + i); // warm-up on other devices
  let extra = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) extra += (await call(i)) ?? 0;
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: wall / n, cpuMs: (cpu.user + cpu.system) / 1000 / n, systemMs: cpu.system / 1000 / n, extra: extra / n };
}

async function measureAll(db: Kysely<Database>, dir: string, file: string, calls: number): Promise<InProcessFigures> {
  const services = { db, dialect: 'sqlite', files: new FileStore(dir), baseUrl: 'http://localhost', now: () => new Date() } as unknown as Services;
  const tech = await db.selectFrom('users').select(['id', 'email']).where('role', '=', 'technician').executeTakeFirstOrThrow();
  const user = { id: tech.id, name: tech.email, email: tech.email, role: 'technician' as const, phone: null, departmentIds: [] };
  const api = createCaller({ services, user, locale: 'de', t: translator('de') });
  const devices = await db.selectFrom('devices').select(['id', 'code', 'status']).orderBy('inventory_number').execute();
  const pick = (i: number) => devices[(i * 7919 + 13) % devices.length]!;

  const { extra: jsonBytes, ...page } = await measure(calls, async (i) => JSON.stringify(await api.devices.page({ code: pick(i).code })).length);

  const el = (await db.selectFrom('inspection_types').select('id').where('code', '=', 'EL-62353').executeTakeFirstOrThrow()).id;
  const instrument = (await db.selectFrom('test_instruments').select('id').executeTakeFirstOrThrow()).id;
  const inService = devices.filter((d) => d.status === 'in_service');
  const values = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '40', functional: 'pass' };
  const before = statSync(`${file}-wal`).size;
  const { extra: _, ...record } = await measure(calls, (i) =>
    api.inspections
      .record({ deviceId: inService[(i * 7919 + 13) % inService.length]!.id, inspectionTypeId: el, performedOn: today(new Date()), result: 'passed', values, testInstrumentId: instrument })
      .then(() => undefined),
  );

  // The log's frames (a 24-byte header, then the page) since the warm-up began, by the B-tree each page belongs to.
  const log = readFileSync(`${file}-wal`);
  const pageSize = log.readUInt32BE(8);
  const frames: number[] = [];
  for (let at = Math.max(32, before); at + 24 + pageSize <= log.length; at += 24 + pageSize) frames.push(log.readUInt32BE(at));
  const reader = new SQLite(file, { readonly: true });
  const owner = new Map<number, string>();
  for (const r of reader.prepare('select name, pageno from dbstat').iterate() as Iterable<{ name: string; pageno: number }>) owner.set(r.pageno, r.name);
  reader.close();
  const inspections = calls + Math.min(500, calls);
  const byTree = new Map<string, number>();
  for (const p of frames) byTree.set(owner.get(p) ?? '(free)', (byTree.get(owner.get(p) ?? '(free)') ?? 0) + 1);
  return {
    page: { ...page, jsonBytes },
    record,
    logPages: frames.length / inspections,
    logPagesByTree: [...byTree].map(([tree, n]): [string, number] => [tree, n / inspections]).sort((a, b) => b[1] - a[1]),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const source = process.argv[2];
  if (!source) throw new Error('usage: in-process.ts <medreg.sqlite kept by the HTTP benchmark> [calls]');
  const f = await inProcessBench(source, Number(process.argv[3] ?? 2000));
  const ms = (x: number) => x.toFixed(3);
  console.log(`device page (technician): ${ms(f.page.wallMs)} ms wall, ${ms(f.page.cpuMs)} ms CPU (${ms(f.page.systemMs)} system) per call, ${Math.round(f.page.jsonBytes)} bytes of JSON per page`);
  console.log(`record an inspection: ${ms(f.record.wallMs)} ms wall, ${ms(f.record.cpuMs)} ms CPU (${ms(f.record.systemMs)} system) per call`);
  console.log(`log pages per inspection: ${f.logPages.toFixed(1)}`);
  for (const [tree, n] of f.logPagesByTree) console.log(`  ${n.toFixed(2).padStart(6)}  ${tree}`);
}
