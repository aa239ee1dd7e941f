import { z } from 'zod';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@medreg/db';
import type { Translate } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { isPostgres, lowered } from '../devices/lowered.server.js';
import { newShortCode, parseShortCode } from '../devices/short-code.js';
import { today } from '../inspections/due.js';
import { refreshObligations } from '../inspections/obligations.server.js';
import { onlyType } from '../inspections/types.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { AppError, badInput, notFound, refuseFields, type FieldRefusal } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';
import { acquiredNotAfterCommissioning, checkedDeviceFields, deviceColumns, deviceFields, type DeviceFields } from './device-fields.js';
import { historyOf, recordChanges, type Shown } from './history.server.js';
import { resolvePlace } from './locations-check.server.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The first logbook entry of every device; the CSV import writes the same text with source 'import'. */
export const REGISTERED_TEXT = 'In das Bestandsverzeichnis aufgenommen';

const id = z.string({ error: onlyType('errors.notFound') }).min(1, { error: 'errors.notFound' }).max(64);
/** The version the form was loaded with (hidden field). */
export const version = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
  z.number({ error: onlyType('errors.conflict') }).int({ error: 'errors.conflict' }).min(1, { error: 'errors.conflict' }),
);

export const createDeviceInput = checkedDeviceFields;
export const updateDeviceInput = deviceFields.omit({ siteId: true, departmentId: true, roomId: true }).extend({ id, version }).superRefine(acquiredNotAfterCommissioning);
export const moveDeviceInput = z.object({
  id,
  version,
  siteId: deviceFields.shape.siteId,
  departmentId: deviceFields.shape.departmentId,
  roomId: deviceFields.shape.roomId,
});
export const decommissionInput = z.object({
  id,
  version,
  decommissionedOn: isoDate,
  reason: z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).min(3, { error: 'errors.tooShort' }).max(1000),
});
export const deviceRef = z.object({ code: z.string({ error: 'errors.deviceNotFound' }).max(40) });

const conflict = () => new AppError('CONFLICT', 'errors.conflict');

