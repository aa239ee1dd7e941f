import { z } from 'zod';
import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { today } from './due.js';
import { isMetrological } from './metrological.js';


/**
 * What the MTK sticker prints for a passed metrological inspection on a device the user may see; undefined
 * (the caller answers 404) for any other entry, without telling what exists. Only the latest inspection of its
 * type counts: a superseded one would print a stale date, and after a failed MTK no sticker is due at all.
 */
export async function mtkStickerData(services: Services, user: SessionUser, entryId: string) {
  if (!z.uuid().safeParse(entryId).success) return undefined;
  const entry = await services.db
    .selectFrom('logbook_entries as e')
    .innerJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
    .innerJoin('users as u', 'u.id', 'e.recorded_by')
    .select(['e.device_id', 'e.inspection_type_id', 'e.occurred_at', 'e.performed_by', 'e.next_due_on', 'it.code', 'u.name as recorded_by_name'])
    .where('e.id', '=', entryId)
    .where('e.kind', '=', 'inspection')
    .where('e.result', '=', 'passed')
    .executeTakeFirst();
  if (!entry || !isMetrological(entry) || !entry.next_due_on) return undefined;
  // The same order the due dates are derived in (queries.server.ts): performed last, then recorded last.
  const latest = await services.db
    .selectFrom('logbook_entries')
    .select('id')
    .where('device_id', '=', entry.device_id)
    .where('kind', '=', 'inspection')
    .where('inspection_type_id', '=', entry.inspection_type_id)
    .orderBy('occurred_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  if (latest.id !== entryId) return undefined;
  const device = await getDevice(services.db, user, { id: entry.device_id });
  if (!device) return undefined;
  // The due date that applies today: a changed interval moves it, the entry keeps the one it set then.
  const obligation = await services.db
    .selectFrom('device_obligations')
    .select('due_on')
    .where('device_id', '=', entry.device_id)
    .where('inspection_type_id', '=', entry.inspection_type_id)
    .executeTakeFirst();
  if (!obligation) return undefined;
  const [year, month] = String(obligation.due_on).split('-');
  return {
    url: `${services.baseUrl}/d/${device.code}`,
    inventoryNumber: device.inventory_number,
    /** The month and year of the next MTK, as the sticker shows it: "12/2027". */
    next: `${month}/${year}`,
    testedOn: today(new Date(entry.occurred_at)),
    testedBy: entry.performed_by ?? entry.recorded_by_name,
  };
}
