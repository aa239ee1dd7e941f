import { allow, router } from '../trpc/init.js';
import { recordInspection, recordInspectionRequest } from './record.server.js';

export const inspectionsRouter = router({
  /** Accepts JSON, or a multipart form with protocol photos (the phone form posts that). */
  record: allow('technician', 'manager', 'admin')
    .input(recordInspectionRequest)
    .mutation(({ ctx, input }) => recordInspection(ctx.services, ctx.user, input)),
});
