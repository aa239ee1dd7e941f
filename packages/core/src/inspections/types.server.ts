import { z } from 'zod';
import type { Kysely, Transaction } from 'kysely';
import type { Anchor, Database, FormField } from '@medreg/db';
import type { MessageKey } from '@medreg/i18n';
import type { Services } from '../context.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { today } from './due.js';
import { parseNumber } from './forms.js';
import { refreshObligationsOfModels } from './obligations.server.js';

type Db = Kysely<Database> | Transaction<Database>;

const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;
const CODE = /^[A-Z0-9][A-Z0-9._-]{0,23}$/;
const performerRoles = ['technician', 'manager', 'admin'] as const;
const anchors = ['exact', 'end_of_month', 'end_of_year'] as const satisfies readonly Anchor[];
const protectionClasses = ['I', 'II', 'internal'] as const;
const appliedParts = ['B', 'BF', 'CF'] as const;

/** A schema's own message for a value of the wrong type only; its limits keep their own messages ("at most 120"). */
export const onlyType = (key: MessageKey) => (issue: { code: string; input?: unknown }) =>
  issue.code !== 'invalid_type' ? undefined : issue.input === undefined || issue.input === null ? 'errors.required' : key;
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
/** Numbers as typed on a German or English keyboard; what cannot be read stays a string, so zod names it. */
const numberish = (v: unknown) => {
  if (v === '' || v === null || v === undefined) return undefined;
  return typeof v === 'string' ? (parseNumber(v) ?? v) : v;
};
const text = (max: number) => z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).max(max);
const optionalNumber = z.preprocess(numberish, z.number({ error: onlyType('inspectionTypes.errors.number') }).optional());
export const intervalMonths = z.preprocess(
  numberish,
  z.number({ error: onlyType('inspectionTypes.errors.wholeMonths') }).int({ error: 'inspectionTypes.errors.wholeMonths' }).min(1).max(120),
);

const bounds = <T extends { min?: number | undefined; max?: number | undefined }>(r: T, ctx: z.RefinementCtx) => {
  if (r.min !== undefined && r.max !== undefined && r.min > r.max)
    ctx.addIssue({ code: 'custom', message: 'inspectionTypes.errors.minAboveMax', path: ['max'] });
};

const limitRule = z
  .object({
    when: z
      .object({
        protectionClass: z.preprocess(blankToUndefined, z.enum(protectionClasses, { error: 'errors.invalidChoice' }).optional()),
        appliedPart: z.preprocess(blankToUndefined, z.enum(appliedParts, { error: 'errors.invalidChoice' }).optional()),
      })
      .optional(),
    min: optionalNumber,
    max: optionalNumber,
  })
  .superRefine((r, ctx) => {
    if (r.min === undefined && r.max === undefined)
      ctx.addIssue({ code: 'custom', message: 'inspectionTypes.errors.limitNeedsBound', path: ['min'] });
    bounds(r, ctx);
  });

const base = {
  key: z.string({ error: onlyType('errors.required') }).trim().regex(FIELD_KEY, { error: 'inspectionTypes.errors.fieldKey' }),
  label: z.object({ de: text(120), en: text(120) }),
};

const fieldSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ ...base, kind: z.literal('pass_fail') }),
    z.object({
      ...base,
      kind: z.literal('number'),
      unit: text(20),
      limits: z.array(limitRule).max(12).default([]),
      range: z.object({ min: optionalNumber, max: optionalNumber }).superRefine(bounds).optional(),
      watchRise: z.boolean().optional(),
    }),
    z.object({
      ...base,
      kind: z.literal('choice'),
      options: z
        .array(text(80))
        .min(2, { error: 'inspectionTypes.errors.optionsMin' })
        .max(20, { error: 'inspectionTypes.errors.optionsMax' })
        .superRefine((options, ctx) => {
          options.forEach((o, i) => {
            if (options.indexOf(o) !== i) ctx.addIssue({ code: 'custom', message: 'inspectionTypes.errors.duplicateOption', path: [i] });
          });
        }),
    }),
    z.object({ ...base, kind: z.literal('text') }),
  ],
  { error: 'errors.invalidChoice' },
);

