import { z } from 'zod';
import { getDevice } from '../devices/queries.server.js';
import { anyUser, router } from '../trpc/init.js';
import { notFound } from '../trpc/errors.js';
import { logbookKinds } from './kinds.js';
import { listEntries } from './queries.server.js';

export const logbookRouter = router({
  list: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }), kinds: z.array(logbookKinds).max(15).optional() }))
    .query(async ({ ctx, input }) => {
      if (!(await getDevice(ctx.services.db, ctx.user, { id: input.deviceId }))) throw notFound('errors.deviceNotFound');
      return listEntries(ctx.services.db, input.deviceId, { kinds: input.kinds });
    }),
});
