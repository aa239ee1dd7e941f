import { z } from 'zod';
import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { nextDueDate, today } from '../inspections/due.js';
import { AppError, badInput, forbidden, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';
import { isAppointed } from './appointed.server.js';
import { softwareNewer } from './status.js';

const id = z.string({ error: 'errors.required' }).min(1, { error: 'errors.required' }).max(64);

/** Who may record a session without being an appointed person for the model. */
export const instructionRecorders = ['technician', 'manager', 'admin'] as const;

export const recordInstructionInput = z
  .object({
    /** Chosen when the form is opened, so a double submit records the session once. */
    id: z.uuid({ error: 'errors.invalid' }).optional(),
    modelId: id,
    siteId: id,
    instructorRole: z.enum(['manufacturer', 'authorised', 'appointed'], { error: 'errors.invalidChoice' }),
    /** A colleague who instructed (required for an appointed person) … */
    instructorUserId: id.optional(),
    /** … or an outside instructor: the manufacturer's or an authorised person's name. */
    instructorName: z.string().trim().max(120).optional(),
    method: z.enum(['in_person', 'on_device', 'online'], { error: 'errors.invalidChoice' }),
    instructedOn: isoDate,
    softwareVersion: z.string().trim().max(40).optional(),
    /** Months until re-instruction; by default the model's interval; 0: no expiry. */
    validMonths: z.number({ error: 'instruction.validMonthsInvalid' }).int({ error: 'instruction.validMonthsInvalid' }).min(0).max(120).optional(),
    trainees: z.array(id, { error: 'instruction.noTrainees' }).min(1, { error: 'instruction.noTrainees' }).max(500),
    /** The recorder holds an attendance list signed by every trainee. */
    paperSigned: z.boolean().default(false),
    remark: z.string().trim().max(1000).optional(),
  })
  .refine((v) => v.instructorUserId || (v.instructorName && v.instructorName.length >= 2), {
    error: 'instruction.instructorMissing',
    path: ['instructorName'],
  });

/**
 * Records an instruction session: one model-level record with its trainees (every device of the model at
 * the site shows it), closing their open requests for the model. Refused as a whole when any part is wrong.
 */
export async function recordInstruction(services: Services, user: SessionUser, input: z.output<typeof recordInstructionInput>) {
  const { db } = services;
  const now = services.now();
  if (input.id) {
    const done = await db.selectFrom('instructions').select(['id', 'valid_until']).where('id', '=', input.id).executeTakeFirst();
    if (done) return { id: done.id, validUntil: done.valid_until, trainees: new Set(input.trainees).size };
  }
  if (input.instructedOn > today(now)) throw badInput('errors.dateInFuture', {}, 'instructedOn');
  const trainees = [...new Set(input.trainees)];
  // Nobody signs off their own instruction, whatever their role.
  if (trainees.includes(user.id)) throw badInput('instruction.selfTrainee', {}, 'trainees');
  if (input.instructorUserId && trainees.includes(input.instructorUserId)) throw badInput('instruction.instructorIsTrainee', {}, 'trainees');

  const [model, site] = await Promise.all([
    db
      .selectFrom('device_models')
      .select(['id', 'software_version', 'instruction_validity_months'])
      .where('id', '=', input.modelId)
      .executeTakeFirst(),
    db.selectFrom('sites').select('id').where('id', '=', input.siteId).executeTakeFirst(),
  ]);
  if (!model) throw badInput('errors.invalidChoice', {}, 'modelId');
  if (!site) throw badInput('errors.invalidChoice', {}, 'siteId');

  // Nurses and others record only as an appointed person instructing colleagues themselves.
  const recorderAppointed = await isAppointed(db, user.id, model.id, input.siteId);
  if (!(instructionRecorders as readonly string[]).includes(user.role)) {
    if (!recorderAppointed) throw forbidden();
    if (input.instructorRole !== 'appointed' || (input.instructorUserId ?? user.id) !== user.id)
      throw badInput('instruction.onlyAsInstructor', {}, 'instructorRole');
  }

  // A colleague is named only as appointed person; for the manufacturer or an authorised person, the typed name counts.
  const instructorUserId = input.instructorRole === 'appointed' ? input.instructorUserId : undefined;
  let instructorName = input.instructorName ?? '';
  if (input.instructorRole !== 'appointed' && instructorName.length < 2) throw badInput('instruction.instructorMissing', {}, 'instructorName');
  if (instructorUserId) {
    const instructor = await db.selectFrom('users').select(['name', 'blocked_at']).where('id', '=', instructorUserId).executeTakeFirst();
    if (!instructor || instructor.blocked_at) throw badInput('errors.invalidChoice', {}, 'instructorUserId');
    instructorName = instructor.name;
  }
  if (input.instructorRole === 'appointed') {
    if (!input.instructorUserId) throw badInput('instruction.instructorNotAppointed', {}, 'instructorUserId');
    if (!(await isAppointed(db, input.instructorUserId, model.id, input.siteId)))
      throw badInput('instruction.instructorNotAppointed', {}, 'instructorUserId');
  }

  const people = await db.selectFrom('users').select(['id', 'blocked_at']).where('id', 'in', trainees).execute();
  if (people.length !== trainees.length) throw badInput('instruction.unknownTrainee', {}, 'trainees');
  if (people.some((p) => p.blocked_at)) throw badInput('instruction.traineeBlocked', {}, 'trainees');

  // Validity and software version are the model's unless technicians or managers set them; a session cannot
  // cover software newer than any device of the model at the site runs (an update is stored on the device).
  const updated = await db
    .selectFrom('devices')
    .select('software_version')
    .distinct()
    .where('model_id', '=', model.id)
    .where('site_id', '=', input.siteId)
    .where('software_version', 'is not', null)
    .execute();
  const newest = updated.reduce<string | null>((v, d) => (softwareNewer(d.software_version, v) ? d.software_version : v), model.software_version);
  const recorder = (instructionRecorders as readonly string[]).includes(user.role);
  const softwareVersion = (recorder && input.softwareVersion) || newest;
  if (softwareNewer(softwareVersion, newest)) throw badInput('instruction.softwareTooNew', { current: newest ?? '' }, 'softwareVersion');
  const months = (recorder ? input.validMonths : undefined) ?? model.instruction_validity_months ?? 0;
  const validUntil = months > 0 ? nextDueDate(input.instructedOn, months, 'exact') : null;
  if (validUntil !== null && validUntil < today(now)) throw badInput('instruction.alreadyExpired', {}, 'instructedOn');
  const at = now.toISOString();
  const instructionId = input.id ?? crypto.randomUUID();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('instructions')
      .values({
        id: instructionId,
        model_id: model.id,
        site_id: input.siteId,
        instructor_user_id: instructorUserId ?? null,
        instructor_name: instructorName,
        instructor_role: input.instructorRole,
        method: input.method,
        instructed_on: input.instructedOn,
        software_version: softwareVersion,
        valid_until: validUntil,
        remark: input.remark || null,
        recorded_by: user.id,
        recorded_at: at,
      })
      .execute();
    await trx
      .insertInto('instruction_trainees')
      .values(
        trainees.map((t) => ({
          instruction_id: instructionId,
          user_id: t,
          confirmed_at: input.paperSigned ? at : null,
          confirmation: input.paperSigned ? ('paper' as const) : null,
        })),
      )
      .execute();
    await trx
      .updateTable('instruction_requests')
      .set({ status: 'done', closed_at: at, instruction_id: instructionId })
      .where('status', '=', 'open')
      .where('model_id', '=', model.id)
      .where('user_id', 'in', trainees)
      .execute();
  });
  return { id: instructionId, validUntil, trainees: trainees.length };
}