const formSchema = z
  .array(fieldSchema)
  .min(1, { error: 'inspectionTypes.errors.formEmpty' })
  .max(60)
  .superRefine((fields, ctx) => {
    const keys = fields.map((f) => f.key);
    keys.forEach((k, i) => {
      if (keys.indexOf(k) !== i) ctx.addIssue({ code: 'custom', message: 'inspectionTypes.errors.duplicateKey', path: [i, 'key'] });
    });
    fields.forEach((f, i) => {
      if (f.kind !== 'number') return;
      // Two rules with the same conditions would leave it to their order which limit applies.
      const seen = f.limits.map((r) => `${r.when?.protectionClass ?? ''}|${r.when?.appliedPart ?? ''}`);
      seen.forEach((s, j) => {
        if (seen.indexOf(s) !== j) ctx.addIssue({ code: 'custom', message: 'inspectionTypes.errors.duplicateCondition', path: [i, 'limits', j] });
      });
    });
  });

export const typeInput = z.object({
  // An empty code is missing, not badly written.
  code: z.string({ error: onlyType('errors.required') }).trim().toUpperCase().min(1, { error: 'errors.required' }).regex(CODE, { error: 'inspectionTypes.errors.code' }),
  nameDe: text(160),
  nameEn: text(160),
  legalReference: z.string().trim().max(200).optional(),
  intervalMonths,
  anchor: z.enum(anchors, { error: 'errors.invalidChoice' }),
  performerRoles: z.array(z.enum(performerRoles, { error: 'errors.invalidChoice' })).min(1, { error: 'inspectionTypes.errors.performers' }),
  form: formSchema,
});
export type TypeInput = z.output<typeof typeInput>;

const id = z.string({ error: onlyType('errors.notFound') }).min(1, { error: 'errors.notFound' }).max(64);
const version = z.preprocess(numberish, z.number({ error: onlyType('errors.conflict') }).int().min(1));
export const updateTypeInput = typeInput.extend({ id, version });

/**
 * The editor posts a plain form: `form.<i>.key`, `form.<i>.label.de`, `form.<i>.limits.<j>.max` …, the same
 * paths zod reports problems at, so each message lands next to its input.
 */
