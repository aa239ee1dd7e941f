import { z } from 'zod';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { escapeLike } from '../devices/queries.server.js';
import { today } from '../inspections/due.js';
import { refreshObligationsOfModels } from '../inspections/obligations.server.js';
import { onlyType } from '../inspections/types.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { deviceClasses } from './device-fields.js';
import { version } from './devices.server.js';
import { historyOf, recordChanges, type Shown } from './history.server.js';

const blank = (v: unknown) => (v === '' || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const id = z.string({ error: onlyType('errors.notFound') }).min(1, { error: 'errors.notFound' }).max(64);
const text = (max: number) => z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).max(max);
const optionalText = (max: number) => z.preprocess(blank, z.string().trim().max(max).optional());
/** A checkbox: 'on' when ticked, absent when not. */
const flag = z.preprocess((v) => (v === 'on' || v === 'true' || v === '1' || v === true ? true : v === undefined || v === null || v === '' || v === 'false' || v === '0' ? false : v), z.boolean({ error: 'errors.invalidChoice' }));
const choice = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(blank, z.enum(values, { error: 'errors.invalidChoice' }).optional());
const typeIds = z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : typeof v === 'string' ? [v] : v), z.array(id).max(100));

export const protectionClasses = ['I', 'II', 'internal'] as const;
export const appliedParts = ['B', 'BF', 'CF'] as const;

export const manufacturerInput = z.object({ name: text(200), address: text(500), country: optionalText(80) });
export const updateManufacturerInput = manufacturerInput.extend({ id });

export const modelInput = z.object({
  manufacturerId: z.string({ error: onlyType('errors.required') }).min(1, { error: 'errors.required' }).max(64),
  name: text(200),
  kind: text(120),
  typeDesignation: text(120),
  anlage1: flag,
  anlage2: flag,
  softwareVersion: optionalText(60),
  deviceClass: choice(deviceClasses),
  protectionClass: choice(protectionClasses),
  appliedPart: choice(appliedParts),
  // Re-instruction interval (Wiederholungseinweisung); empty: an instruction does not expire.
  instructionValidityMonths: z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : blank(v)),
    z.number({ error: onlyType('register.errors.wholeMonths') }).int({ error: 'register.errors.wholeMonths' }).min(1, { error: 'register.errors.wholeMonths' }).max(120, { error: 'register.errors.wholeMonths' }).optional(),
  ),
});
export const createModelInput = modelInput.extend({ typeIds });
export const updateModelInput = modelInput.extend({ id, version });
export const modelTypesInput = z.object({ id, version, typeIds });
export type ModelInput = z.output<typeof modelInput>;

const yesNo = (v: number | boolean) => (v ? 'yes' : 'no');

async function manufacturerTaken(db: Kysely<Database>, name: string, exceptId?: string) {
  let q = db.selectFrom('manufacturers').select('id').where(sql<string>`lower(name)`, '=', sql<string>`lower(${name})`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function listManufacturers(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('manufacturers as mf')
    .leftJoin('device_models as m', 'm.manufacturer_id', 'mf.id')
    .select(['mf.id', 'mf.name', 'mf.address', 'mf.country', (eb) => eb.fn.count<number>('m.id').as('models')])
    .groupBy(['mf.id', 'mf.name', 'mf.address', 'mf.country'])
    .orderBy('mf.name')
    .execute();
  return rows.map((r) => ({ ...r, models: Number(r.models) }));
}

/** Manufacturer, or authorised representative / importer: name and address are register fields (§14). */
export async function createManufacturer(services: Services, user: SessionUser, input: z.output<typeof manufacturerInput>) {
  if (await manufacturerTaken(services.db, input.name)) throw badInput('register.errors.manufacturerExists', { name: input.name }, 'name');
  const newId = crypto.randomUUID();
  const values = { name: input.name, address: input.address, country: input.country ?? null };
  await services.db.transaction().execute(async (trx) => {
    await trx.insertInto('manufacturers').values({ id: newId, ...values }).execute();
    await recordChanges(trx, { userId: user.id, at: services.now().toISOString() }, 'manufacturer', newId, {}, values);
  });
  return { id: newId };
}

export async function updateManufacturer(services: Services, user: SessionUser, input: z.output<typeof updateManufacturerInput>) {
  const { db } = services;
  const current = await db.selectFrom('manufacturers').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!current) throw notFound();
  if (await manufacturerTaken(db, input.name, input.id)) throw badInput('register.errors.manufacturerExists', { name: input.name }, 'name');
  const at = services.now().toISOString();
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('manufacturers').set({ name: input.name, address: input.address, country: input.country ?? null }).where('id', '=', input.id).execute();
    const changed = await recordChanges(trx, { userId: user.id, at }, 'manufacturer', input.id, current, { name: input.name, address: input.address, country: input.country ?? null });
    return { changed };
  });
}

