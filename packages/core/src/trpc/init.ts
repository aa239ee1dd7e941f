import { initTRPC } from '@trpc/server';
import type { Role } from '@medreg/db';
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

export const publicProcedure = t.procedure;

/** A procedure open to the given roles only; the context then carries a signed-in user. */
export function allow(...roles: Role[]) {
  return t.procedure.use(({ ctx, next }) => {
    if (!ctx.user) throw new AppError('UNAUTHORIZED', 'errors.unauthorized');
    if (!roles.includes(ctx.user.role)) throw new AppError('FORBIDDEN', 'errors.forbidden');
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

export const anyUser = () => allow('admin', 'manager', 'technician', 'nurse');