/** Inventory numbers are compared without case: "MT-0001" and "mt-0001" are the same label on the wall. */
async function inventoryTaken(db: Db, inventoryNumber: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('devices').select('id').where(lowered('devices.inventory_number', isPostgres(db)), '=', sql<string>`lower(${inventoryNumber})`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
const inventoryTakenRefusal = (n: string): FieldRefusal => ({ field: 'inventoryNumber', key: 'register.errors.inventoryTaken', params: { number: n } });
const inventoryTakenError = (n: string) => refuseFields([inventoryTakenRefusal(n)]);

/**
 * The unique constraint on inventory_number is case-sensitive: inside the writing transaction, check again without
 * case. PostgreSQL runs transactions side by side, so two saves of "mt-1" and "MT-1" first queue on a lock of that
 * number (released at commit); SQLite writes one transaction at a time anyway.
 */
export async function claimInventoryNumber(trx: Transaction<Database>, inventoryNumber: string, exceptId?: string) {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    // Waits for a running import (it holds `share row exclusive`), so the check below sees what it wrote.
    await sql`lock table devices in row exclusive mode`.execute(trx);
    await sql`select pg_advisory_xact_lock(hashtext(${`inventory:${inventoryNumber.toLowerCase()}`}))`.execute(trx);
  }
  if (await inventoryTaken(trx, inventoryNumber, exceptId)) throw inventoryTakenError(inventoryNumber);
}

/**
 * The checks of the non-location fields that need the database or today's date, every refused field at once.
 * Returns the model's name.
 */
async function checkFields(db: Db, f: Omit<DeviceFields, 'siteId' | 'departmentId' | 'roomId'>, day: string, exceptId?: string) {
  const model = await db.selectFrom('device_models').select(['id', 'name']).where('id', '=', f.modelId).executeTakeFirst();
  const refused: FieldRefusal[] = [
    ...((await inventoryTaken(db, f.inventoryNumber, exceptId)) ? [inventoryTakenRefusal(f.inventoryNumber)] : []),
    ...(model ? [] : [{ field: 'modelId', key: 'register.errors.unknownModel' } as const]),
    ...(f.commissionedOn && f.commissionedOn > day ? [{ field: 'commissionedOn', key: 'errors.dateInFuture' } as const] : []),
    ...(f.acquiredYear !== undefined && f.acquiredYear > Number(day.slice(0, 4)) ? [{ field: 'acquiredYear', key: 'register.errors.yearInFuture' } as const] : []),
  ];
  if (refused.length || !model) throw refuseFields(refused);
  return model;
}

const yesNo = (v: number | null) => (v === null ? null : v ? 'yes' : 'no');

/** A device's register fields as people read them: the history compares and stores these. */
function readable(d: {
  inventory_number: string;
  model_name: string;
  serial_number: string | null;
  lot_number: string | null;
  acquired_year: number | null;
  commissioned_on: string | null;
  udi_di: string | null;
  notified_body: string | null;
  device_class: string | null;
  ce_marked: number | null;
  notes: string | null;
}): Record<string, Shown> {
  return {
    inventory_number: d.inventory_number,
    model: d.model_name,
    serial_number: d.serial_number,
    lot_number: d.lot_number,
    acquired_year: d.acquired_year,
    commissioned_on: d.commissioned_on === null ? null : String(d.commissioned_on),
    udi_di: d.udi_di,
    notified_body: d.notified_body,
    device_class: d.device_class,
    ce_marked: yesNo(d.ce_marked),
    notes: d.notes,
  };
}

/** The device with its register columns and its place's names; managers see every device. */
async function currentDevice(db: Db, by: { id: string } | { code: string }) {
  return db
    .selectFrom('devices as d')
    .innerJoin('device_models as m', 'm.id', 'd.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'd.site_id')
    .leftJoin('departments as dep', 'dep.id', 'd.department_id')
    .leftJoin('rooms as r', 'r.id', 'd.room_id')
    .where('id' in by ? 'd.id' : 'd.code', '=', 'id' in by ? by.id : by.code)
    .selectAll('d')
    .select(['m.name as model_name', 'm.type_designation', 'mf.name as manufacturer_name', 's.name as site_name', 'dep.name as department_name', 'r.name as room_name'])
    .executeTakeFirst();
}

/** Raises the version the form carried; no row means someone else saved first (or the device is gone). */
async function bumpVersion(trx: Transaction<Database>, deviceId: string, expected: number, set: Record<string, unknown>, at: string) {
  const res = await trx
    .updateTable('devices')
    .set((eb) => ({ ...set, updated_at: at, version: eb('version', '+', 1) }))
    .where('id', '=', deviceId)
    .where('version', '=', expected)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw conflict();
}

/**
 * Registers a device (Aufnahme in das Bestandsverzeichnis): a new label code, the first logbook entry and its
 * obligations, all in one transaction.
 */
export async function createDevice(services: Services, user: SessionUser, input: DeviceFields) {
  const { db } = services;
  const now = services.now();
  const day = today(now);
  await checkFields(db, input, day);
  await resolvePlace(db, input);
  const at = now.toISOString();
  try {
    return await db.transaction().execute(async (trx) => {
      await claimInventoryNumber(trx, input.inventoryNumber);
      const deviceId = crypto.randomUUID();
      const code = newShortCode();
      await trx
        .insertInto('devices')
        .values({ id: deviceId, code, ...deviceColumns(input), status: 'in_service', software_version: null, decommissioned_on: null, created_at: at, updated_at: at })
        .execute();
      await appendEntry(trx, {
        deviceId,
        kind: 'note',
        occurredAt: at,
        recordedAt: at,
        recordedBy: user.id,
        text: REGISTERED_TEXT,
        details: { registered: { source: 'form' } },
      });
      await refreshObligations(trx, [deviceId], day);
      return { id: deviceId, code };
    });
  } catch (e) {
    // A concurrent registration of the same inventory number won the unique constraint.
    if (!(e instanceof AppError) && (await inventoryTaken(db, input.inventoryNumber))) throw inventoryTakenError(input.inventoryNumber);
    throw e;
  }
}

/** Corrects a device's register fields (not its place: that is a move). One history row per changed field. */
export async function updateDevice(services: Services, user: SessionUser, input: z.output<typeof updateDeviceInput>) {
  const { db } = services;
  const now = services.now();
  const day = today(now);
  const current = await currentDevice(db, { id: input.id });
  if (!current) throw notFound('errors.deviceNotFound');
  if (current.version !== input.version) throw conflict();
  const model = await checkFields(db, input, day, input.id);
  const { site_id: _s, department_id: _d, room_id: _r, ...columns } = deviceColumns({ ...input, siteId: current.site_id });
  const before = readable(current);
  const after = readable({ ...current, ...columns, model_name: model.name });
  const at = now.toISOString();
  try {
    return await db.transaction().execute(async (trx) => {
      if (input.inventoryNumber.toLowerCase() !== current.inventory_number.toLowerCase()) await claimInventoryNumber(trx, input.inventoryNumber, input.id);
      await bumpVersion(trx, input.id, input.version, columns, at);
      const changed = await recordChanges(trx, { userId: user.id, at }, 'device', input.id, before, after);
      // The model decides the obligations, the commissioning date counts the first due date.
      if (current.model_id !== input.modelId || String(current.commissioned_on ?? '') !== (input.commissionedOn ?? ''))
        await refreshObligations(trx, [input.id], day);
      return { version: input.version + 1, changed };
    });
  } catch (e) {
    if (!(e instanceof AppError) && (await inventoryTaken(db, input.inventoryNumber, input.id))) throw inventoryTakenError(input.inventoryNumber);
    throw e;
  }
}

/**
 * Moves a device to another site, ward or room (Umsetzung): a relocation entry in its logbook with both places,
 * history rows, and its obligations follow it (they carry the site and ward for the due list).
 */
export async function moveDevice(services: Services, user: SessionUser, t: Translate, input: z.output<typeof moveDeviceInput>) {
  const { db } = services;
  const now = services.now();
  const current = await currentDevice(db, { id: input.id });
  if (!current) throw notFound('errors.deviceNotFound');
  if (current.version !== input.version) throw conflict();
  if (current.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  const to = await resolvePlace(db, input);
  const from = await resolvePlace(db, { siteId: current.site_id, departmentId: current.department_id ?? undefined, roomId: current.room_id ?? undefined });
  if (from.ids.siteId === to.ids.siteId && from.ids.departmentId === to.ids.departmentId && from.ids.roomId === to.ids.roomId)
    throw badInput('register.errors.sameLocation', {}, 'departmentId');
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    await bumpVersion(trx, input.id, input.version, { site_id: to.ids.siteId, department_id: to.ids.departmentId, room_id: to.ids.roomId }, at);
    const place = (p: typeof to) => ({ site: p.names.site_name, department: p.names.department_name, room: p.names.room_name });
    await recordChanges(trx, { userId: user.id, at }, 'device', input.id, place(from), place(to));
    await appendEntry(trx, {
      deviceId: input.id,
      kind: 'relocation',
      occurredAt: at,
      recordedAt: at,
      recordedBy: user.id,
      text: t('register.log.relocated', { from: from.text, to: to.text }),
      details: { from: from.ids, to: to.ids },
    });
    await refreshObligations(trx, [input.id], today(now));
    return { version: input.version + 1 };
  });
}

/**
 * Takes a device out of service for good (Außerbetriebnahme): its logbook says when and why, it keeps its place in
 * the register (the logbook is kept five more years) and has no obligations any more.
 */
export async function decommissionDevice(services: Services, user: SessionUser, t: Translate, input: z.output<typeof decommissionInput>) {
  const { db } = services;
  const now = services.now();
  const day = today(now);
  const current = await currentDevice(db, { id: input.id });
  if (!current) throw notFound('errors.deviceNotFound');
  if (current.version !== input.version) throw conflict();
  if (current.status === 'decommissioned') throw badInput('errors.deviceDecommissioned');
  if (input.decommissionedOn > day) throw badInput('errors.dateInFuture', {}, 'decommissionedOn');
  if (current.commissioned_on && input.decommissionedOn < String(current.commissioned_on))
    throw badInput('register.errors.beforeCommissioning', { date: String(current.commissioned_on) }, 'decommissionedOn');
  const at = now.toISOString();
  // A past day is recorded at noon hospital time, so it stays that day in every time zone shown.
  const occurredAt = input.decommissionedOn === day ? at : `${input.decommissionedOn}T11:00:00.000Z`;
  return db.transaction().execute(async (trx) => {
    await bumpVersion(trx, input.id, input.version, { status: 'decommissioned', decommissioned_on: input.decommissionedOn }, at);
    await recordChanges(
      trx,
      { userId: user.id, at },
      'device',
      input.id,
      { status: current.status, decommissioned_on: null },
      { status: 'decommissioned', decommissioned_on: input.decommissionedOn },
    );
    await appendEntry(trx, {
      deviceId: input.id,
      kind: 'decommissioning',
      occurredAt,
      recordedAt: at,
      recordedBy: user.id,
      text: t('register.log.decommissioned', { reason: input.reason }),
      details: { decommissioned: { on: input.decommissionedOn, reason: input.reason, previousStatus: current.status } },
    });
    await refreshObligations(trx, [input.id], day);
    return { version: input.version + 1 };
  });
}

/** What the register forms offer: models, and the location tree as flat lists (small next to the devices). */
export async function registerOptions(db: Db) {
  const [models, sites, departments, rooms] = await Promise.all([
    db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.id', 'm.name', 'm.type_designation', 'mf.name as manufacturer_name'])
      .orderBy('mf.name')
      .orderBy('m.name')
      .execute(),
    db.selectFrom('sites').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('departments').select(['id', 'site_id', 'name']).orderBy('name').execute(),
    db.selectFrom('rooms').select(['id', 'department_id', 'name']).orderBy('name').execute(),
  ]);
  return { models, sites, departments, rooms };
}

/** One device's register page: its fields with the version to send back, the form options, and its history. */
export async function deviceRegister(services: Services, code: string) {
  const { db } = services;
  const parsed = parseShortCode(code);
  if (!parsed.ok) throw notFound('errors.deviceNotFound');
  const device = await currentDevice(db, { code: parsed.code });
  if (!device) throw notFound('errors.deviceNotFound');
  const [options, history] = await Promise.all([registerOptions(db), historyOf(db, 'device', device.id)]);
  return {
    device: {
      ...device,
      commissioned_on: device.commissioned_on === null ? null : String(device.commissioned_on),
      decommissioned_on: device.decommissioned_on === null ? null : String(device.decommissioned_on),
      created_at: String(device.created_at),
      updated_at: String(device.updated_at),
    },
    options,
    history,
    today: today(services.now()),
  };
}
