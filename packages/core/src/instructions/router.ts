import { z } from 'zod';
import { getDevice } from '../devices/queries.server.js';
import { today } from '../inspections/due.js';
import { allow, anyUser, router } from '../trpc/init.js';
import { forbidden, notFound } from '../trpc/errors.js';
import { logAccess } from '../users/access-log.server.js';
import { allAppointments, appointInput, appointPerson, appointedPersons, endAppointment } from './appointed.server.js';
import { firstUseTestInput, recordFirstUseTest } from './first-use.server.js';
import { deviceInstructions } from './of-device.server.js';
import { instructionRecordOf, trainingMatrix } from './matrix.server.js';
import { openRequestsByModel, requestInstruction, withdrawRequest } from './requests.server.js';
import { confirmInstruction, instructionRecorders, recordInstruction, recordInstructionInput, sessionFormOptions } from './sessions.server.js';

const id = z.string({ error: 'errors.notFound' }).min(1).max(64);
const managers = allow('manager', 'admin');
const staff = allow('technician', 'manager', 'admin');
const matrixScope = z.union([z.object({ departmentId: id }), z.object({ siteId: id })]);

export const instructionsRouter = router({
  /** Sessions on the device's model at its site, the appointed persons there, and the first-use test. */
  ofDevice: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) }))
    .query(async ({ ctx, input }) => {
      const device = await getDevice(ctx.services.db, ctx.user, { id: input.deviceId });
      if (!device) throw notFound('errors.deviceNotFound');
      return deviceInstructions(ctx.services.db, ctx.user, device, 'all');
    }),

  formOptions: anyUser()
    .input(z.object({ departmentId: id.optional(), include: z.array(id).max(500).default([]) }))
    .query(async ({ ctx, input }) => {
      const { db } = ctx.services;
      if ((instructionRecorders as readonly string[]).includes(ctx.user.role)) return sessionFormOptions(db, ctx.user, input.departmentId, input.include);
      // Others record only as appointed person: their models at their sites, for the people of those sites.
      const mine = await db.selectFrom('appointed_persons').select(['model_id', 'site_id', 'user_id']).where('user_id', '=', ctx.user.id).where('ended_at', 'is', null).execute();
      if (mine.length === 0) throw forbidden();
      const sites = [...new Set(mine.map((a) => a.site_id))];
      const options = await sessionFormOptions(db, ctx.user, input.departmentId, input.include, sites);
      return {
        ...options,
        models: options.models.filter((m) => mine.some((a) => a.model_id === m.id)),
        sites: options.sites.filter((s) => sites.includes(s.id)),
        appointed: options.appointed.filter((a) => a.user_id === ctx.user.id),
      };
    }),

  record: anyUser().input(recordInstructionInput).mutation(({ ctx, input }) => recordInstruction(ctx.services, ctx.user, input)),

  confirm: anyUser()
    .input(z.object({ instructionId: id }))
    .mutation(({ ctx, input }) => confirmInstruction(ctx.services, ctx.user, input.instructionId)),

  request: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) }))
    .mutation(({ ctx, input }) => requestInstruction(ctx.services, ctx.user, input.deviceId)),

  withdrawRequest: anyUser().input(z.object({ id })).mutation(({ ctx, input }) => withdrawRequest(ctx.services, ctx.user, input.id)),

  /** Open requests by model and site; appointed persons see those of their models. */
  openRequests: anyUser().query(({ ctx }) => openRequestsByModel(ctx.services.db, ctx.user)),

  appointed: anyUser()
    .input(z.object({ modelId: id, siteId: id }))
    .query(({ ctx, input }) => appointedPersons(ctx.services.db, input.modelId, input.siteId)),

  appointments: staff.query(({ ctx }) => allAppointments(ctx.services.db)),

  appoint: managers.input(appointInput).mutation(({ ctx, input }) => appointPerson(ctx.services, ctx.user, input)),

  endAppointment: managers.input(z.object({ id })).mutation(({ ctx, input }) => endAppointment(ctx.services, input.id)),

  recordFirstUseTest: staff.input(firstUseTestInput).mutation(({ ctx, input }) => recordFirstUseTest(ctx.services, ctx.user, input)),

  /** The wards and sites a matrix can be drawn for. */
  scopes: managers.query(async ({ ctx }) => {
    const [sites, departments] = await Promise.all([
      ctx.services.db.selectFrom('sites').select(['id', 'name']).orderBy('name').execute(),
      ctx.services.db.selectFrom('departments').select(['id', 'name', 'site_id']).orderBy('name').execute(),
    ]);
    return { sites, departments };
  }),

  matrix: managers
    .input(z.object({ scope: matrixScope, includeBlocked: z.boolean().default(false), modelId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const now = ctx.services.now();
      const matrix = await trainingMatrix(ctx.services.db, today(now), input.scope, input);
      await logAccess(ctx.services.db, ctx.user.id, 'instruction_matrix', 'departmentId' in input.scope ? `department:${input.scope.departmentId}` : `site:${input.scope.siteId}`, now);
      return matrix;
    }),

  /** A person's own instruction record (Gerätepass): their own, or anyone's for managers. */
  personRecord: anyUser()
    .input(z.object({ userId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const userId = input.userId ?? ctx.user.id;
      if (userId !== ctx.user.id && ctx.user.role !== 'manager' && ctx.user.role !== 'admin') throw forbidden();
      const now = ctx.services.now();
      const record = await instructionRecordOf(ctx.services.db, userId, today(now));
      if (userId !== ctx.user.id) await logAccess(ctx.services.db, ctx.user.id, 'instruction_record', `user:${userId}`, now);
      return record;
    }),
});
