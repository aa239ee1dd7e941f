import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { today } from '../inspections/due.js';
import { AppError, notFound } from '../trpc/errors.js';
import { instructionsOf } from './queries.server.js';
import { instructionStatus } from './status.js';

/**
 * "Please instruct me on this": one tap from the device page. Asking twice returns the open request;
 * asking while validly instructed is refused (the verdict already says so).
 */
export async function requestInstruction(services: Services, user: SessionUser, deviceId: string) {
  const { db } = services;
  const device = await getDevice(db, user, { id: deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  const status = instructionStatus(today(services.now()), device.software_version, await instructionsOf(db, user.id, device.model_id));
  if (status.state === 'current') throw new AppError('CONFLICT', 'instruction.alreadyInstructed');
  const open = () =>
    db
      .selectFrom('instruction_requests')
      .select(['id', 'requested_at'])
      .where('user_id', '=', user.id)
      .where('model_id', '=', device.model_id)
      .where('status', '=', 'open')
      .executeTakeFirst();
  const existing = await open();
  if (existing) return { ...existing, created: false };
  const row = { id: crypto.randomUUID(), requested_at: services.now().toISOString() };
  try {
    await db
      .insertInto('instruction_requests')
      .values({ ...row, user_id: user.id, model_id: device.model_id, site_id: device.site_id, device_id: device.id, status: 'open', closed_at: null, instruction_id: null })
      .execute();
  } catch (e) {
    // A double tap raced us to the unique index: the other request stands.
    const raced = await open();
    if (raced) return { ...raced, created: false };
    throw e;
  }
  return { ...row, created: true };
}

export async function withdrawRequest(services: Services, user: SessionUser, requestId: string) {
  const res = await services.db
    .updateTable('instruction_requests')
    .set({ status: 'withdrawn', closed_at: services.now().toISOString() })
    .where('id', '=', requestId)
    .where('user_id', '=', user.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw notFound();
}

/** The user's own open request for a model, if any: the device page shows "requested on …". */
export async function openRequestOf(db: Kysely<Database>, userId: string, modelId: string) {
  return openRequest.first(db, { userId, modelId });
}

const openRequest = prepared((db, p: { userId: string; modelId: string }) =>
  db.selectFrom('instruction_requests').select(['id', 'requested_at']).where('user_id', '=', p.userId).where('model_id', '=', p.modelId).where('status', '=', 'open'),
);

/** The user's requests: open ones, and those closed in the last 30 days. */
export async function myRequests(db: Kysely<Database>, user: SessionUser, now: Date) {
  const since = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  return db
    .selectFrom('instruction_requests as r')
    .innerJoin('device_models as m', 'm.id', 'r.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .leftJoin('devices as d', 'd.id', 'r.device_id')
    .where('r.user_id', '=', user.id)
    .where((eb) => eb.or([eb('r.status', '=', 'open'), eb('r.closed_at', '>=', since)]))
    .select(['r.id', 'r.status', 'r.requested_at', 'r.closed_at', 'm.name as model_name', 'mf.name as manufacturer_name', 'd.code as device_code'])
    .orderBy('r.requested_at', 'desc')
    .limit(50)
    .execute();
}

/**
 * Open requests grouped by model and site, oldest first: what a manager plans sessions from. An appointed
 * person sees those of the models they instruct.
 */
export async function openRequestsByModel(db: Kysely<Database>, user: SessionUser) {
  let q = db
    .selectFrom('instruction_requests as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('device_models as m', 'm.id', 'r.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .innerJoin('sites as s', 's.id', 'r.site_id')
    .where('r.status', '=', 'open')
    .where('u.blocked_at', 'is', null);
  if (user.role === 'nurse')
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('appointed_persons as a')
          .select('a.id')
          .whereRef('a.model_id', '=', 'r.model_id')
          .whereRef('a.site_id', '=', 'r.site_id')
          .where('a.user_id', '=', user.id)
          .where('a.ended_at', 'is', null),
      ),
    );
  const rows = await q
    .select(['r.id', 'r.requested_at', 'r.model_id', 'r.site_id', 'u.id as user_id', 'u.name as user_name', 'm.name as model_name', 'mf.name as manufacturer_name', 's.name as site_name'])
    .orderBy('r.requested_at')
    .limit(2000)
    .execute();
  const groups = new Map<string, { modelId: string; siteId: string; model: string; manufacturer: string; site: string; oldest: string; people: { id: string; name: string; requestedAt: string }[] }>();
  for (const r of rows) {
    const key = `${r.model_id}|${r.site_id}`;
    const g = groups.get(key) ?? { modelId: r.model_id, siteId: r.site_id, model: r.model_name, manufacturer: r.manufacturer_name, site: r.site_name, oldest: r.requested_at, people: [] };
    g.people.push({ id: r.user_id, name: r.user_name, requestedAt: r.requested_at });
    groups.set(key, g);
  }
  return [...groups.values()];
}
