/**
 * Register benchmark: fills a database with N devices (default 100,000) on one site with 60 wards, two
 * recurring inspections each (about 180,000 past inspections), 5,000 people and 500,000 instruction records,
 * and measures the device list, search, the verdict (the device page after a scan, through the tRPC
 * procedure), the training matrix, the due list and recording an inspection as the API runs them (server
 * side, no HTTP). Prints p50/p95/max.
 *   npm run bench                 # SQLite file and, if reachable, PostgreSQL
 *   BENCH_DEVICES=20000 npm run bench
 */
import { performance } from 'node:perf_hooks';
import { createTestDb, testDialects } from '@medreg/db/testing';
import type { Services, SessionUser } from '../src/context.js';
import { newShortCode } from '../src/devices/short-code.js';
import { getDevice, listDevices } from '../src/devices/queries.server.js';
import { labelData } from '../src/labels/labels.server.js';
import { nextDueDate, today } from '../src/inspections/due.js';
import { dueCounts, dueList, snapshotCompliance } from '../src/inspections/due-list.server.js';
import { refreshAllObligations } from '../src/inspections/obligations.server.js';
import { trainingMatrix } from '../src/instructions/matrix.server.js';
import { countOpenLocks } from '../src/lockout/lock.server.js';
import { createCaller } from '../src/router.js';
import { dueWork, openInstructionsOf } from '../src/start/start.server.js';
import { translator } from '@medreg/i18n';

const N = Number(process.env.BENCH_DEVICES ?? 100_000);
const RUNS = 200;
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 5_000);
const INSTRUCTION_RECORDS = Number(process.env.BENCH_INSTRUCTIONS ?? 500_000);
/** People per instruction session: records = sessions × trainees. */
const PER_SESSION = 10;

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
}

async function time(label: string, run: (i: number) => Promise<unknown>, runs = RUNS) {
  for (let i = 0; i < Math.min(10, runs); i++) await run(i); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run(i);
    ms.push(performance.now() - t0);
  }
  console.log(`  ${label.padEnd(44)} ${stats(ms)}`);
}