/** The models with their manufacturer and how many devices in service each has; search anywhere in the names. */
export async function listModels(db: Kysely<Database>, q: string | undefined) {
  let base = db.selectFrom('device_models as m').innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id');
  const s = q?.trim().toLowerCase();
  if (s) {
    const anywhere = `%${escapeLike(s)}%`;
    base = base.where((eb) =>
      eb.or(
        (['m.name', 'm.kind', 'm.type_designation', 'mf.name'] as const).map((c) => eb(eb.fn('lower', [c]), 'like', sql<string>`${anywhere} escape '\\'`)),
      ),
    );
  }
  const rows = await base
    .select([
      'm.id',
      'm.name',
      'm.kind',
      'm.type_designation',
      'm.anlage1',
      'm.anlage2',
      'mf.name as manufacturer_name',
      (eb) =>
        eb
          .selectFrom('devices as d')
          .whereRef('d.model_id', '=', 'm.id')
          .where('d.status', '!=', 'decommissioned')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('devices'),
    ])
    .orderBy('mf.name')
    .orderBy('m.name')
    .limit(500)
    .execute();
  return rows.map((r) => ({ ...r, devices: Number(r.devices ?? 0) }));
}

const modelColumns = (i: ModelInput) => ({
  manufacturer_id: i.manufacturerId,
  name: i.name,
  kind: i.kind,
  type_designation: i.typeDesignation,
  anlage1: i.anlage1 ? 1 : 0,
  anlage2: i.anlage2 ? 1 : 0,
  software_version: i.softwareVersion ?? null,
  device_class: i.deviceClass ?? null,
  protection_class: i.protectionClass ?? null,
  applied_part: i.appliedPart ?? null,
  instruction_validity_months: i.instructionValidityMonths ?? null,
});

/** A model's fields as people read them (the manufacturer by name). */
function readableModel(m: ReturnType<typeof modelColumns>, manufacturerName: string): Record<string, Shown> {
  const { manufacturer_id: _m, ...rest } = m;
  return { manufacturer: manufacturerName, ...rest, anlage1: yesNo(m.anlage1), anlage2: yesNo(m.anlage2) };
}

/** Checks the manufacturer and that the same manufacturer has no model of this name and type yet. */
async function checkModel(db: Kysely<Database>, input: ModelInput, exceptId?: string) {
  const manufacturer = await db.selectFrom('manufacturers').select(['id', 'name']).where('id', '=', input.manufacturerId).executeTakeFirst();
  if (!manufacturer) throw badInput('register.errors.unknownManufacturer', {}, 'manufacturerId');
  let q = db
    .selectFrom('device_models')
    .select('id')
    .where('manufacturer_id', '=', input.manufacturerId)
    .where(sql<string>`lower(name)`, '=', sql<string>`lower(${input.name})`)
    .where(sql<string>`lower(type_designation)`, '=', sql<string>`lower(${input.typeDesignation})`);
  if (exceptId) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst()) throw badInput('register.errors.modelExists', { name: input.name, type: input.typeDesignation }, 'name');
  return manufacturer;
}

async function checkTypes(db: Kysely<Database>, ids: string[]) {
  if (!ids.length) return;
  const known = await db.selectFrom('inspection_types').select('id').where('id', 'in', ids).where('archived_at', 'is', null).execute();
  if (known.length !== new Set(ids).size) throw badInput('register.errors.unknownType', {}, 'typeIds');
}

/**
 * Gives the model exactly these inspection types, inside the caller's transaction. A type that stays keeps the
 * model's interval; each type whose assignment changed has its version raised (an editor open on it must reload,
 * as after its own assignment edit), and the model's devices get their obligations rewritten once.
 */
async function assignTypes(trx: Transaction<Database>, modelId: string, wanted: string[], day: string) {
  const types = await trx.selectFrom('inspection_types').select(['id', 'code']).where('archived_at', 'is', null).execute();
  const had = new Set(
    (await trx.selectFrom('model_inspection_types').select('inspection_type_id').where('model_id', '=', modelId).execute()).map((r) => r.inspection_type_id),
  );
  const want = new Set(wanted);
  const removed = types.filter((t) => had.has(t.id) && !want.has(t.id)).map((t) => t.id);
  const added = wanted.filter((id) => !had.has(id));
  if (removed.length) await trx.deleteFrom('model_inspection_types').where('model_id', '=', modelId).where('inspection_type_id', 'in', removed).execute();
  if (added.length)
    await trx.insertInto('model_inspection_types').values(added.map((id) => ({ model_id: modelId, inspection_type_id: id, interval_months: null }))).execute();
  if (removed.length || added.length) {
    await trx.updateTable('inspection_types').set((eb) => ({ version: eb('version', '+', 1) })).where('id', 'in', [...removed, ...added]).execute();
    await refreshObligationsOfModels(trx, [modelId], day);
  }
  const codes = (keep: (id: string) => boolean) => types.filter((t) => keep(t.id)).map((t) => t.code).sort().join(', ');
  return { before: codes((id) => had.has(id)), after: codes((id) => want.has(id)) };
}

