import { sql, type Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { SessionUser } from '../context.js';
import { today } from '../inspections/due.js';
import { AppError, notFound } from '../trpc/errors.js';

/** Who may print a site's register (Bestandsverzeichnis): it lists every ward, so not nurses. */
export const registerReaders = ['technician', 'manager', 'admin'] as const;

/** Devices read per round trip; the detail query's IN list stays far below SQLite's parameter limit. */
export const REGISTER_BATCH = 1000;

/** One line of the register (MPBetreibV 2025 §14 / 2017 §13); its shape is the print package's RegisterPdfRow plus the id. */
export type RegisterRow = ReturnType<typeof registerRow>;

export interface RegisterReport {
  site: { id: string; name: string; address: string | null };
  printedBy: string;
  printedOn: string;
  /** Active devices (not decommissioned) when the report was opened. */
  total: number;
  /** The rows in print order (department, room, inventory number), read in batches as they are consumed. */
  rows: () => AsyncGenerator<RegisterRow[]>;
}

/**
 * The register of one site. The ordered ids are read once (one index walk, a few MB at 100,000 devices), so
 * the count and the order are fixed before printing; the details follow batch by batch while the PDF is
 * drawn, so memory stays flat. Devices are never deleted, so every id still has its row.
 */
export async function registerReport(
  db: Kysely<Database>,
  user: SessionUser,
  siteId: string,
  now: Date,
  batch = REGISTER_BATCH,
): Promise<RegisterReport> {
  if (!(registerReaders as readonly string[]).includes(user.role)) throw new AppError('FORBIDDEN', 'errors.forbidden');
  const site = await db.selectFrom('sites').select(['id', 'name', 'address']).where('id', '=', siteId).executeTakeFirst();
  if (!site) throw notFound('reports.siteNotFound');

  // Devices kept at the site without a ward, or a ward without rooms, come after the named ones.
  const ordered = await db
    .selectFrom('devices')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .leftJoin('rooms as r', 'r.id', 'devices.room_id')
    .select('devices.id')
    .where('devices.site_id', '=', siteId)
    .where('devices.status', '<>', 'decommissioned')
    .orderBy(sql`case when dep.name is null then 1 else 0 end`)
    .orderBy('dep.name')
    .orderBy('dep.id')
    .orderBy(sql`case when r.name is null then 1 else 0 end`)
    .orderBy('r.name')
    .orderBy('devices.inventory_number')
    .orderBy('devices.id')
    .execute();
  const ids = ordered.map((r) => r.id);

  async function* rows(): AsyncGenerator<RegisterRow[]> {
    for (let i = 0; i < ids.length; i += batch) {
      const slice = ids.slice(i, i + batch);
      const details = await readDetails(db, slice);
      const byId = new Map(details.map((d) => [d.id, d]));
      yield slice.flatMap((id) => {
        const d = byId.get(id);
        if (!d) return [];
        return [registerRow(d)];
      });
    }
  }

  return { site, printedBy: user.name, printedOn: today(now), total: ids.length, rows };
}


/** The register fields of these devices with their model, manufacturer and place. */
const readDetails = (db: Kysely<Database>, ids: string[]) =>
  db
    .selectFrom('devices')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .leftJoin('buildings as b', 'b.id', 'dep.building_id')
    .leftJoin('rooms as r', 'r.id', 'devices.room_id')
    .where('devices.id', 'in', ids)
    .select([
      'devices.id',
      'devices.inventory_number',
      'devices.serial_number',
      'devices.lot_number',
      'devices.acquired_year',
      'devices.commissioned_on',
      'devices.device_class',
      'devices.udi_di',
      'devices.notified_body',
      'devices.ce_marked',
      'm.name as model_name',
      'm.kind',
      'm.type_designation',
      'm.device_class as model_device_class',
      'm.anlage1',
      'm.anlage2',
      'mf.name as manufacturer_name',
      'mf.address as manufacturer_address',
      'mf.country as manufacturer_country',
      'b.name as building_name',
      'dep.name as department_name',
      'r.name as room_name',
    ])
    .execute();

const registerRow = (d: Awaited<ReturnType<typeof readDetails>>[number]) => ({
  id: d.id,
  inventoryNumber: d.inventory_number,
  designation: d.model_name,
  kind: d.kind,
  type: d.type_designation,
  serialNumber: d.serial_number,
  lotNumber: d.lot_number,
  acquiredYear: d.acquired_year,
  manufacturerName: d.manufacturer_name,
  manufacturerAddress: [d.manufacturer_address, d.manufacturer_country].filter(Boolean).join(', '),
  building: d.building_name,
  department: d.department_name,
  room: d.room_name,
  commissionedOn: d.commissioned_on,
  deviceClass: d.device_class ?? d.model_device_class,
  udiDi: d.udi_di,
  notifiedBody: d.notified_body,
  ceMarked: d.ce_marked,
  anlage1: d.anlage1 === 1,
  anlage2: d.anlage2 === 1,
});
