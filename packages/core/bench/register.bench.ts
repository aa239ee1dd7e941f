/**
 * Register benchmark: fills a database with N devices (default 100,000) on one site with 60 wards, two
 * recurring inspections each (about 180,000 past inspections), 5,000 people and 500,000 instruction records,
 * and measures the device list, search, the verdict (the device page after a scan, through the tRPC
 * procedure), the training matrix, the due list and recording an inspection as the API runs them (server
 * side, no HTTP). Prints p50/p95/max.
 *   npm run bench                 # SQLite file and, if reachable, PostgreSQL
 *   BENCH_DEVICES=20000 npm run bench
 *   BENCH_ONLY=list BENCH_INSTRUCTIONS=0 npx tsx bench/register.bench.ts   # the device list and search only
 */
import { performance } from 'node:perf_hooks';
import { createTestDb, testDialects } from '@medreg/db/testing';
import type { Services, SessionUser } from '../src/context.js';
import { newShortCode } from '../src/devices/short-code.js';
import { getDevice, listDevices, type DeviceListQuery } from '../src/devices/queries.server.js';
import { labelData } from '../src/labels/labels.server.js';
import { nextDueDate, today } from '../src/inspections/due.js';
import { dueCounts, dueList, snapshotCompliance } from '../src/inspections/due-list.server.js';
import { refreshAllObligations } from '../src/inspections/obligations.server.js';
import { trainingMatrix } from '../src/instructions/matrix.server.js';
import { countOpenLocks } from '../src/lockout/lock.server.js';
import { createCaller } from '../src/router.js';
import { dueWork, openInstructionsOf } from '../src/start/start.server.js';
import { translator } from '@medreg/i18n';
import { commissionedOn, designations, kinds, makers } from './hospital-group.js';

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

