import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { isPostgres, startsWith } from '../devices/lowered.server.js';
import { visibleDevices } from '../devices/queries.server.js';
import { formatShortCode } from '../devices/short-code.js';
import { today } from '../inspections/due.js';
import { assignedTypesOf } from '../inspections/queries.server.js';
import { badInput } from '../trpc/errors.js';

/** More would be a print job nobody checks; narrow the selection instead. */
export const MAX_LABELS = 2000;

/** Which devices get a label: one device, or a ward, a model and/or a search, combined. */
export const labelSelectionInput = z.object({
  deviceId: z.uuid({ error: 'errors.deviceNotFound' }).optional(),
  departmentId: z.uuid({ error: 'errors.invalidChoice' }).optional(),
  modelId: z.uuid({ error: 'errors.invalidChoice' }).optional(),
  q: z.string().trim().max(100).optional(),
});
export type LabelSelection = z.output<typeof labelSelectionInput>;

function selected(db: Kysely<Database>, user: SessionUser, s: LabelSelection) {
  let query = visibleDevices(db, user).where('devices.status', '!=', 'decommissioned');
  if (s.deviceId) query = query.where('devices.id', '=', s.deviceId);
  if (s.departmentId) query = query.where('devices.department_id', '=', s.departmentId);
  if (s.modelId) query = query.where('devices.model_id', '=', s.modelId);
  if (s.q) {
    const { q } = s;
    const pg = isPostgres(db);
    query = query.where((eb) => eb.or([startsWith(eb, 'devices.inventory_number', q, pg), startsWith(eb, 'devices.serial_number', q, pg)]));
  }
  return query;
}

/** How many labels a selection prints. */
export async function countLabels(db: Kysely<Database>, user: SessionUser, s: LabelSelection): Promise<number> {
  const row = await selected(db, user, s).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** What each label prints, in inventory-number order: the QR address, identity and the next inspection due. */
export async function labelData(db: Kysely<Database>, user: SessionUser, s: LabelSelection, baseUrl: string, now: Date) {
  const devices = await selected(db, user, s)
    .select([
      'devices.id',
      'devices.code',
      'devices.inventory_number',
      'devices.model_id',
      'devices.commissioned_on',
      'm.name as model_name',
      'mf.name as manufacturer_name',
    ])
    .orderBy('devices.inventory_number')
    .limit(MAX_LABELS + 1)
    .execute();
  if (devices.length > MAX_LABELS) throw badInput('labels.tooMany', { max: MAX_LABELS });
  const types = await assignedTypesOf(db, devices, today(now));
  return devices.map((d) => {
    const due = (types.get(d.id) ?? []).map((t) => t.due_on).sort()[0] ?? null;
    return {
      url: `${baseUrl}/d/${d.code}`,
      inventoryNumber: d.inventory_number,
      // The model first: on a small label the manufacturer is what may be cut off.
      name: `${d.model_name} · ${d.manufacturer_name}`,
      code: formatShortCode(d.code),
      nextDue: due,
    };
  });
}

/** Wards and models to choose from, for the label dialog. */
export async function labelOptions(db: Kysely<Database>) {
  const [departments, models] = await Promise.all([
    db
      .selectFrom('departments as dep')
      .innerJoin('sites as s', 's.id', 'dep.site_id')
      .select(['dep.id', 'dep.name', 's.name as site_name'])
      .orderBy('s.name')
      .orderBy('dep.name')
      .execute(),
    db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.id', 'm.name', 'mf.name as manufacturer_name'])
      .orderBy('mf.name')
      .orderBy('m.name')
      .execute(),
  ]);
  return { departments, models };
}
