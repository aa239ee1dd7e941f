import { allow, router } from '../trpc/init.js';
import { recordMeasure, recordMeasureRequest } from './measures.server.js';

export const measuresRouter = router({
  /** Maintenance, repair, functional test or software update; JSON, or a multipart form with photos and PDFs. */
  record: allow('technician', 'manager', 'admin')
    .input(recordMeasureRequest)
    .mutation(({ ctx, input }) => recordMeasure(ctx.services, ctx.user, input)),
});
