import { z } from 'zod';
import { getDevice } from '../devices/queries.server.js';
import { stageInput, stageUpload } from '../files/staged.server.js';
import { notFound } from '../trpc/errors.js';
import { allow, router } from '../trpc/init.js';
import { today } from './due.js';
import { assignedTypes } from './queries.server.js';
import { previousValues, recordInspection, recordInspectionRequest } from './record.server.js';

const staff = () => allow('technician', 'manager', 'admin');

export const inspectionsRouter = router({
  /** Accepts JSON, or a multipart form with protocol photos (the phone form posts that). */
  record: staff()
    .input(recordInspectionRequest)
    .mutation(({ ctx, input }) => recordInspection(ctx.services, ctx.user, input, ctx.locale)),

  /** What the form needs beyond the device: usable instruments and the previous values of each type. */
  formContext: staff()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) }))
    .query(async ({ ctx, input }) => {
      const { db } = ctx.services;
      const device = await getDevice(db, ctx.user, { id: input.deviceId });
      if (!device) throw notFound('errors.deviceNotFound');
      const types = await assignedTypes(db, device, today(ctx.services.now()));
      const [instruments, previous] = await Promise.all([
        db
          .selectFrom('test_instruments')
          .select(['id', 'name', 'kind', 'serial_number', 'calibration_due_on'])
          .where('retired_at', 'is', null)
          .orderBy('name')
          .orderBy('serial_number')
          .execute(),
        Promise.all(types.map(async (t) => [t.id, await previousValues(db, device.id, t.id)] as const)),
      ]);
      return {
        instruments: instruments.map((i) => ({ ...i, calibration_due_on: i.calibration_due_on === null ? null : String(i.calibration_due_on) })),
        previous: Object.fromEntries(previous),
      };
    }),

  /** One photo or PDF, uploaded while the form is being filled in; the form sends back its id. */
  stage: staff()
    .input(stageInput)
    .mutation(({ ctx, input }) => stageUpload(ctx.services, ctx.user, input.file)),
});
