import { allow, router } from '../trpc/init.js';
import { countLabels, labelOptions, labelSelectionInput } from './labels.server.js';

/** Labels are printed by the people who keep the register and stick them on. */
export const labelPrinters = ['technician', 'manager', 'admin'] as const;

export const labelsRouter = router({
  options: allow(...labelPrinters).query(({ ctx }) => labelOptions(ctx.services.db)),
  count: allow(...labelPrinters)
    .input(labelSelectionInput)
    .query(({ ctx, input }) => countLabels(ctx.services.db, ctx.user, input)),
});
