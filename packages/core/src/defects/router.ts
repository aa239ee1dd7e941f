import { z } from 'zod';
import { allow, anyUser, router } from '../trpc/init.js';
import { getDevice } from '../devices/queries.server.js';
import { notFound } from '../trpc/errors.js';
import { defectQueue, defectsOfDevice, handleDefect, handleDefectInput, reportDefect, reportDefectRequest } from './defects.server.js';

const staff = allow('technician', 'manager', 'admin');

export const defectsRouter = router({
  /** Anyone who may see the device; JSON, or the phone's multipart form with photos. */
  report: anyUser().input(reportDefectRequest).mutation(({ ctx, input }) => reportDefect(ctx.services, ctx.user, input)),
  handle: staff.input(handleDefectInput).mutation(({ ctx, input }) => handleDefect(ctx.services, ctx.user, input)),
  queue: staff.query(({ ctx }) => defectQueue(ctx.services.db, ctx.user)),
  ofDevice: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) }))
    .query(async ({ ctx, input }) => {
      if (!(await getDevice(ctx.services.db, ctx.user, { id: input.deviceId }))) throw notFound('errors.deviceNotFound');
      return defectsOfDevice(ctx.services.db, ctx.user.id, input.deviceId);
    }),
});
