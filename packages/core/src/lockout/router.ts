import { z } from 'zod';
import { getDevice } from '../devices/queries.server.js';
import { allow, router } from '../trpc/init.js';
import { notFound } from '../trpc/errors.js';
import {
  countOpenLocks,
  currentLock,
  lockDevice,
  lockInput,
  openLocks,
  releaseDevice,
  releaseInput,
  releaseTests,
  reportIncident,
  reportIncidentInput,
} from './lock.server.js';

const staff = allow('technician', 'manager', 'admin');

export const lockoutRouter = router({
  lock: staff.input(lockInput).mutation(({ ctx, input }) => lockDevice(ctx.services, ctx.user, input)),

  /** Technicians release with a passed test; managers also with an explicit reason. */
  release: staff.input(releaseInput).mutation(({ ctx, input }) => releaseDevice(ctx.services, ctx.user, input)),

  /** What the release form offers: the open lock and the passed tests recorded since. */
  releaseOptions: staff.input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }) })).query(async ({ ctx, input }) => {
    const device = await getDevice(ctx.services.db, ctx.user, { id: input.deviceId });
    if (!device) throw notFound('errors.deviceNotFound');
    const lock = await currentLock(ctx.services.db, device.id);
    return { lock: lock ?? null, tests: lock ? await releaseTests(ctx.services.db, device.id, lock.locked_at) : [] };
  }),

  /** The device-safety officer (Beauftragter für Medizinproduktesicherheit) records the BfArM report. */
  reportIncident: allow('manager', 'admin')
    .input(reportIncidentInput)
    .mutation(({ ctx, input }) => reportIncident(ctx.services, ctx.user, input)),

  open: staff.query(({ ctx }) => openLocks(ctx.services.db, ctx.user)),
  openCount: staff.query(({ ctx }) => countOpenLocks(ctx.services.db, ctx.user)),
});
