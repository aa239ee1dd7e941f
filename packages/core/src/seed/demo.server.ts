import { hashPassword } from 'better-auth/crypto';
import type { Services } from '../context.js';
import { newShortCode } from '../devices/short-code.js';
import { addDays } from 'date-fns/addDays';
import type { FormField } from '@medreg/db';
import { nextDueDate, today } from '../inspections/due.js';
import { snapshotCompliance } from '../inspections/due-list.server.js';
import { applicableLimit, evaluateForm, type Electrical } from '../inspections/forms.js';
import { refreshAllObligations } from '../inspections/obligations.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { demoUsers, DEMO_PASSWORD, inspectionTypes, manufacturers, models, sites, WARD_STAFF_PER_WARD, wardStaffNames } from './catalog.js';

/** A small deterministic PRNG so every fresh demo hospital looks the same. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEVICE_COUNT = 200;

/** A plausible reading well inside its limit (or, with `failing`, just outside it). */
function demoValues(form: FormField[], device: Electrical, rnd: () => number, failing?: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of form) {
    if (f.kind === 'pass_fail') values[f.key] = 'pass';
    if (f.kind !== 'number') continue;
    const limit = applicableLimit(f, device);
    let v: number;
    if (!limit) v = 1 + rnd() * 50;
    else if (limit.min !== undefined && limit.max !== undefined) v = (rnd() * 2 - 1) * limit.max * 0.6;
    else if (limit.max !== undefined) v = f.key === failing ? limit.max * (1.1 + rnd() * 0.5) : limit.max * (0.08 + rnd() * 0.35);
    else v = limit.min! * (4 + rnd() * 40);
    values[f.key] = String(Math.round(v * 100) / 100);
  }
  return values;
}

/**
 * Seeds a small hospital (2 sites, 6 wards, 200 devices of 20 models, STK / MTK / electrical safety,
 * one account per role) into an empty database. Does nothing if any user exists.
 */
