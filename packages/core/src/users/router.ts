import { publicProcedure, router } from '../trpc/init.js';

export const usersRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => ctx.user),
});