/** Commissioning dates spread over ten years, so due dates spread too. */
const commissionedOn = (i: number) => new Date(Date.UTC(2015, 0, 1) + ((i * 37) % 3650) * 86_400_000).toISOString().slice(0, 10);

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
  const types = ['STK', 'EL'].map((code, k) => ({
    id: `00000000-0000-4000-8000-00000000000${k + 1}`, code, name_de: code, name_en: code, legal_reference: null, interval_months: 24, anchor: 'end_of_month' as const,
    performer_roles: 'technician', form: '[]', created_at: now,
  }));
  await db.insertInto('inspection_types').values(types).execute();
  await db.insertInto('model_inspection_types').values(models.flatMap((m) => types.map((t) => ({ model_id: m.id, inspection_type_id: t.id, interval_months: null })))).execute();
  // Random 7-character codes collide now and then at 100,000 devices (a birthday problem): draw again.
  const usedCodes = new Set<string>();
  const uniqueCode = (): string => {
    const c = newShortCode();
    return usedCodes.has(c) ? uniqueCode() : (usedCodes.add(c), c);
  };
  const BATCH = 1500; // SQLite binds at most 32,766 parameters per statement, PostgreSQL 65,535
  for (let start = 0; start < N; start += BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++)
      rows.push({
        id: crypto.randomUUID(), code: uniqueCode(), inventory_number: `MT-${String(100000 + i)}`, model_id: `m${i % 200}`,
        serial_number: `SN${(i * 7919) % 1_000_000}`, lot_number: null, acquired_year: 2020, commissioned_on: commissionedOn(i),
        site_id: 's', department_id: `dep${i % 60}`, room_id: null, status: 'in_service' as const, udi_di: null, notified_body: null,
        device_class: null, notes: null, decommissioned_on: null, created_at: now, updated_at: now,
      });
    await db.insertInto('devices').values(rows).execute();
  }
  console.log(`\n${dialect}: ${N.toLocaleString('en')} devices inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // People: ward 0 has exactly 60 (the matrix case), the rest spread over the other wards.
  const t1 = performance.now();
  const people = Array.from({ length: PEOPLE }, (_, i) => ({
    id: `u${i}`, name: `Person ${i}`, email: `u${i}@bench`, email_verified: dialect === 'postgres' ? true : 1, image: null, created_at: now,
    updated_at: now, role: 'nurse' as const, phone: null, locale: null, blocked_at: null,
  }));
  for (let start = 0; start < people.length; start += 1000) {
    await db.insertInto('users').values(people.slice(start, start + 1000)).execute();
    await db
      .insertInto('user_departments')
      .values(people.slice(start, start + 1000).map((p, k) => ({ user_id: p.id, department_id: start + k < 60 ? 'dep0' : `dep${1 + ((start + k) % 59)}` })))
      .execute();
  }
  // Instruction sessions of ten people each on a model, over three years; some expire yearly.
  const sessions = Math.ceil(INSTRUCTION_RECORDS / PER_SESSION);
  for (let start = 0; start < sessions; start += 2000) {
    const rows = [];
    const trainees = [];
    for (let i = start; i < Math.min(sessions, start + 2000); i++) {
      const day = new Date(Date.UTC(2024, 0, 1) + (i % 1000) * 86_400_000).toISOString().slice(0, 10);
      rows.push({
        id: `i${i}`, model_id: `m${(i * 37) % 200}`, site_id: 's', instructor_user_id: null, instructor_name: 'Hersteller', instructor_role: 'manufacturer' as const,
        method: 'on_device' as const, instructed_on: day, software_version: null, valid_until: i % 3 === 0 ? null : nextDueDate(day, 12, 'exact'),
        remark: null, recorded_by: 'u0', recorded_at: now,
      });
      for (let k = 0; k < PER_SESSION; k++) trainees.push({ instruction_id: `i${i}`, user_id: `u${(i * PER_SESSION + k * 131) % PEOPLE}`, confirmed_at: null, confirmation: null });
    }
    await db.insertInto('instructions').values(rows).execute();
    for (let k = 0; k < trainees.length; k += 5000) await db.insertInto('instruction_trainees').values(trainees.slice(k, k + 5000)).execute();
  }
  console.log(`${dialect}: ${PEOPLE.toLocaleString('en')} people, ${(sessions * PER_SESSION).toLocaleString('en')} instruction records in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  // Past inspections: nine in ten obligations were inspected 1 to 30 months ago (so some are overdue); every
  // 500th device failed its last one. Rows go straight in: the chain's hashes do not matter here.
  const t2 = performance.now();
  const todayDate = today(new Date());
  const deviceRows = await db.selectFrom('devices').select(['id', 'code', 'department_id']).orderBy('inventory_number').execute();
  let entries = 0;
  for (let start = 0; start < deviceRows.length; start += 1000) {
    const rows = [];
    for (const [k, d] of deviceRows.slice(start, start + 1000).entries()) {
      const i = start + k;
      for (const [seq, type] of types.entries()) {
        if ((i + seq) % 10 === 3) continue;
        const on = new Date(Date.parse(`${todayDate}T00:00:00Z`) - (30 + ((i * 13 + seq * 101) % 900)) * 86_400_000).toISOString().slice(0, 10);
        const failed = seq === 1 && i % 500 === 0;
        rows.push({
          id: crypto.randomUUID(), device_id: d.id, seq: seq + 1, kind: 'inspection' as const, occurred_at: `${on}T10:00:00.000Z`, recorded_at: now,
          recorded_by: 'u0', performed_by: null, result: failed ? ('failed' as const) : ('passed' as const), text: null, corrects_entry_id: null,
          inspection_type_id: type.id, test_instrument_id: null, due_on: null, next_due_on: failed ? on : nextDueDate(on, 24, 'end_of_month'),
          details: null, prev_hash: 'bench', hash: 'bench',
        });
      }
    }
    entries += rows.length;
    await db.insertInto('logbook_entries').values(rows).execute();
  }
  console.log(`${dialect}: ${entries.toLocaleString('en')} past inspections in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  const t3 = performance.now();
  await refreshAllObligations(db, todayDate);
  console.log(`${dialect}: stored obligations of all ${N.toLocaleString('en')} devices rebuilt in ${((performance.now() - t3) / 1000).toFixed(1)} s`);

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

  // The verdict as a nurse gets it after a scan: the devices.get procedure (lock, due dates, her instructions).
  const services = { db, dialect, now: () => new Date(), baseUrl: 'http://x' } as unknown as Services;
  const wardNurse = (i: number): SessionUser => ({ ...manager, id: `u${i % 60}`, role: 'nurse', departmentIds: ['dep0'] });
  const ward0 = (await db.selectFrom('devices').select('code').where('department_id', '=', 'dep0').limit(RUNS).execute()).map((r) => r.code);
  await time('verdict: device page after a scan (nurse)', (i) =>
    createCaller({ services, user: wardNurse(i), locale: 'de', t: translator('de') }).devices.get({ code: ward0[i % ward0.length]! }),
  );
  const matrix = await trainingMatrix(db, todayDate, { departmentId: 'dep0' });
  await time(`matrix: ward of ${matrix.people.length} people × ${matrix.models.length} models`, () => trainingMatrix(db, todayDate, { departmentId: 'dep0' }));
  await time('nurse start page: instructions she lacks', (i) => openInstructionsOf(db, wardNurse(i), todayDate));
  await time(`technician start page: due work over all ${N.toLocaleString('en')} devices`, () => dueWork(db, manager, todayDate));

  // The due list (issue 4 targets: a ward's first page < 20 ms p95, a whole site's counts < 100 ms p95).
  const ward = (i: number) => `dep${i % 60}`;
  await time("due list: a ward's first page (open work)", (i) => dueList(db, manager, { departmentId: ward(i), window: 'open', page: 1, pageSize: 50 }, todayDate));
  await time("due list: a ward's overdue, first page", (i) => dueList(db, manager, { departmentId: ward(i), window: 'overdue', page: 1, pageSize: 50 }, todayDate));
  await time(`due list: whole site (${N.toLocaleString('en')} devices), first page`, () => dueList(db, manager, { siteId: 's', window: 'open', page: 1, pageSize: 50 }, todayDate), 50);
  await time(`due counts + compliance: whole site, per ward`, () => dueCounts(db, manager, { siteId: 's' }, todayDate), 50);
  await time('compliance snapshot of the day (all wards)', () => snapshotCompliance(db, todayDate, todayDate), 10);

  // Recording an inspection through the tRPC procedure: the entry, the chain and the stored obligation.
  const tech: SessionUser = { ...manager, id: 'u1', role: 'technician' };
  const recordCaller = createCaller({ services: { ...services, files: undefined }, user: tech, locale: 'de', t: translator('de') } as never);
  const recordIds = deviceRows.filter((_, i) => i % 97 === 5).map((d) => d.id);
  await time('record an inspection (tRPC, moves the due date)', (i) =>
    recordCaller.inspections.record({ deviceId: recordIds[i % recordIds.length]!, inspectionTypeId: types[0]!.id, performedOn: todayDate, result: 'passed' }),
  );
  await t.drop();
}