/** Adds a model; its history starts with its fields as entered. */
export async function createModel(services: Services, user: SessionUser, input: z.output<typeof createModelInput>) {
  const { db } = services;
  const manufacturer = await checkModel(db, input);
  await checkTypes(db, input.typeIds);
  const newId = crypto.randomUUID();
  const at = services.now().toISOString();
  const columns = modelColumns(input);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('device_models').values({ id: newId, ...columns, created_at: at }).execute();
    // Unset optional fields are left out, so the history shows only what was entered.
    const fields = readableModel(columns, manufacturer.name);
    const types = input.typeIds.length ? { inspection_types: (await assignTypes(trx, newId, input.typeIds, today(services.now()))).after } : {};
    await recordChanges(trx, { userId: user.id, at }, 'model', newId, {}, { ...fields, ...types });
  });
  return { id: newId };
}

const conflictOr404 = async (db: Kysely<Database>, modelId: string) =>
  (await db.selectFrom('device_models').select('id').where('id', '=', modelId).executeTakeFirst()) ? new AppError('CONFLICT', 'errors.conflict') : notFound();

/** Saves a model's fields under its version, with a history row per changed field. */
export async function updateModel(services: Services, user: SessionUser, input: z.output<typeof updateModelInput>) {
  const { db } = services;
  const current = await db
    .selectFrom('device_models as m')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .selectAll('m')
    .select('mf.name as manufacturer_name')
    .where('m.id', '=', input.id)
    .executeTakeFirst();
  if (!current) throw notFound();
  if (current.version !== input.version) throw new AppError('CONFLICT', 'errors.conflict');
  const manufacturer = await checkModel(db, input, input.id);
  const columns = modelColumns(input);
  const at = services.now().toISOString();
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('device_models')
      .set((eb) => ({ ...columns, version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw await conflictOr404(trx, input.id);
    const changed = await recordChanges(
      trx,
      { userId: user.id, at },
      'model',
      input.id,
      readableModel(current, current.manufacturer_name),
      readableModel(columns, manufacturer.name),
    );
    // Obligations come from the assigned inspection types, not from the Anlage flags: nothing to rewrite here.
    return { version: input.version + 1, changed };
  });
}

/** Replaces the model's inspection types (its default obligations), guarded by the model's version. */
export async function setModelTypes(services: Services, user: SessionUser, input: z.output<typeof modelTypesInput>) {
  const { db } = services;
  const current = await db.selectFrom('device_models').select(['id', 'version']).where('id', '=', input.id).executeTakeFirst();
  if (!current) throw notFound();
  if (current.version !== input.version) throw new AppError('CONFLICT', 'errors.conflict');
  await checkTypes(db, input.typeIds);
  const at = services.now().toISOString();
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('device_models')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw await conflictOr404(trx, input.id);
    const codes = await assignTypes(trx, input.id, input.typeIds, today(services.now()));
    await recordChanges(trx, { userId: user.id, at }, 'model', input.id, { inspection_types: codes.before }, { inspection_types: codes.after });
    return { version: input.version + 1 };
  });
}

/** One model's page: its fields with the version, its inspection types, the manufacturers to choose from, history. */
export async function getModel(db: Kysely<Database>, modelId: string) {
  const model = await db
    .selectFrom('device_models as m')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .selectAll('m')
    .select(['mf.name as manufacturer_name', 'mf.address as manufacturer_address'])
    .where('m.id', '=', modelId)
    .executeTakeFirst();
  if (!model) throw notFound();
  const [assigned, devices, history] = await Promise.all([
    db.selectFrom('model_inspection_types').select(['inspection_type_id', 'interval_months']).where('model_id', '=', modelId).execute(),
    db
      .selectFrom('devices')
      .where('model_id', '=', modelId)
      .where('status', '!=', 'decommissioned')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    historyOf(db, 'model', modelId),
  ]);
  return {
    model: { ...model, created_at: String(model.created_at) },
    typeIds: assigned.map((a) => a.inspection_type_id),
    devices: Number(devices.n),
    history,
  };
}

/** The active inspection types a model can be given, and the manufacturers. */
export async function modelOptions(db: Kysely<Database>) {
  const [types, manufacturers] = await Promise.all([
    db.selectFrom('inspection_types').select(['id', 'code', 'name_de', 'name_en', 'interval_months']).where('archived_at', 'is', null).orderBy('code').execute(),
    db.selectFrom('manufacturers').select(['id', 'name']).orderBy('name').execute(),
  ]);
  return { types, manufacturers };
}
