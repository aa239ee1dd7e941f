import { z } from 'zod';
import { allow, router } from '../trpc/init.js';
import { createCalendarToken, feedRoles, listCalendarTokens, revokeCalendarToken, revokeTokenInput } from './calendar.server.js';
import { smtpFromEnv } from './digest.server.js';

const staff = () => allow(...feedRoles);

/** Reminders of due inspections: the personal iCal feed and the weekly e-mail. */
export const remindersRouter = router({
  settings: staff().query(async ({ ctx }) => {
    const me = await ctx.services.db.selectFrom('users').select(['email', 'weekly_digest']).where('id', '=', ctx.user.id).executeTakeFirstOrThrow();
    return {
      email: me.email,
      weeklyDigest: me.weekly_digest === 1,
      // Without SMTP_URL nothing is mailed; the page says so next to the switch.
      mailConfigured: smtpFromEnv() !== null,
      tokens: await listCalendarTokens(ctx.services, ctx.user),
    };
  }),

  setDigest: staff()
    .input(z.object({ enabled: z.boolean({ error: 'errors.invalid' }) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.db.updateTable('users').set({ weekly_digest: input.enabled ? 1 : 0 }).where('id', '=', ctx.user.id).execute();
      return { weeklyDigest: input.enabled };
    }),

  /** The feed address with its secret: returned here once, never again. */
  createToken: staff().mutation(({ ctx }) => createCalendarToken(ctx.services, ctx.user)),

  revokeToken: staff()
    .input(revokeTokenInput)
    .mutation(async ({ ctx, input }) => {
      await revokeCalendarToken(ctx.services, ctx.user, input.id);
      return { revoked: input.id };
    }),
});
