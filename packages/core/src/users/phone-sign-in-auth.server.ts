import type { BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthEndpoint } from 'better-auth/api';
import { setSessionCookie } from 'better-auth/cookies';
import { z } from 'zod';

/**
 * A better-auth endpoint that signs a user in after a phone sign-in code was redeemed (phone-sign-in.server.ts):
 * the session is created by better-auth's internal adapter and its cookie set exactly as a password sign-in does.
 * Server-only: it is not routed over HTTP, so nobody can call it with a user id of their choice.
 */
export const phoneSignInPlugin = () =>
  ({
    id: 'medreg-phone-sign-in',
    endpoints: {
      signInWithRedeemedPhoneCode: createAuthEndpoint(
        '/sign-in/phone-code',
        { method: 'POST', body: z.object({ userId: z.string().min(1) }), metadata: { SERVER_ONLY: true } },
        async (ctx) => {
          const user = await ctx.context.internalAdapter.findUserById(ctx.body.userId);
          if (!user) throw new APIError('UNAUTHORIZED');
          const session = await ctx.context.internalAdapter.createSession(user.id);
          if (!session) throw new APIError('UNAUTHORIZED');
          await setSessionCookie(ctx, { session, user });
          return ctx.json({ sessionId: session.id });
        },
      ),
    },
  }) satisfies BetterAuthPlugin;