export function typeFromForm(fd: FormData) {
  const s = (k: string) => {
    const v = fd.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const form: Record<string, unknown>[] = [];
  for (let i = 0; fd.has(`form.${i}.kind`); i++) {
    const p = `form.${i}.`;
    const limits: Record<string, unknown>[] = [];
    for (let j = 0; fd.has(`${p}limits.${j}.min`); j++) {
      const q = `${p}limits.${j}.`;
      limits.push({ when: { protectionClass: s(`${q}protectionClass`), appliedPart: s(`${q}appliedPart`) }, min: s(`${q}min`), max: s(`${q}max`) });
    }
    form.push({
      key: s(`${p}key`),
      kind: s(`${p}kind`),
      label: { de: s(`${p}label.de`), en: s(`${p}label.en`) },
      unit: s(`${p}unit`),
      limits,
      range: { min: s(`${p}range.min`), max: s(`${p}range.max`) },
      watchRise: fd.get(`${p}watchRise`) === 'on',
      options: (s(`${p}options`) ?? '')
        .split('\n')
        .map((o) => o.trim())
        .filter(Boolean),
    });
  }
  return {
    id: s('id'),
    version: s('version'),
    code: s('code'),
    nameDe: s('nameDe'),
    nameEn: s('nameEn'),
    legalReference: s('legalReference'),
    intervalMonths: s('intervalMonths'),
    anchor: s('anchor'),
    performerRoles: fd.getAll('performerRoles').filter((v) => typeof v === 'string'),
    form,
  };
}

const fromFormData = (v: unknown) => (v instanceof FormData ? typeFromForm(v) : v);
export const createTypeRequest = z.preprocess(fromFormData, typeInput);
export const updateTypeRequest = z.preprocess(fromFormData, updateTypeInput);

/** The stored shape: no empty conditions, no undefined members, flags only when set. */
function storedForm(form: TypeInput['form']): FormField[] {
  return form.map((f): FormField => {
    const head = { key: f.key, label: { de: f.label.de, en: f.label.en } };
    switch (f.kind) {
      case 'pass_fail':
      case 'text':
        return { ...head, kind: f.kind };
      case 'choice':
        return { ...head, kind: 'choice', options: f.options };
      case 'number': {
        const range = f.range && (f.range.min !== undefined || f.range.max !== undefined) ? { range: defined(f.range) } : {};
        return {
          ...head,
          kind: 'number',
          unit: f.unit,
          limits: f.limits.map((r) => {
            const when = r.when ? defined(r.when) : {};
            return { ...(Object.keys(when).length ? { when } : {}), ...defined({ min: r.min, max: r.max }) };
          }),
          ...range,
          ...(f.watchRise ? { watchRise: true } : {}),
        };
      }
    }
  });
}

function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const row = (input: TypeInput) => ({
  code: input.code,
  name_de: input.nameDe,
  name_en: input.nameEn,
  legal_reference: input.legalReference || null,
  interval_months: input.intervalMonths,
  anchor: input.anchor,
  performer_roles: performerRoles.filter((r) => input.performerRoles.includes(r)).join(','),
  form: JSON.stringify(storedForm(input.form)),
});

async function codeTaken(db: Db, code: string, exceptId?: string): Promise<boolean> {
  let q = db.selectFrom('inspection_types').select('id').where('code', '=', code);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

const codeTakenError = (code: string) => badInput('inspectionTypes.errors.codeTaken', { code }, 'code');

/** Every type with how many models it is assigned to; archived ones apart. */
export async function listTypes(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('inspection_types as it')
    .select((eb) => [
      'it.id',
      'it.code',
      'it.name_de',
      'it.name_en',
      'it.legal_reference',
      'it.interval_months',
      'it.anchor',
      'it.form',
      'it.archived_at',
      eb.selectFrom('model_inspection_types as mit').whereRef('mit.inspection_type_id', '=', 'it.id').select((e) => e.fn.countAll().as('n')).as('models'),
    ])
    .orderBy('it.code')
    .execute();
  const types = rows.map(({ form, ...r }) => ({
    ...r,
    archived_at: r.archived_at === null ? null : String(r.archived_at),
    models: Number(r.models ?? 0),
    fields: (JSON.parse(form) as FormField[]).length,
  }));
  return { active: types.filter((t) => !t.archived_at), archived: types.filter((t) => t.archived_at) };
}

/** How many recorded values each field of a type has: such fields keep their key and kind. */
async function measuredKeys(db: Db, typeId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('inspection_measurements as m')
    .innerJoin('logbook_entries as e', 'e.id', 'm.entry_id')
    .where('e.inspection_type_id', '=', typeId)
    .where('e.kind', '=', 'inspection')
    .groupBy('m.field_key')
    .select((eb) => ['m.field_key', eb.fn.countAll().as('n')])
    .execute();
  return Object.fromEntries(rows.map((r) => [r.field_key, Number(r.n)]));
}

/** One type for the editor: its form, its model assignments, every model it could be assigned to, measured fields. */
export async function getType(db: Kysely<Database>, typeId: string) {
  const type = await db.selectFrom('inspection_types').selectAll().where('id', '=', typeId).executeTakeFirst();
  if (!type) throw notFound();
  const [assignments, measured, models] = await Promise.all([
    db.selectFrom('model_inspection_types').select(['model_id', 'interval_months']).where('inspection_type_id', '=', typeId).execute(),
    measuredKeys(db, typeId),
    assignableModels(db),
  ]);
  return {
    type: {
      id: type.id,
      code: type.code,
      name_de: type.name_de,
      name_en: type.name_en,
      legal_reference: type.legal_reference,
      interval_months: type.interval_months,
      anchor: type.anchor,
      performer_roles: type.performer_roles.split(',').filter(Boolean),
      form: JSON.parse(type.form) as FormField[],
      archived_at: type.archived_at === null ? null : String(type.archived_at),
      version: Number(type.version),
    },
    assignments,
    measured,
    models,
  };
}

/** Every device model with its manufacturer and how many devices it has in service (not decommissioned). */
async function assignableModels(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('device_models as m')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .select((eb) => [
      'm.id',
      'm.name',
      'm.kind',
      'mf.name as manufacturer_name',
      eb
        .selectFrom('devices as d')
        .whereRef('d.model_id', '=', 'm.id')
        .where('d.status', '!=', 'decommissioned')
        .select((e) => e.fn.countAll().as('n'))
        .as('devices'),
    ])
    .orderBy('mf.name')
    .orderBy('m.name')
    .execute();
  return rows.map((r) => ({ ...r, devices: Number(r.devices ?? 0) }));
}

async function modelsOfType(db: Db, typeId: string): Promise<string[]> {
  return (await db.selectFrom('model_inspection_types').select('model_id').where('inspection_type_id', '=', typeId).execute()).map((r) => r.model_id);
}

export async function createType(services: Services, input: TypeInput) {
  const { db } = services;
  if (await codeTaken(db, input.code)) throw codeTakenError(input.code);
  const id = crypto.randomUUID();
  try {
    await db
      .insertInto('inspection_types')
      .values({ id, ...row(input), created_at: services.now().toISOString(), archived_at: null })
      .execute();
  } catch (e) {
    // A concurrent create with the same code won the unique constraint.
    if (await codeTaken(db, input.code)) throw codeTakenError(input.code);
    throw e;
  }
  return { id };
}

/**
 * Saves an edited type if nobody changed it since the editor loaded `version`. A changed interval or anchor
 * moves the due dates of every device of the assigned models, in the same transaction.
 */
export async function updateType(services: Services, input: z.output<typeof updateTypeInput>) {
  const { db } = services;
  const current = await db.selectFrom('inspection_types').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!current) throw notFound();
  if (Number(current.version) !== input.version) throw new AppError('CONFLICT', 'errors.conflict');
  if (await codeTaken(db, input.code, input.id)) throw codeTakenError(input.code);

  // Past records name their values by field key: a field with values keeps its key and its kind.
  const before = JSON.parse(current.form) as FormField[];
  const measured = await measuredKeys(db, input.id);
  for (const old of before) {
    const count = measured[old.key];
    if (!count) continue;
    const now = input.form.find((f) => f.key === old.key);
    if (!now || now.kind !== old.kind) {
      const index = now ? input.form.indexOf(now) : -1;
      throw badInput('inspectionTypes.errors.fieldHasMeasurements', { key: old.key, count }, index >= 0 ? `form.${index}.kind` : 'form');
    }
  }

  const dueRuleChanged = current.interval_months !== input.intervalMonths || current.anchor !== input.anchor;
  try {
    return await db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('inspection_types')
        .set((eb) => ({ ...row(input), version: eb('version', '+', 1) }))
        .where('id', '=', input.id)
        .where('version', '=', input.version)
        .executeTakeFirst();
      // Someone saved between our read and this write.
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'errors.conflict');
      const devices = dueRuleChanged ? await refreshObligationsOfModels(trx, await modelsOfType(trx, input.id), today(services.now())) : 0;
      return { id: input.id, version: input.version + 1, devices };
    });
  } catch (e) {
    if (!(e instanceof AppError) && (await codeTaken(db, input.code, input.id))) throw codeTakenError(input.code);
    throw e;
  }
}

/** Archiving ends the obligation on every device at once (and restoring brings it back); entries keep pointing at the type. */
export async function setArchived(services: Services, input: { id: string; version: number; archived: boolean }) {
  const { db } = services;
  const now = services.now();
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('inspection_types')
      .set((eb) => ({ archived_at: input.archived ? now.toISOString() : null, version: eb('version', '+', 1) }))
      .where('id', '=', input.id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      const exists = await trx.selectFrom('inspection_types').select('id').where('id', '=', input.id).executeTakeFirst();
      throw exists ? new AppError('CONFLICT', 'errors.conflict') : notFound();
    }
    const devices = await refreshObligationsOfModels(trx, await modelsOfType(trx, input.id), today(now));
    return { version: input.version + 1, devices };
  });
}

export const archiveInput = z.object({ id, version, archived: z.boolean() });
