import { z, ZodError } from 'zod';
import type { Locale, Translate } from '@medreg/i18n';
import type { Services } from '../context.js';
import { parseShortCode } from '../devices/short-code.js';
import { AppError, notFound } from '../trpc/errors.js';
import { allow, router } from '../trpc/init.js';
import { translateIssues } from '../trpc/zod-messages.js';
import { assignmentsRequest, changeOverride, clearOverrideInput, deviceObligations, overrideInput, setAssignments } from './assignments.server.js';
import { today } from './due.js';
import { archiveInput, createType, createTypeRequest, getType, listTypes, setArchived, typeFromForm, updateType, updateTypeRequest } from './types.server.js';

const managers = () => allow('manager', 'admin');

const topLevel = {
  code: 'inspectionTypes.code',
  nameDe: 'inspectionTypes.nameDe',
  nameEn: 'inspectionTypes.nameEn',
  legalReference: 'inspectionTypes.legalReference',
  intervalMonths: 'inspectionTypes.interval',
  anchor: 'inspectionTypes.anchor',
  performerRoles: 'inspectionTypes.performers',
  form: 'inspectionTypes.form',
} as const;

type RawField = { key?: unknown; label?: { de?: unknown; en?: unknown } };

/** What the person calls the input at `path`: "Field 3 “Protective earth resistance”, limit 2", "Code", a model's name. */
async function fieldName(path: PropertyKey[], raw: unknown, t: Translate, locale: Locale, services: Services): Promise<string | null> {
  const input = (raw instanceof FormData ? typeFromForm(raw) : raw) as { form?: RawField[] } | null;
  const [head, index, sub, subIndex] = path;
  if (head === 'form' && typeof index === 'number') {
    const field = Array.isArray(input?.form) ? input.form[index] : undefined;
    const label = [field?.label?.[locale], field?.key].find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
    const name = label ? t('inspectionTypes.fieldNamed', { n: index + 1, name: label.trim() }) : t('inspectionTypes.field', { n: index + 1 });
    return sub === 'limits' && typeof subIndex === 'number' ? `${name}, ${t('inspectionTypes.limit', { n: subIndex + 1 })}` : name;
  }
  if (head === 'models' && typeof index === 'string') {
    const model = await services.db.selectFrom('device_models').select('name').where('id', '=', index).executeTakeFirst();
    return model?.name ?? null;
  }
  return typeof head === 'string' && head in topLevel ? t(topLevel[head as keyof typeof topLevel]) : null;
}

/**
 * A type editor shows one problem at a time, named by the field it is in ("Field 3 “Insulation”: the minimum is
 * above the maximum"), so the message says where even away from the form (an integration, a summary at the top).
 */
const namedInputErrors = () =>
  managers().use(async ({ ctx, next, getRawInput }) => {
    const result = await next();
    if (result.ok || !(result.error.cause instanceof ZodError)) return result;
    const issue = result.error.cause.issues[0]!;
    const path = issue.path.join('.');
    const message = Object.values(translateIssues([issue], ctx.t))[0]!;
    const name = await fieldName(issue.path, await getRawInput(), ctx.t, ctx.locale, ctx.services);
    throw name
      ? new AppError('BAD_REQUEST', 'errors.fieldError', { field: name, message }, path || undefined)
      : new AppError('BAD_REQUEST', 'errors.invalid', {}, path || undefined);
  });

const id = z.string({ error: 'errors.notFound' }).min(1).max(64);

/** Inspection types (Prüfarten), their assignment to models and each device's overrides: managers and admins. */
export const typesRouter = router({
  list: managers().query(({ ctx }) => listTypes(ctx.services.db)),

  get: managers()
    .input(z.object({ id }))
    .query(({ ctx, input }) => getType(ctx.services.db, input.id)),

  create: namedInputErrors()
    .input(createTypeRequest)
    .mutation(({ ctx, input }) => createType(ctx.services, input)),

  /** Takes the version the editor loaded: a type changed since is refused (CONFLICT), never overwritten. */
  update: namedInputErrors()
    .input(updateTypeRequest)
    .mutation(({ ctx, input }) => updateType(ctx.services, input)),

  archive: managers()
    .input(archiveInput)
    .mutation(({ ctx, input }) => setArchived(ctx.services, input)),

  /** Replaces the set of models the type is assigned to, each with an optional interval of its own. */
  setAssignments: namedInputErrors()
    .input(assignmentsRequest)
    .mutation(({ ctx, input }) => setAssignments(ctx.services, input)),

  /** A device's obligations with its overrides, for the page at /d/<code>/obligations. */
  ofDevice: managers()
    .input(z.object({ code: z.string().max(40) }))
    .query(({ ctx, input }) => {
      const parsed = parseShortCode(input.code);
      if (!parsed.ok) throw notFound('errors.deviceNotFound');
      return deviceObligations(ctx.services.db, ctx.user, { code: parsed.code }, today(ctx.services.now()));
    }),

  setOverride: managers()
    .input(overrideInput)
    .mutation(({ ctx, input }) => changeOverride(ctx.services, ctx.user, ctx, input)),

  clearOverride: managers()
    .input(clearOverrideInput)
    .mutation(({ ctx, input }) => changeOverride(ctx.services, ctx.user, ctx, { ...input, mode: 'clear' })),
});
