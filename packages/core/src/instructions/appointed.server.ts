import { z } from 'zod';
import type { Kysely, Transaction } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { today } from '../inspections/due.js';
import { badInput, notFound } from '../trpc/errors.js';
import { isoDate } from '../trpc/schemas.js';

type Db = Kysely<Database> | Transaction<Database>;
const id = (error: 'errors.invalid' | 'errors.required' = 'errors.required') => z.string({ error }).min(1, { error }).max(64);

export const appointInput = z.object({
  modelId: id(),
  siteId: id(),
  userId: id(),
  /** Their own instruction by the manufacturer (MPBetreibV §11 (1) 2025): when, and the evidence. */
  instructedOn: isoDate,
  instructorName: z.string({ error: 'errors.required' }).trim().min(2, { error: 'errors.required' }).max(120),
  evidence: z.string({ error: 'errors.required' }).trim().min(3, { error: 'errors.required' }).max(500),
});

/** The active appointed persons (beauftragte Personen) for a model at a site: whom a nurse can ask. */
export async function appointedPersons(db: Db, modelId: string, siteId: string) {
  return appointed.all(db, { modelId, siteId });
}

const appointed = prepared((db, p: { modelId: string; siteId: string }) =>
  db
    .selectFrom('appointed_persons as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .where('a.model_id', '=', p.modelId)
    .where('a.site_id', '=', p.siteId)
    .where('a.ended_at', 'is', null)
    .where('u.blocked_at', 'is', null)
    .select(['a.id', 'a.user_id', 'u.name', 'u.phone', 'a.instructed_on', 'a.evidence'])
    .orderBy('u.name'),
);

export async function isAppointed(db: Db, userId: string, modelId: string, siteId: string): Promise<boolean> {
  const row = await db
    .selectFrom('appointed_persons')
    .select('id')
    .where('user_id', '=', userId)
    .where('model_id', '=', modelId)
    .where('site_id', '=', siteId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Appoints a person for a model at a site. Their instruction by the manufacturer is kept as an instruction
 * record as well, so the verdict and the matrix count them as instructed like everyone else.
 */
export async function appointPerson(services: Services, user: SessionUser, input: z.output<typeof appointInput>) {
  const { db } = services;
  const now = services.now();
  if (input.instructedOn > today(now)) throw badInput('errors.dateInFuture', {}, 'instructedOn');
  const [model, site, person] = await Promise.all([
    db.selectFrom('device_models').select(['id', 'software_version']).where('id', '=', input.modelId).executeTakeFirst(),
    db.selectFrom('sites').select('id').where('id', '=', input.siteId).executeTakeFirst(),
    db.selectFrom('users').select(['id', 'blocked_at']).where('id', '=', input.userId).executeTakeFirst(),
  ]);
  if (!model) throw badInput('errors.invalidChoice', {}, 'modelId');
  if (!site) throw badInput('errors.invalidChoice', {}, 'siteId');
  if (!person || person.blocked_at) throw badInput('instruction.personBlocked', {}, 'userId');
  if (await isAppointed(db, input.userId, input.modelId, input.siteId)) throw badInput('instruction.alreadyAppointed', {}, 'userId');
  const at = now.toISOString();
  const softwareVersion = model.software_version;
  try {
    return await appointInTransaction();
  } catch (e) {
    // A double submit lost the race to the unique index: the first appointment stands.
    if (await isAppointed(db, input.userId, input.modelId, input.siteId)) throw badInput('instruction.alreadyAppointed', {}, 'userId');
    throw e;
  }

  function appointInTransaction() {
    return db.transaction().execute(async (trx) => {
      const instructionId = crypto.randomUUID();
      await trx
        .insertInto('instructions')
        .values({
          id: instructionId,
          model_id: input.modelId,
          site_id: input.siteId,
          instructor_user_id: null,
          instructor_name: input.instructorName,
          instructor_role: 'manufacturer',
          method: 'on_device',
          instructed_on: input.instructedOn,
          software_version: softwareVersion,
          valid_until: null,
          remark: input.evidence,
          recorded_by: user.id,
          recorded_at: at,
        })
        .execute();
      await trx.insertInto('instruction_trainees').values({ instruction_id: instructionId, user_id: input.userId, confirmed_at: null, confirmation: null }).execute();
      const appointmentId = crypto.randomUUID();
      await trx
        .insertInto('appointed_persons')
        .values({
          id: appointmentId,
          model_id: input.modelId,
          site_id: input.siteId,
          user_id: input.userId,
          instructed_on: input.instructedOn,
          evidence: input.evidence,
          instruction_id: instructionId,
          appointed_by: user.id,
          appointed_at: at,
          ended_at: null,
        })
        .execute();
      return { id: appointmentId, instructionId };
    });
  }
}

/** Ends an appointment; the record and the person's instruction stay. */
export async function endAppointment(services: Services, appointmentId: string) {
  const res = await services.db
    .updateTable('appointed_persons')
    .set({ ended_at: services.now().toISOString() })
    .where('id', '=', appointmentId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw notFound();
}

/** Every active appointment, by model and site: the overview managers keep. */
export async function allAppointments(db: Kysely<Database>) {
  return db
    .selectFrom('appointed_persons as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .innerJoin('device_models as m', 'm.id', 'a.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'a.site_id')
    .where('a.ended_at', 'is', null)
    .select(['a.id', 'a.model_id', 'a.site_id', 'u.name', 'u.blocked_at', 'm.name as model_name', 'mf.name as manufacturer_name', 's.name as site_name', 'a.instructed_on', 'a.evidence'])
    .orderBy('m.name')
    .orderBy('s.name')
    .orderBy('u.name')
    .limit(5000)
    .execute();
}
