import { z } from 'zod';
import type { DeviceTable } from '@medreg/db';
import { onlyType } from '../inspections/types.server.js';
import { isoDate } from '../trpc/schemas.js';

// The register fields of one device (Bestandsverzeichnis §14), shared by the device form and the CSV import so
// that a row is judged by the same rules as a form. Pure: the references (model, location) are checked by the caller.

const blank = (v: unknown) => (v === '' || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const id = z.string({ error: onlyType('errors.required') }).min(1, { error: 'errors.required' }).max(64);
const text = (max: number) => z.string({ error: onlyType('errors.required') }).trim().min(1, { error: 'errors.required' }).max(max);
const optionalText = (max: number) => z.preprocess(blank, z.string().trim().max(max).optional());

export const deviceClasses = ['I', 'IIa', 'IIb', 'III'] as const;

/** No device in the register was acquired or commissioned before this year (1800 is a typo, not a date). */
export const EARLIEST_YEAR = 1900;
const EARLIEST_DATE = `${EARLIEST_YEAR}-01-01`;

export const deviceFields = z.object({
  inventoryNumber: text(40),
  modelId: id,
  serialNumber: optionalText(60),
  lotNumber: optionalText(60),
  acquiredYear: z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : blank(v)),
    z
      .number({ error: onlyType('register.errors.year') })
      .int({ error: 'register.errors.year' })
      .min(1000, { error: 'register.errors.year' })
      .max(9999, { error: 'register.errors.year' })
      // Four digits but too early: its own message, naming the range (the future is checked against the clock).
      .min(EARLIEST_YEAR, { error: 'register.errors.yearRange' })
      .optional(),
  ),
  commissionedOn: z.preprocess(blank, isoDate.refine((s) => s >= EARLIEST_DATE, { error: 'register.errors.commissionedTooEarly' }).optional()),
  siteId: id,
  departmentId: z.preprocess(blank, id.optional()),
  roomId: z.preprocess(blank, id.optional()),
  udiDi: optionalText(120),
  // The notified body's four-digit number next to the CE mark (e.g. 0123).
  notifiedBody: z.preprocess(blank, z.string().trim().regex(/^\d{4}$/, { error: 'register.errors.notifiedBody' }).optional()),
  deviceClass: z.preprocess(blank, z.enum(deviceClasses, { error: 'errors.invalidChoice' }).optional()),
  ceMarked: z.preprocess(
    (v) => (v === 'yes' || v === 'true' || v === '1' ? true : v === 'no' || v === 'false' || v === '0' ? false : blank(v)),
    z.boolean({ error: onlyType('errors.invalidChoice') }).optional(),
  ),
  notes: optionalText(2000),
});
export type DeviceFields = z.output<typeof deviceFields>;

/**
 * The rule between two fields: a device is acquired before (or in the year) it is commissioned. Reported at the
 * year. Applied by the form's schemas and the import (`checkedDeviceFields`); a plain object schema stays for
 * `.omit`/`.shape`.
 */
export function acquiredNotAfterCommissioning(f: { acquiredYear?: number | undefined; commissionedOn?: string | undefined }, ctx: z.core.$RefinementCtx) {
  if (f.acquiredYear !== undefined && f.commissionedOn && f.acquiredYear > Number(f.commissionedOn.slice(0, 4)))
    ctx.addIssue({ code: 'custom', path: ['acquiredYear'], input: f.acquiredYear, message: 'register.errors.acquiredAfterCommissioning' });
}
export const checkedDeviceFields = deviceFields.superRefine(acquiredNotAfterCommissioning);

/** The devices columns the fields set (absent optional fields become null). */
export function deviceColumns(f: DeviceFields) {
  return {
    inventory_number: f.inventoryNumber,
    model_id: f.modelId,
    serial_number: f.serialNumber ?? null,
    lot_number: f.lotNumber ?? null,
    acquired_year: f.acquiredYear ?? null,
    commissioned_on: f.commissionedOn ?? null,
    site_id: f.siteId,
    department_id: f.departmentId ?? null,
    room_id: f.roomId ?? null,
    udi_di: f.udiDi ?? null,
    notified_body: f.notifiedBody ?? null,
    device_class: f.deviceClass ?? null,
    ce_marked: f.ceMarked === undefined ? null : f.ceMarked ? 1 : 0,
    notes: f.notes ?? null,
  } satisfies Partial<Record<keyof DeviceTable, unknown>>;
}