export async function seedDemo(services: Services): Promise<boolean> {
  const { db } = services;
  const existing = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (existing) return false;
  const rnd = prng(20260101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = services.now();
  const nowIso = now.toISOString();
  const todayDate = today(now);
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  await db.transaction().execute(async (trx) => {
    const wardIds = new Map<string, { id: string; siteId: string; rooms: string[] }>();
    for (const s of sites) {
      const siteId = crypto.randomUUID();
      await trx.insertInto('sites').values({ id: siteId, name: s.name, address: s.address, created_at: nowIso }).execute();
      const buildingId = crypto.randomUUID();
      await trx.insertInto('buildings').values({ id: buildingId, site_id: siteId, name: 'Haus A' }).execute();
      for (const [i, w] of s.wards.entries()) {
        const id = crypto.randomUUID();
        await trx
          .insertInto('departments')
          .values({ id, site_id: siteId, building_id: buildingId, name: w, kind: 'ward', cost_centre: `KST-${4100 + i}` })
          .execute();
        const rooms: string[] = [];
        for (let r = 1; r <= 4; r++) {
          const roomId = crypto.randomUUID();
          await trx.insertInto('rooms').values({ id: roomId, department_id: id, name: `Raum ${i + 1}.${String(r).padStart(2, '0')}`, floor: String(i + 1) }).execute();
          rooms.push(roomId);
        }
        wardIds.set(w, { id, siteId, rooms });
      }
    }

    const userIds = new Map<string, string>();
    for (const u of demoUsers) {
      const id = crypto.randomUUID();
      userIds.set(u.role, id);
      await trx
        .insertInto('users')
        .values({
          id,
          name: u.name,
          email: u.email,
          email_verified: services.dialect === 'postgres' ? true : 1,
          image: null,
          created_at: nowIso,
          updated_at: nowIso,
          role: u.role,
          phone: u.phone,
          locale: null,
          blocked_at: null,
        })
        .execute();
      await trx
        .insertInto('accounts')
        .values({
          id: crypto.randomUUID(),
          user_id: id,
          account_id: id,
          provider_id: 'credential',
          access_token: null,
          refresh_token: null,
          id_token: null,
          access_token_expires_at: null,
          refresh_token_expires_at: null,
          scope: null,
          password: passwordHash,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .execute();
      for (const w of u.wards)
        await trx.insertInto('user_departments').values({ user_id: id, department_id: wardIds.get(w)!.id }).execute();
    }

    const typeIds = new Map<string, string>();
    for (const t of inspectionTypes) {
      const id = crypto.randomUUID();
      typeIds.set(t.code, id);
      await trx
        .insertInto('inspection_types')
        .values({
          id,
          code: t.code,
          name_de: t.name_de,
          name_en: t.name_en,
          legal_reference: t.legal_reference,
          interval_months: t.interval_months,
          anchor: t.anchor,
          performer_roles: 'technician,manager,admin',
          form: JSON.stringify(t.form),
          created_at: nowIso,
        })
        .execute();
    }

    // The workshop's test instruments; the old insulation tester is past its calibration date, so the form's warning shows.
    const instruments = [
      { name: 'Fluke ESA615', kind: 'Sicherheitstester IEC 62353', serial_number: 'ESA615-4471023', months: 7 },
      { name: 'GMC SECUTEST PRO', kind: 'Sicherheitstester IEC 62353 / VDE 0701-0702', serial_number: 'STP-22K-0815', months: 3 },
      { name: 'Fluke BP Pump 2', kind: 'NIBP-Simulator', serial_number: 'BPP2-55410', months: 10 },
      { name: 'Metrax PM 3000', kind: 'Sicherheitstester (alt)', serial_number: 'PM3-0099812', months: -1 },
    ];
    const instrumentIds: string[] = [];
    for (const ins of instruments) {
      const id = crypto.randomUUID();
      instrumentIds.push(id);
      const due = new Date(`${todayDate}T00:00:00Z`);
      due.setUTCMonth(due.getUTCMonth() + ins.months);
      await trx
        .insertInto('test_instruments')
        .values({ id, name: ins.name, kind: ins.kind, serial_number: ins.serial_number, calibration_due_on: due.toISOString().slice(0, 10), retired_at: null, created_at: nowIso })
        .execute();
    }

    const manufacturerIds = new Map<string, string>();
    for (const [name, address] of Object.entries(manufacturers)) {
      const id = crypto.randomUUID();
      manufacturerIds.set(name, id);
      await trx.insertInto('manufacturers').values({ id, name, address, country: null }).execute();
    }
    const modelRows: { id: string; seed: (typeof models)[number] }[] = [];
    for (const m of models) {
      const id = crypto.randomUUID();
      await trx
        .insertInto('device_models')
        .values({
          id,
          manufacturer_id: manufacturerIds.get(m.manufacturer)!,
          name: m.name,
          kind: m.kind,
          type_designation: m.type,
          anlage1: m.anlage1 ? 1 : 0,
          anlage2: m.anlage2 ? 1 : 0,
          software_version: m.software ?? null,
          device_class: m.deviceClass,
          protection_class: m.protectionClass,
          applied_part: m.appliedPart,
          instruction_validity_months: m.anlage1 ? 12 : null,
          created_at: nowIso,
        })
        .execute();
      for (const code of m.types)
        await trx.insertInto('model_inspection_types').values({ model_id: id, inspection_type_id: typeIds.get(code)!, interval_months: null }).execute();
      modelRows.push({ id, seed: m });
    }

    const technician = userIds.get('technician')!;
    const wards = [...wardIds.values()];
    for (let i = 0; i < DEVICE_COUNT; i++) {
      const model = modelRows[i % modelRows.length]!;
      const ward = pick(wards);
      const year = 2017 + Math.floor(rnd() * 8);
      const commissioned = `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
      const id = crypto.randomUUID();
      await trx
        .insertInto('devices')
        .values({
          id,
          code: newShortCode(),
          inventory_number: `MT-${10001 + i}`,
          model_id: model.id,
          serial_number: `${model.seed.name.replace(/[^A-Z0-9]/gi, '').slice(0, 3).toUpperCase()}${String(100000 + Math.floor(rnd() * 899999))}`,
          lot_number: null,
          acquired_year: year,
          commissioned_on: commissioned,
          site_id: ward.siteId,
          department_id: ward.id,
          room_id: pick(ward.rooms),
          status: 'in_service',
          udi_di: null,
          notified_body: model.seed.deviceClass === 'I' ? null : '0123',
          device_class: null,
          notes: null,
          decommissioned_on: null,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .execute();
      await appendEntry(trx, {
        deviceId: id,
        kind: 'commissioning',
        occurredAt: `${commissioned}T09:00:00.000Z`,
        recordedAt: nowIso,
        recordedBy: technician,
        text: 'In Betrieb genommen.',
      });
      // The functional test before first use of an Anlage 1 device; a few lack it, so the page shows that too.
      if (model.seed.anlage1 && i % 7 !== 3)
        await appendEntry(trx, {
          deviceId: id,
          kind: 'functional_test',
          occurredAt: `${commissioned}T09:30:00.000Z`,
          recordedAt: nowIso,
          recordedBy: technician,
          performedBy: `${model.seed.manufacturer} (Außendienst)`,
          result: 'passed',
          text: 'Funktionsprüfung am Betriebsort vor der ersten Inbetriebnahme.',
          details: { beforeFirstUse: true },
        });
      // Most devices have a past inspection of each type with measured values; some are overdue, a few were
      // never inspected, and every 60th device failed its last electrical-safety test without being locked yet.
      const electrical = { protectionClass: model.seed.protectionClass, appliedPart: model.seed.appliedPart };
      for (const code of model.seed.types) {
        if (rnd() < 0.1) continue;
        const type = inspectionTypes.find((t) => t.code === code)!;
        const monthsAgo = 1 + Math.floor(rnd() * (type.interval_months + 3));
        const d = new Date(`${todayDate}T00:00:00Z`);
        d.setUTCMonth(d.getUTCMonth() - monthsAgo);
        const on = d.toISOString().slice(0, 10) < commissioned ? commissioned : d.toISOString().slice(0, 10);
        const failing = code === 'EL-62353' && i % 60 === 8 ? 'equipment_leakage' : undefined;
        const { measurements, failures } = evaluateForm(type.form, demoValues(type.form, electrical, rnd, failing), electrical);
        const passed = failures.length === 0;
        await appendEntry(trx, {
          deviceId: id,
          kind: 'inspection',
          occurredAt: `${on}T10:00:00.000Z`,
          recordedAt: nowIso,
          recordedBy: technician,
          performedBy: 'Tom Techniker',
          result: passed ? 'passed' : 'failed',
          inspectionTypeId: typeIds.get(code)!,
          testInstrumentId: instrumentIds[code.startsWith('MTK') ? 2 : i % 2]!,
          // A failed inspection does not meet the obligation: it keeps the due date it was measured against
          // (the demo's first inspection of a type, so counted from commissioning).
          nextDueOn: passed ? nextDueDate(on, type.interval_months, type.anchor) : nextDueDate(commissioned, type.interval_months, type.anchor),
          details: passed ? null : { failures: failures.map((f) => ({ key: f.key, limit: f.limit })) },
          measurements,
        });
      }
    }
    await refreshAllObligations(trx, todayDate);

    // The nurse was instructed on some Anlage 1 models (one instruction has expired), so the device pages show
    // every verdict: may use, not instructed, instruction expired.
    const nurse = userIds.get('nurse')!;
    const manager = userIds.get('manager')!;
    const monthsBefore = (months: number) => {
      const d = new Date(`${todayDate}T00:00:00Z`);
      d.setUTCMonth(d.getUTCMonth() - months);
      return d.toISOString().slice(0, 10);
    };
    const session = async (model: (typeof modelRows)[number], siteId: string | null, on: string, trainees: string[], instructor: { id: string; name: string } | null, confirmed: boolean) => {
      const id = crypto.randomUUID();
      await trx
        .insertInto('instructions')
        .values({
          id,
          model_id: model.id,
          site_id: siteId,
          instructor_user_id: instructor?.id ?? null,
          instructor_name: instructor?.name ?? `${model.seed.manufacturer} (Außendienst)`,
          instructor_role: instructor ? 'appointed' : 'manufacturer',
          method: 'on_device',
          instructed_on: on,
          valid_until: instructor ? nextDueDate(on, 12, 'exact') : null,
          software_version: model.seed.software ?? null,
          remark: null,
          recorded_by: manager,
          recorded_at: nowIso,
        })
        .execute();
      for (const t of trainees)
        await trx
          .insertInto('instruction_trainees')
          .values({ instruction_id: id, user_id: t, confirmed_at: confirmed ? `${on}T12:00:00.000Z` : null, confirmation: confirmed ? 'app' : null })
          .execute();
      return id;
    };
    const anlage1 = modelRows.filter((m) => m.seed.anlage1);
    const manufacturerTrained = monthsBefore(18);
    // The technician is the appointed person (beauftragte Person) for every Anlage 1 model at both sites.
    for (const model of anlage1)
      for (const siteId of new Set(wards.map((w) => w.siteId))) {
        const instructionId = await session(model, siteId, manufacturerTrained, [technician], null, true);
        await trx
          .insertInto('appointed_persons')
          .values({
            id: crypto.randomUUID(), model_id: model.id, site_id: siteId, user_id: technician, instructed_on: manufacturerTrained,
            evidence: `Schulungszertifikat ${model.seed.manufacturer} Nr. ${1000 + anlage1.indexOf(model)}`, instruction_id: instructionId,
            appointed_by: manager, appointed_at: nowIso, ended_at: null,
          })
          .execute();
      }
    const tom = { id: technician, name: 'Tom Techniker' };
    for (const [i, model] of anlage1.entries()) {
      if (i % 2 === 1) continue;
      await session(model, null, monthsBefore(i === 0 ? 14 : 2 + (i % 7)), [nurse], tom, true);
    }

    // Ten colleagues per ward, most instructed on most of the ward's Anlage 1 models; the first one has left.
    let n = 0;
    for (const [wardName, ward] of wardIds) {
      const staff: string[] = [];
      for (let k = 0; k < WARD_STAFF_PER_WARD; k++, n++) {
        const first = wardStaffNames.first[n % wardStaffNames.first.length]!;
        // Pairs (i, i + k) with k growing every 16 people: no name twice.
        const last = wardStaffNames.last[(n + Math.floor(n / wardStaffNames.first.length) * 5) % wardStaffNames.last.length]!;
        const id = crypto.randomUUID();
        await trx
          .insertInto('users')
          .values({
            id, name: `${first} ${last}`, email: `${first}.${last}.${n}@demo.medreg`.toLowerCase(), email_verified: services.dialect === 'postgres' ? true : 1,
            image: null, created_at: nowIso, updated_at: nowIso, role: 'nurse', phone: null, locale: null, blocked_at: k === 0 ? nowIso : null,
          })
          .execute();
        await trx.insertInto('user_departments').values({ user_id: id, department_id: ward.id }).execute();
        staff.push(id);
      }
      const onWard = await trx.selectFrom('devices').select('model_id').distinct().where('department_id', '=', ward.id).execute();
      for (const model of anlage1.filter((m) => onWard.some((d) => d.model_id === m.id))) {
        const trainees = staff.filter(() => rnd() < 0.75);
        if (trainees.length) await session(model, ward.siteId, monthsBefore(1 + Math.floor(rnd() * 13)), trainees, tom, rnd() < 0.7);
      }
      // Someone on the ward already asked to be instructed on a model they lack.
      if (wardName !== 'Intensivstation 1') {
        const model = anlage1.find((m) => onWard.some((d) => d.model_id === m.id));
        const asking = staff[WARD_STAFF_PER_WARD - 1]!;
        if (model) {
          const has = await trx
            .selectFrom('instruction_trainees as t')
            .innerJoin('instructions as i', 'i.id', 't.instruction_id')
            .select('t.user_id')
            .where('t.user_id', '=', asking)
            .where('i.model_id', '=', model.id)
            .executeTakeFirst();
          if (!has)
            await trx
              .insertInto('instruction_requests')
              .values({ id: crypto.randomUUID(), user_id: asking, model_id: model.id, site_id: ward.siteId, device_id: null, requested_at: nowIso, status: 'open', closed_at: null, instruction_id: null })
              .execute();
        }
      }
    }
  });
  // Twelve weeks of compliance history, derived from the logbook as it stood on each day, and today.
  for (let w = 12; w >= 1; w--) await snapshotCompliance(db, today(addDays(now, -7 * w)), todayDate);
  await snapshotCompliance(db, todayDate, todayDate);
  return true;
}
