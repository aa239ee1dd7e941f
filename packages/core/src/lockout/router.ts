import { allow, router } from '../trpc/init.js';
import { lockDevice, lockInput } from './lock.server.js';

export const lockoutRouter = router({
  lock: allow('technician', 'manager', 'admin')
    .input(lockInput)
    .mutation(({ ctx, input }) => lockDevice(ctx.services, ctx.user, input)),
});
