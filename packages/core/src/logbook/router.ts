import { z } from 'zod';
import { getDevice } from '../devices/queries.server.js';
import { anyUser, router } from '../trpc/init.js';
import { notFound } from '../trpc/errors.js';
import { listEntries } from './queries.server.js';

const kinds = z.enum([
  'inspection', 'maintenance', 'repair', 'functional_test', 'defect_report', 'incident', 'instruction',
  'lock', 'release', 'relocation', 'software_update', 'commissioning', 'decommissioning', 'correction', 'note',
]);

export const logbookRouter = router({
  list: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }), kinds: z.array(kinds).max(15).optional() }))
    .query(async ({ ctx, input }) => {
      if (!(await getDevice(ctx.services.db, ctx.user, { id: input.deviceId }))) throw notFound('errors.deviceNotFound');
      return listEntries(ctx.services.db, input.deviceId, { kinds: input.kinds });
    }),
});
