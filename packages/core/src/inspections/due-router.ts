import { allow, router } from '../trpc/init.js';
import { today } from './due.js';
import { complianceHistory, dueCounts, dueFilterOptions, dueList, dueListInput, dueScopeInput, totalCounts } from './due-list.server.js';

const staff = () => allow('technician', 'manager', 'admin');

/** The due list (Fälligkeitsliste) for technicians and managers. */
export const dueRouter = router({
  list: staff()
    .input(dueListInput)
    .query(({ ctx, input }) => dueList(ctx.services.db, ctx.user, input, today(ctx.services.now()))),

  /** Counts and compliance per ward, their total, and compliance over time for the chart. */
  overview: staff()
    .input(dueScopeInput)
    .query(async ({ ctx, input }) => {
      const day = today(ctx.services.now());
      const [wards, history] = await Promise.all([
        dueCounts(ctx.services.db, ctx.user, input, day),
        complianceHistory(ctx.services.db, ctx.user, input, day),
      ]);
      return { wards, total: totalCounts(wards), history };
    }),

  filters: staff().query(({ ctx }) => dueFilterOptions(ctx.services.db)),
});
