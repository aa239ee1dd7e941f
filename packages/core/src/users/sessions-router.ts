import { z } from 'zod';
import { anyUser, router } from '../trpc/init.js';
import { createPhoneCode, phoneCodeState } from './phone-sign-in.server.js';
import { listSessions, revokeSession } from './sessions.server.js';

const sessionId = z.string({ error: 'sessions.notFound' }).min(1, { error: 'sessions.notFound' }).max(100, { error: 'sessions.notFound' });

/** Everyone's own sessions, and a QR code that signs their phone in. */
export const sessionsRouter = router({
  list: anyUser().query(({ ctx }) => listSessions(ctx.services, ctx.user)),

  revoke: anyUser()
    .input(z.object({ sessionId }))
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx.services, ctx.user, input.sessionId);
      return { sessionId: input.sessionId };
    }),

  /** A new sign-in code for a phone: the address to put in the QR code (it holds the token) and when it expires. */
  phoneCode: anyUser().mutation(({ ctx }) => createPhoneCode(ctx.services, ctx.user)),

  phoneCodeState: anyUser()
    .input(z.object({ id: z.uuid({ error: 'sessions.tokenUnknown' }) }))
    .query(({ ctx, input }) => phoneCodeState(ctx.services, ctx.user, input.id)),
});
