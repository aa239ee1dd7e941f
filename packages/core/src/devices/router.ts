import { z } from 'zod';
import { today } from '../inspections/due.js';
import { logbookKinds } from '../logbook/kinds.js';
import { anyUser, router } from '../trpc/init.js';
import type { DeviceStatus } from '@medreg/db';
import { deviceDetail, devicePage } from './page.server.js';
import { deviceSorts, deviceStatuses, dueFilters, listDevices } from './queries.server.js';
import { listFilters, setFavourite } from './search.server.js';

const byId = z.object({ id: z.uuid({ error: 'errors.deviceNotFound' }) });
const byCode = z.object({ code: z.string().max(40) });
const kinds = { kinds: z.array(logbookKinds).max(15).optional() };
// Who attended an instruction session comes on request, for one session: a page view does not load everybody's names.
const people = { peopleOf: z.uuid({ error: 'errors.invalid' }).optional() };
export const devicesRouter = router({
  /** The register list: search, filters, sort, a page with the total, counts by kind and, with `files`, hits in PDF texts. */
  list: anyUser()
    .input(
      z.object({
        q: z.string().trim().max(100).optional(),
        page: z.number().int().min(1).max(100_000).default(1),
        pageSize: z.number().int().min(1).max(200).default(25),
        siteId: z.string().max(64).optional(),
        departmentId: z.string().max(64).optional(),
        modelId: z.string().max(64).optional(),
        kind: z.string().max(200).optional(),
        status: z.enum(deviceStatuses as [DeviceStatus, ...DeviceStatus[]]).optional(),
        anlage: z.union([z.literal(1), z.literal(2)]).optional(),
        due: z.enum(dueFilters).optional(),
        mine: z.boolean().optional(),
        sort: z.enum(deviceSorts).optional(),
        files: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) => listDevices(ctx.services.db, ctx.user, input, today(ctx.services.now()))),

  /** What the list's filters offer: sites, departments (a nurse's own only) and models. */
  filters: anyUser().query(({ ctx }) => listFilters(ctx.services.db, ctx.user)),

  /** Marks or unmarks a device the user may see as one of "my devices". */
  setFavourite: anyUser()
    .input(z.object({ deviceId: z.uuid({ error: 'errors.deviceNotFound' }), favourite: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await setFavourite(ctx.services.db, ctx.user, input.deviceId, input.favourite);
      return { deviceId: input.deviceId, favourite: input.favourite };
    }),

  /** A device by id or by its label code, with its lock state, due inspections, the user's verdict and whom to ask. */
  get: anyUser()
    .input(z.union([byId, byCode]))
    .query(({ ctx, input }) => deviceDetail(ctx.services.db, ctx.user, input, ctx.services.now())),

  /** The device page in one call: `get` with the logbook (optionally of some kinds), instructions, defect reports and files. */
  page: anyUser()
    .input(z.union([byId.extend({ ...kinds, ...people }), byCode.extend({ ...kinds, ...people })]))
    .query(({ ctx, input }) =>
      devicePage(ctx.services.db, ctx.user, 'id' in input ? { id: input.id } : { code: input.code }, ctx.services.now(), input.kinds, input.peopleOf),
    ),
});
