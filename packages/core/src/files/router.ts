import { z } from 'zod';
import { allow, anyUser, router } from '../trpc/init.js';
import { fileUploaders, fileWithdrawers, listDeviceFiles, uploadDeviceFile, uploadInput, withdrawDeviceFile } from './device-files.server.js';

/** Device files: manuals, pictures, declarations of conformity, protocols. Upload, list, withdraw. */
export const filesRouter = router({
  /** Nurses see the files for everyone of their wards' devices; staff all of them, withdrawn ones on request. */
  list: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }), withdrawn: z.boolean().default(false) }))
    .query(({ ctx, input }) => listDeviceFiles(ctx.services.db, ctx.user, input.deviceId, { withdrawn: input.withdrawn })),

  /** One file per call, as a multipart form (FormData) or from a server caller. */
  upload: allow(...fileUploaders)
    .input(uploadInput)
    .mutation(({ ctx, input }) => uploadDeviceFile(ctx.services, ctx.user, input)),

  withdraw: allow(...fileWithdrawers)
    .input(z.object({ id: z.uuid({ error: 'files.errors.notFound' }) }))
    .mutation(({ ctx, input }) => withdrawDeviceFile(ctx.services, ctx.user, input.id)),
});
