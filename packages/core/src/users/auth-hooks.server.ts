import { APIError, createAuthMiddleware } from 'better-auth/api';

/**
 * better-auth endpoints that would set a password or an email address past the application's rules
 * (length, breached list, history) and its administrators: passwords change through `users.changePassword`.
 */
const CLOSED_PATHS = new Set(['/change-password', '/set-password', '/reset-password', '/request-password-reset', '/change-email']);

/** The `hooks` of the better-auth configuration: they run for HTTP requests and `auth.api` calls alike. */
export function accountHooks() {
  return {
    before: createAuthMiddleware(async (ctx) => {
      if (CLOSED_PATHS.has(ctx.path) || ctx.path.startsWith('/reset-password/'))
        throw new APIError('FORBIDDEN', { code: 'USE_THE_APP', message: 'Passwords are changed in the application (users.changePassword).' });
    }),
  };
}
