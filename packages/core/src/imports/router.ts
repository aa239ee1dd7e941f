import { z } from 'zod';
import { allow, router } from '../trpc/init.js';
import { dryRun, importProgress, mappingInput, startImport, uploadCsv, uploadInput, uploadSummary } from './run.server.js';

/** Managers and admins keep the register. */
const keepers = () => allow('manager', 'admin');

/** CSV import of devices: upload, mapping, dry run, all-or-nothing run with progress. */
export const importsRouter = router({
  /** Reads a CSV (multipart `file`) and suggests a field for each column. */
  upload: keepers()
    .input(uploadInput)
    .mutation(({ ctx, input }) => uploadCsv(ctx.services, ctx.user, input.file)),

  /** An upload again (the mapping page after a reload). */
  draft: keepers()
    .input(z.object({ uploadId: z.string().max(64) }))
    .query(({ ctx, input }) => uploadSummary(ctx.services, ctx.user, input.uploadId)),

  /** The dry run: every row's problems; nothing is written. */
  check: keepers()
    .input(mappingInput)
    .mutation(({ ctx, input }) => dryRun(ctx.services, ctx.user, input, ctx.t)),

  /** Starts the all-or-nothing import of a clean upload; follow it with `progress`. */
  start: keepers()
    .input(mappingInput)
    .mutation(({ ctx, input }) => startImport(ctx.services, ctx.user, input, ctx.t)),

  progress: keepers()
    .input(z.object({ importId: z.string().max(64) }))
    .query(({ ctx, input }) => importProgress(ctx.services, ctx.user, input.importId)),
});