/** A trainee confirms in the app that they were instructed: their side of the record. */
export async function confirmInstruction(services: Services, user: SessionUser, instructionId: string) {
  const res = await services.db
    .updateTable('instruction_trainees')
    .set({ confirmed_at: services.now().toISOString(), confirmation: 'app' })
    .where('instruction_id', '=', instructionId)
    .where('user_id', '=', user.id)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    const seen = await services.db
      .selectFrom('instruction_trainees')
      .select('confirmed_at')
      .where('instruction_id', '=', instructionId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!seen) throw notFound();
    throw new AppError('CONFLICT', 'instruction.alreadyConfirmed');
  }
}

/**
 * Sessions on a model at a site, newest first: the model-level record each device's page shows. With names, the
 * attendees of every session, or with `namesOf` of that one session only; `trainees` is null where not loaded.
 */
export async function sessionsOnModel(db: Kysely<Database>, modelId: string, siteId: string, opts: { withNames: boolean; namesOf?: string; limit?: number }) {
  const limit = opts.limit ?? 10;
  // Two ordered index ranges (this site; every site), each read only as far as the limit, then merged.
  const [atSite, everywhere] = await Promise.all([sessionsOn.all(db, { modelId, siteId, limit }, 'site'), sessionsOn.all(db, { modelId, limit }, 'all sites')]);
  const newestFirst = (a: (typeof atSite)[number], b: (typeof atSite)[number]) =>
    b.instructed_on.localeCompare(a.instructed_on) || b.recorded_at.localeCompare(a.recorded_at);
  const sessions = [...atSite, ...everywhere].sort(newestFirst).slice(0, limit);
  const named = new Set(opts.withNames ? sessions.filter((s) => opts.namesOf === undefined || s.id === opts.namesOf).map((s) => s.id) : []);
  const names = new Map<string, string[]>();
  if (named.size) {
    const rows = await traineeNames.all(db, { ids: [...named] });
    for (const r of rows) names.set(r.instruction_id, [...(names.get(r.instruction_id) ?? []), r.name]);
  }
  return sessions.map(({ recorded_at: _, ...s }) => ({ ...s, trainee_count: Number(s.trainee_count), trainees: named.has(s.id) ? (names.get(s.id) ?? []) : null }));
}

