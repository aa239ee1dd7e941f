export const DEVICE_FIELDS = [
  'inventoryNumber', 'modelId', 'serialNumber', 'lotNumber', 'acquiredYear', 'commissionedOn', 'siteId', 'departmentId', 'roomId',
  'udiDi', 'notifiedBody', 'deviceClass', 'ceMarked', 'notes',
] as const;

/** The form's fields as typed; the API reads and judges them (the CSV import uses the same rules). */
export function deviceForm(form: FormData, fields: readonly string[] = DEVICE_FIELDS): Record<string, string> {
  return Object.fromEntries(fields.map((k) => [k, String(form.get(k) ?? '').trim()]));
}