for (const dialect of testDialects) {
  const t = await createTestDb(dialect);
  const { db } = t;
  const now = new Date().toISOString();
  const t0 = performance.now();
  await db.insertInto('sites').values({ id: 's', name: 'Site', address: null, created_at: now }).execute();
  const deps = Array.from({ length: 60 }, (_, i) => ({ id: `dep${i}`, site_id: 's', building_id: null, name: `Station ${i}`, kind: 'ward' as const, cost_centre: null }));
  await db.insertInto('departments').values(deps).execute();
  // 200 models of 20 designations, 10 kinds and 5 manufacturers, so a word finds a share of the register, not all of it.
  await db.insertInto('manufacturers').values(makers.map((name, k) => ({ id: `mf${k}`, name, address: 'Musterstraße 1', country: null }))).execute();
  const models = Array.from({ length: 200 }, (_, i) => ({
    id: `m${i}`, manufacturer_id: `mf${i % 5}`, name: `${designations[i % 20]} ${i}`, kind: kinds[i % 10]!, type_designation: `T${8713000 + i}`,
    anlage1: i % 3 === 0 ? 0 : 1, anlage2: i % 7 === 0 ? 1 : 0,
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
        site_id: 's', department_id: `dep${i % 60}`, room_id: null, status: i % 300 === 0 ? ('locked' as const) : ('in_service' as const), udi_di: null, notified_body: null,
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
  // The device list and its search (issue 3 target: < 20 ms p95 per page at 100,000 devices on SQLite). Every
  // call answers a page, the total and the counts by kind of the whole filtered set.
  const tFiles = performance.now();
  const vocabulary = Array.from({ length: 3000 }, (_, k) => `wort${k.toString(36)}`);
  const topics = ['Okklusionsalarm', 'Druckstufe', 'Akkuwechsel', 'Reinigung', 'Desinfektion', 'Sicherheitshinweis', 'Fehlermeldung', 'Kalibrierung'];
  let filePages = 0;
  for (let start = 0; start < deviceRows.length; start += 50 * 200) {
    const attachments = [];
    const texts = [];
    for (let i = start; i < Math.min(deviceRows.length, start + 50 * 200); i += 50) {
      const id = crypto.randomUUID();
      attachments.push({
        id, device_id: deviceRows[i]!.id, entry_id: null, sha256: id.replace(/-/g, '').padEnd(64, '0'), media_type: 'application/pdf', size: 100_000,
        preview_sha256: null, original_name: `Gebrauchsanweisung-${i}.pdf`, purpose: 'manual' as const, visibility: i % 100 === 0 ? ('staff' as const) : ('all' as const),
        uploaded_by: 'u0', uploaded_at: now, withdrawn_at: null, withdrawn_by: null,
      });
      // Ten pages of about 300 words each; a topic word on some pages.
      for (let page = 1; page <= 10; page++) {
        const w = Array.from({ length: 300 }, (_, k) => vocabulary[(i * 31 + page * 17 + k * 7) % vocabulary.length]);
        if ((i + page) % 3 === 0) w[150] = topics[(i + page) % topics.length]!;
        texts.push({ attachment_id: id, device_id: deviceRows[i]!.id, page, text: w.join(' ') });
      }
    }
    await db.insertInto('attachments').values(attachments).execute();
    for (let k = 0; k < texts.length; k += 500) await db.insertInto('file_texts').values(texts.slice(k, k + 500)).execute();
    filePages += texts.length;
  }
  const favUser: SessionUser = { ...manager, id: 'u0' };
  await db.insertInto('favourites').values(deviceRows.filter((_, i) => i % 1000 === 7).map((d) => ({ user_id: 'u0', device_id: d.id }))).execute();
  console.log(`${dialect}: ${filePages.toLocaleString('en')} PDF pages of text and favourites in ${((performance.now() - tFiles) / 1000).toFixed(1)} s`);

  const list = (user: SessionUser, query: Partial<DeviceListQuery>) => listDevices(db, user, { page: 1, pageSize: 25, ...query }, todayDate);
  const mt = (i: number) => `MT-1${String(234 + (i % 700)).padStart(3, '0')}`;
  await time('list: page 1, no filter (+ counts by kind)', () => list(manager, {}));
  await time('list: page 50, no filter', () => list(manager, { page: 50 }));
  await time('list: page 1, inventory no. descending', () => list(manager, { sort: 'inventory_desc' }));
  await time('list: page 1, by serial no.', () => list(manager, { sort: 'serial' }));
  await time('list: own wards (nurse)', () => list(nurse, {}));
  await time('search: inventory no. prefix "mt-1234"', (i) => list(manager, { q: mt(i).toLowerCase() }));
  await time('search: serial no. prefix "sn1234"', (i) => list(manager, { q: `sn${1000 + i}` }));
  await time('search: model word "Perfusor"', (i) => list(manager, { q: designations[i % 20]! }));
  await time('search: misspelt word "Perfusr"', (i) => list(manager, { q: designations[i % 20]!.replace(/(.)(.)$/, '$2') }));
  await time('search: kind word "pumpe" (inside compounds)', () => list(manager, { q: 'pumpe' }));
  await time('search: words of manual text (files)', (i) => list(manager, { q: topics[i % topics.length]!.slice(0, 8), files: true }));
  await time('search: manual text, nurse (files)', (i) => list(nurse, { q: topics[i % topics.length]!, files: true }));
  await time('filter: site', () => list(manager, { siteId: 's' }));
  await time('filter: ward', (i) => list(manager, { departmentId: `dep${i % 60}` }));
  await time('filter: model', (i) => list(manager, { modelId: `m${i % 200}` }));
  await time('filter: kind', (i) => list(manager, { kind: kinds[i % 10] }));
  await time('filter: status locked', () => list(manager, { status: 'locked' }));
  await time('filter: Anlage 1', () => list(manager, { anlage: 1 }));
  await time('filter: Anlage 2', () => list(manager, { anlage: 2 }));
  await time('filter: overdue', () => list(manager, { due: 'overdue' }));
  await time('filter: due within 30 days', () => list(manager, { due: 'soon' }));
  await time('filter: failed', () => list(manager, { due: 'failed' }));
  await time('filter: my devices', () => list(favUser, { mine: true }));
  await time('filter: ward + Anlage 1 + overdue', (i) => list(manager, { departmentId: `dep${i % 60}`, anlage: 1, due: 'overdue' }));
  await time('filter + search: ward + "Perfusor"', (i) => list(manager, { departmentId: `dep${i % 60}`, q: 'Perfusor' }));
  await time('filter + search: overdue + "mt-12"', () => list(manager, { due: 'overdue', q: 'mt-12' }));
  await time('filter + search: page 20 of "pumpe", by serial', () => list(manager, { q: 'pumpe', page: 20, sort: 'serial' }));
  if (process.env.BENCH_ONLY === 'list') {
    await t.drop();
    continue;
  }
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
