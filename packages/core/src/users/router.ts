import { anyUser, publicProcedure, router } from '../trpc/init.js';
import { changeOwnPassword, changePasswordInput } from './passwords.server.js';
import { endAllSessions } from './sessions.server.js';

export const usersRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => ctx.user),
  /** Change one's own password (current + new twice); the rules are in password-rules.ts. */
  changePassword: anyUser()
    .input(changePasswordInput)
    .mutation(async ({ ctx, input }) => {
      await changeOwnPassword(ctx.services, ctx.user, input);
      return { ok: true as const };
    }),
  /** "Sign out everywhere": ends every session of the signed-in user, this one included. */
  signOutEverywhere: anyUser().mutation(async ({ ctx }) => ({ ended: await endAllSessions(ctx.services, ctx.user.id) })),
});
