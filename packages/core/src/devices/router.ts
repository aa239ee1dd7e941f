import { z } from 'zod';
import { today } from '../inspections/due.js';
import { assignedTypes } from '../inspections/queries.server.js';
import { lockState } from '../lockout/lock.server.js';
import { openIncidentReport } from '../defects/defects.server.js';
import { appointedPersons } from '../instructions/appointed.server.js';
import { instructionsOf } from '../instructions/queries.server.js';
import { openRequestOf } from '../instructions/requests.server.js';
import { verdict } from '../instructions/verdict.js';
import { anyUser, router } from '../trpc/init.js';
import { AppError, notFound } from '../trpc/errors.js';
import type { DeviceStatus } from '@medreg/db';
import { deviceSorts, deviceStatuses, dueFilters, getDevice, listDevices } from './queries.server.js';
import { listFilters, setFavourite } from './search.server.js';
import { parseShortCode } from './short-code.js';

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
      const [locking, inspections, instructions, incident] = await Promise.all([
        lockState(ctx.services.db, device.id, now),
        assignedTypes(ctx.services.db, device, today(now)),
        instructionsOf(ctx.services.db, ctx.user.id, device.model_id),
        openIncidentReport(ctx.services.db, device.id),
      ]);
      const answer = verdict({
        today: today(now),
        device: { status: device.status, anlage1: device.anlage1 === 1, softwareVersion: device.software_version },
        lock: locking.lock ? { lockedAt: locking.lock.locked_at, reason: locking.lock.reason } : null,
        incidentReport: incident ? { reportedAt: incident.reported_at, text: incident.text } : null,
        inspections: inspections.map((i) => ({ code: i.code, dueOn: i.due_on })),
        instructions,
      });
      // Only when the answer is "get instructed": whom to ask on this site, and whether the user already asked.
      const needsInstruction = answer.reasons.some((r) => r.kind === 'not_instructed' || r.kind === 'instruction_expired' || r.kind === 'software_changed');
      const instructionHelp = needsInstruction
        ? await Promise.all([appointedPersons(ctx.services.db, device.model_id, device.site_id), openRequestOf(ctx.services.db, ctx.user.id, device.model_id)]).then(
            ([appointed, request]) => ({ appointed, request: request ?? null }),
          )
        : null;
      return { device, ...locking, inspections, verdict: answer, instructionHelp };
    }),
});
