import Papa from 'papaparse';
import { z } from 'zod';
import type { Locale, Translate } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { today } from '../inspections/due.js';
import { forbidden } from '../trpc/errors.js';
import { exportHeaders } from './columns.js';

/** Export filters as the query string carries them (empty values mean "all"). */
export const exportFilters = z.object({
  site: z.preprocess((v) => v || undefined, z.string().max(64).optional()),
  department: z.preprocess((v) => v || undefined, z.string().max(64).optional()),
  status: z.preprocess((v) => v || undefined, z.enum(['in_service', 'locked', 'in_repair', 'decommissioned'], { error: 'errors.invalidChoice' }).optional()),
});
export type ExportFilters = z.output<typeof exportFilters>;

/** Rows per query: a keyset page on the (unique) inventory number, so 100,000 devices never sit in memory at once. */
const PAGE = 5000;

/**
 * The register as CSV for technicians, managers and admins: every register column with the header names the
 * import recognises, so an export imports again. German: `;` (what German spreadsheets split on), English `,`;
 * both with a byte-order mark. Cells that a spreadsheet would run as a formula are defused with a leading '.
 */
export async function registerCsv(services: Services, user: SessionUser | null, filters: ExportFilters, locale: Locale, t: Translate) {
  if (!user || !['technician', 'manager', 'admin'].includes(user.role)) throw forbidden();
  const delimiter = locale === 'de' ? ';' : ',';
  const yes = locale === 'de' ? 'ja' : 'yes';
  const no = locale === 'de' ? 'nein' : 'no';
  const fileName = `${locale === 'de' ? 'Bestandsverzeichnis' : 'Device-register'}-${today(services.now())}.csv`;
  const db = services.db;

  async function* chunks(): AsyncGenerator<string> {
    yield `\ufeff${Papa.unparse([exportHeaders(locale)], { delimiter, newline: '\r\n' })}\r\n`;
    let after: string | null = null;
    for (;;) {
      let q = db
        .selectFrom('devices as d')
        .innerJoin('device_models as m', 'm.id', 'd.model_id')
        .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
        .innerJoin('sites as s', 's.id', 'd.site_id')
        .leftJoin('departments as dep', 'dep.id', 'd.department_id')
        .leftJoin('buildings as b', 'b.id', 'dep.building_id')
        .leftJoin('rooms as r', 'r.id', 'd.room_id')
        .select([
          'd.inventory_number',
          'm.name as designation',
          'm.type_designation',
          'mf.name as manufacturer',
          'd.serial_number',
          'd.lot_number',
          'd.acquired_year',
          'd.commissioned_on',
          's.name as site',
          'b.name as building',
          'dep.name as department',
          'r.name as room',
          'd.udi_di',
          'd.notified_body',
          'd.device_class',
          'd.ce_marked',
          'd.notes',
          'm.kind',
          'd.status',
          'd.code',
        ])
        .orderBy('d.inventory_number')
        .limit(PAGE);
      if (filters.site) q = q.where('d.site_id', '=', filters.site);
      if (filters.department) q = q.where('d.department_id', '=', filters.department);
      if (filters.status) q = q.where('d.status', '=', filters.status);
      if (after !== null) q = q.where('d.inventory_number', '>', after);
      const rows = await q.execute();
      if (rows.length === 0) return;
      const cells = rows.map((r) => [
        r.inventory_number,
        r.designation,
        r.type_designation,
        r.manufacturer,
        r.serial_number ?? '',
        r.lot_number ?? '',
        r.acquired_year == null ? '' : String(r.acquired_year),
        r.commissioned_on ?? '',
        r.site,
        r.building ?? '',
        r.department ?? '',
        r.room ?? '',
        r.udi_di ?? '',
        r.notified_body ?? '',
        r.device_class ?? '',
        r.ce_marked == null ? '' : r.ce_marked ? yes : no,
        r.notes ?? '',
        r.kind,
        t(`status.${r.status}`),
        r.code,
      ]);
      yield `${Papa.unparse(cells, { delimiter, newline: '\r\n', escapeFormulae: true })}\r\n`;
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.inventory_number;
    }
  }
  return { fileName, chunks: chunks() };
}