const sessionsOn = prepared((db, p: { modelId: string; siteId?: string; limit: number }, where: string) =>
  db
    .selectFrom('instructions as i')
    .where('i.model_id', '=', p.modelId)
    .where((eb) => (where === 'site' ? eb('i.site_id', '=', p.siteId!) : eb('i.site_id', 'is', null)))
    .select((eb) => [
      'i.id',
      'i.instructed_on',
      'i.recorded_at',
      'i.instructor_name',
      'i.instructor_role',
      'i.method',
      'i.software_version',
      'i.valid_until',
      eb.selectFrom('instruction_trainees as t').whereRef('t.instruction_id', '=', 'i.id').select(eb.fn.countAll<number>().as('n')).as('trainee_count'),
    ])
    .orderBy('i.instructed_on', 'desc')
    .orderBy('i.recorded_at', 'desc')
    .limit(p.limit),
);

const traineeNames = prepared((db, p: { ids: string[] }) =>
  db.selectFrom('instruction_trainees as t').innerJoin('users as u', 'u.id', 't.user_id').where('t.instruction_id', 'in', p.ids).select(['t.instruction_id', 'u.name']).orderBy('u.name'),
);

/** What the session form offers: models, sites, the people of a ward ('all': everyone), and who is appointed where. */
export async function sessionFormOptions(
  db: Kysely<Database>,
  user: SessionUser,
  departmentId: string | undefined,
  include: string[] = [],
  /** Only people and wards of these sites (an appointed nurse's); every site when absent. */
  withinSites?: readonly string[],
) {
  const [models, sites, allDepartments, appointed] = await Promise.all([
    db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.id', 'm.name', 'mf.name as manufacturer_name', 'm.anlage1', 'm.software_version', 'm.instruction_validity_months'])
      .orderBy('m.anlage1', 'desc')
      .orderBy('m.name')
      .execute(),
    db.selectFrom('sites').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('departments').select(['id', 'name', 'site_id']).orderBy('name').execute(),
    db
      .selectFrom('appointed_persons as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .where('a.ended_at', 'is', null)
      .where('u.blocked_at', 'is', null)
      .select(['a.model_id', 'a.site_id', 'a.user_id', 'u.name'])
      .execute(),
  ]);
  const departments = withinSites ? allDepartments.filter((d) => withinSites.includes(d.site_id)) : allDepartments;
  // A ward's people (or, asked for, everyone) and whoever is already chosen, e.g. those who asked.
  let people = db.selectFrom('users as u').where('u.blocked_at', 'is', null).select(['u.id', 'u.name', 'u.role']).orderBy('u.name');
  if (withinSites)
    people = people.where('u.id', 'in', (eb) =>
      eb
        .selectFrom('user_departments as ud')
        .innerJoin('departments as d', 'd.id', 'ud.department_id')
        .select('ud.user_id')
        .where('d.site_id', 'in', withinSites.length ? [...withinSites] : ['']),
    );
  people = people.where((eb) =>
    eb.or([
      ...(departmentId === 'all' ? [eb.lit(true)] : []),
      ...(departmentId && departmentId !== 'all' ? [eb('u.id', 'in', eb.selectFrom('user_departments').select('user_id').where('department_id', '=', departmentId))] : []),
      eb('u.id', 'in', include.length ? include : ['']),
    ]),
  );
  // Everyone in a hospital group is thousands of accounts: only that list is capped.
  const trainees = (await people.limit(departmentId === 'all' ? 500 : 5000).execute()).filter((p) => p.id !== user.id);
  return { models, sites, departments, appointed, trainees };
}
