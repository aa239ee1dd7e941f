import { z } from 'zod';
import { anyUser, router } from '../trpc/init.js';
import { logbookReport } from './logbook.server.js';
import { registerReaders } from './register.server.js';

/**
 * Data of the register and logbook PDFs. The register's rows are streamed by the PDF route itself
 * (`registerReport`, 100,000 devices do not fit one answer); its rules live in that one function.
 */
export const reportsRouter = router({
  /** One device's printed logbook (Medizinproduktebuch): identity, obligations, every entry, sessions, chain check. */
  logbook: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) }))
    .query(({ ctx, input }) => logbookReport(ctx.services, ctx.user, input.deviceId)),

  /** Sites whose register the user may print, for a picker. */
  registerSites: anyUser().query(async ({ ctx }) => {
    if (!(registerReaders as readonly string[]).includes(ctx.user.role)) return [];
    return ctx.services.db.selectFrom('sites').select(['id', 'name']).orderBy('name').execute();
  }),
});
