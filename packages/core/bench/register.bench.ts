/**
 * Register benchmark: fills a database with N devices (default 100,000) and measures the device list and
 * search as the API runs them (server side, no HTTP). Prints p50/p95/max per query kind.
 *   npm run bench                 # SQLite file and, if reachable, PostgreSQL
 *   BENCH_DEVICES=20000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { createTestDb, testDialects } from '@medreg/db/testing';
import type { SessionUser } from '../src/context.js';
import { newShortCode } from '../src/devices/short-code.js';
import { getDevice, listDevices } from '../src/devices/queries.server.js';
import { labelData } from '../src/labels/labels.server.js';
import { countOpenLocks } from '../src/lockout/lock.server.js';

const N = Number(process.env.BENCH_DEVICES ?? 100_000);
const RUNS = 200;

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
}

async function time(label: string, run: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 10; i++) await run(i); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run(i);
    ms.push(performance.now() - t0);
  }
  console.log(`  ${label.padEnd(44)} ${stats(ms)}`);
}

for (const dialect of testDialects) {
  const t = await createTestDb(dialect);
  const { db } = t;
  const now = new Date().toISOString();
  const t0 = performance.now();
  await db.insertInto('sites').values({ id: 's', name: 'Site', address: null, created_at: now }).execute();
  const deps = Array.from({ length: 60 }, (_, i) => ({ id: `dep${i}`, site_id: 's', building_id: null, name: `Station ${i}`, kind: 'ward' as const, cost_centre: null }));
  await db.insertInto('departments').values(deps).execute();
  await db.insertInto('manufacturers').values({ id: 'mf', name: 'B. Braun', address: 'Melsungen', country: null }).execute();
  const models = Array.from({ length: 200 }, (_, i) => ({
    id: `m${i}`, manufacturer_id: 'mf', name: `Modell ${i} Perfusor`, kind: 'Pumpe', type_designation: `T${i}`, anlage1: 1, anlage2: 0,
    software_version: null, device_class: null, protection_class: null, applied_part: null, instruction_validity_months: null, created_at: now,
  }));
  await db.insertInto('device_models').values(models).execute();
  // Two recurring inspections on every model, so label data computes real due dates.
  const types = ['STK', 'EL'].map((code) => ({
    id: `it-${code}`, code, name_de: code, name_en: code, legal_reference: null, interval_months: 24, anchor: 'end_of_month' as const,
    performer_roles: 'technician', form: '[]', created_at: now,
  }));
  await db.insertInto('inspection_types').values(types).execute();
  await db.insertInto('model_inspection_types').values(models.flatMap((m) => types.map((t) => ({ model_id: m.id, inspection_type_id: t.id, interval_months: null })))).execute();
  const BATCH = 1500; // SQLite binds at most 32,766 parameters per statement, PostgreSQL 65,535
  for (let start = 0; start < N; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++)
      rows.push({
        id: crypto.randomUUID(), code: newShortCode(), inventory_number: `MT-${String(100000 + i)}`, model_id: `m${i % 200}`,
        serial_number: `SN${(i * 7919) % 1_000_000}`, lot_number: null, acquired_year: 2020, commissioned_on: '2020-01-01',
        site_id: 's', department_id: `dep${i % 60}`, room_id: null, status: 'in_service' as const, udi_di: null, notified_body: null,
        device_class: null, notes: null, decommissioned_on: null, created_at: now, updated_at: now,
      });
    await db.insertInto('devices').values(rows).execute();
  }
  console.log(`\n${dialect}: ${N.toLocaleString('en')} devices inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const manager: SessionUser = { id: 'x', name: 'M', email: 'm@x', role: 'manager', phone: null, departmentIds: [] };
  const nurse: SessionUser = { ...manager, role: 'nurse', departmentIds: ['dep1', 'dep2'] };
  const codes = (await db.selectFrom('devices').select('code').limit(RUNS + 10).execute()).map((r) => r.code);
  await time('list, page 1 (manager)', () => listDevices(db, manager, { page: 1, pageSize: 25 }));
  await time('list, page 40 (manager)', () => listDevices(db, manager, { page: 40, pageSize: 25 }));
  await time('list, own wards (nurse)', () => listDevices(db, nurse, { page: 1, pageSize: 25 }));
  await time('search inventory number prefix "MT-1234"', (i) => listDevices(db, manager, { q: `MT-1${String(234 + i).padStart(3, '0')}`, page: 1, pageSize: 25 }));
  await time('search serial prefix', (i) => listDevices(db, manager, { q: `SN${1000 + i}`, page: 1, pageSize: 25 }));
  await time('search name "Modell 17"', (i) => listDevices(db, manager, { q: `Modell ${i % 200}`, page: 1, pageSize: 25 }));
  await time('label data, 100 devices (number prefix)', (i) => labelData(db, manager, { q: `MT-1${String(100 + (i % 899)).padStart(3, '0')}` }, 'http://x', new Date()));
  await time('open-lock count on the device list (manager)', () => countOpenLocks(db, manager));
  await time('device by label code', (i) => getDevice(db, manager, { code: codes[i % codes.length]! }));
  await t.drop();
}
