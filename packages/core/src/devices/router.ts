import { z } from 'zod';
import { today } from '../inspections/due.js';
import { assignedTypes } from '../inspections/queries.server.js';
import { lockState } from '../lockout/lock.server.js';
import { anyUser, router } from '../trpc/init.js';
import { AppError, notFound } from '../trpc/errors.js';
import { getDevice, listDevices } from './queries.server.js';
import { parseShortCode } from './short-code.js';

export const devicesRouter = router({
  list: anyUser()
    .input(
      z.object({
        q: z.string().trim().max(100).optional(),
        page: z.number().int().min(1).max(100_000).default(1),
        pageSize: z.number().int().min(1).max(200).default(25),
      }),
    )
    .query(({ ctx, input }) => listDevices(ctx.services.db, ctx.user, input)),

  /** A device by id or by its label code, with its lock state and due inspections. */
  get: anyUser()
    .input(z.union([z.object({ id: z.uuid({ error: 'errors.deviceNotFound' }) }), z.object({ code: z.string().max(40) })]))
    .query(async ({ ctx, input }) => {
      let by: { id: string } | { code: string };
      if ('id' in input) by = { id: input.id };
      else {
        const parsed = parseShortCode(input.code);
        if (!parsed.ok) throw new AppError('NOT_FOUND', 'device.malformedCode', { code: input.code.slice(0, 40) });
        by = { code: parsed.code };
      }
      const device = await getDevice(ctx.services.db, ctx.user, by);
      if (!device) throw notFound('errors.deviceNotFound');
      const now = ctx.services.now();
      const [locking, inspections] = await Promise.all([
        lockState(ctx.services.db, device.id, now),
        assignedTypes(ctx.services.db, device, today(now)),
      ]);
      return { device, ...locking, inspections };
    }),
});
