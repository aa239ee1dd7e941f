import { today } from '../inspections/due.js';
import { anyUser, router } from '../trpc/init.js';
import { startPage } from './start.server.js';

export const startRouter = router({
  page: anyUser().query(({ ctx }) => {
    const now = ctx.services.now();
    return startPage(ctx.services.db, ctx.user, now, today(now));
  }),
});
