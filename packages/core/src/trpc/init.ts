import { initTRPC } from '@trpc/server';
import { isBusy, type Role } from '@medreg/db';
import type { Context } from '../context.js';
import { AppError } from './errors.js';
import { describeError } from './describe.js';

const t = initTRPC.context<Context>().create({
  // Never a stack trace: every error leaves translated, with field messages for forms.
  errorFormatter({ shape, error, ctx }) {
    const { stack: _stack, ...data } = shape.data;
    if (!ctx) return { ...shape, data: { ...data, fieldErrors: null } };
    const d = describeError(error, ctx.t);
    return { ...shape, message: d.message, data: { ...data, fieldErrors: d.fieldErrors } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** A write that waited out SQLite's lock answers 503 with errors.busy, not 500 (see describeError). */
const busyIsUnavailable = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && isBusy(result.error.cause)) throw new AppError('SERVICE_UNAVAILABLE', 'errors.busy');
  return result;
});

export const publicProcedure = busyIsUnavailable;

function gate(roles: Role[], beforeOwnPassword: boolean) {
  return busyIsUnavailable.use(({ ctx, next }) => {
    if (!ctx.user) throw new AppError('UNAUTHORIZED', 'errors.unauthorized');
    if (!roles.includes(ctx.user.role)) throw new AppError('FORBIDDEN', 'errors.forbidden');
    // Signed in with a one-time initial password: nothing but replacing it until done.
    if (ctx.user.mustChangePassword && !beforeOwnPassword) throw new AppError('FORBIDDEN', 'accounts.changePassword.forced');
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

/** A procedure open to the given roles only; the context then carries a signed-in user. */
export const allow = (...roles: Role[]) => gate(roles, false);

export const anyUser = () => allow('admin', 'manager', 'technician', 'nurse');

/** One's own account (password, sessions): open also to someone who must still replace an initial password. */
export const ownAccount = () => gate(['admin', 'manager', 'technician', 'nurse'], true);
