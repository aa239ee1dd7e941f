// Pure: the register's CSV columns, their header names in German and English, and the header → field guess.
// The export writes the first name of each language, so an exported file maps itself on re-import.

import { deviceClasses } from '../register/device-fields.js';

/** Fields a CSV column can be mapped to. References (model, location) are given by name. */
export const importFields = [
  'inventoryNumber',
  'designation',
  'type',
  'manufacturer',
  'serialNumber',
  'lotNumber',
  'acquiredYear',
  'commissionedOn',
  'site',
  'building',
  'department',
  'room',
  'udiDi',
  'notifiedBody',
  'deviceClass',
  'ceMarked',
  'notes',
] as const;
export type ImportField = (typeof importFields)[number];

/** Columns the export adds for reading only (Art, Status, Code): the import ignores them. */
export const exportOnlyColumns = ['kind', 'status', 'code'] as const;
export type ExportOnlyColumn = (typeof exportOnlyColumns)[number];

export type Lang = 'de' | 'en';

/** Header names per field; the first of each language is what the export writes. */
export const headerNames: Record<ImportField | ExportOnlyColumn, Record<Lang, string[]>> = {
  inventoryNumber: { de: ['Inventarnummer', 'Inventar-Nr.', 'Inv.-Nr.', 'Inventarnr'], en: ['Inventory number', 'Inventory no', 'Asset number', 'Asset no', 'Asset tag'] },
  designation: { de: ['Bezeichnung', 'Modell', 'Modellbezeichnung', 'Gerätebezeichnung', 'Gerät'], en: ['Designation', 'Model', 'Model name', 'Device'] },
  type: { de: ['Typ', 'Typbezeichnung', 'Gerätetyp'], en: ['Type', 'Model type', 'Type designation'] },
  manufacturer: { de: ['Hersteller', 'Herstellername'], en: ['Manufacturer', 'Vendor', 'Make'] },
  serialNumber: { de: ['Seriennummer', 'Serien-Nr.', 'Seriennr', 'SN'], en: ['Serial number', 'Serial no', 'Serial'] },
  lotNumber: { de: ['Charge/Los', 'Charge', 'Los', 'Chargennummer', 'Losnummer', 'Chargen-/Losnummer'], en: ['Lot', 'Lot number', 'Batch', 'Lot code', 'Batch number'] },
  acquiredYear: { de: ['Anschaffungsjahr', 'Beschaffungsjahr'], en: ['Acquisition year', 'Year of acquisition', 'Year acquired', 'Purchase year'] },
  commissionedOn: { de: ['Inbetriebnahme', 'Inbetriebnahmedatum', 'Datum Inbetriebnahme', 'In Betrieb seit'], en: ['Commissioning', 'Commissioned on', 'Commissioning date', 'In service since'] },
  site: { de: ['Standort', 'Klinikstandort'], en: ['Site', 'Location', 'Hospital site'] },
  building: { de: ['Gebäude', 'Gebaeude', 'Haus'], en: ['Building'] },
  department: { de: ['Station/Abteilung', 'Station', 'Abteilung', 'Organisationseinheit', 'Fachabteilung'], en: ['Ward/department', 'Ward', 'Department', 'Unit'] },
  room: { de: ['Raum', 'Zimmer', 'Raumnummer'], en: ['Room', 'Room number'] },
  udiDi: { de: ['UDI-DI', 'UDI'], en: ['UDI-DI', 'UDI'] },
  notifiedBody: { de: ['Benannte Stelle', 'Kennnummer Benannte Stelle', 'Benannte Stelle Nr.'], en: ['Notified body', 'Notified body number'] },
  deviceClass: { de: ['Klasse', 'Risikoklasse', 'Geräteklasse', 'MDR-Klasse'], en: ['Class', 'Device class', 'Risk class', 'MDR class'] },
  ceMarked: { de: ['CE', 'CE-Kennzeichnung', 'CE-Zeichen'], en: ['CE', 'CE marked', 'CE marking'] },
  notes: { de: ['Bemerkung', 'Bemerkungen', 'Notiz', 'Anmerkung'], en: ['Notes', 'Note', 'Remarks', 'Comment'] },
  kind: { de: ['Art', 'Geräteart'], en: ['Kind', 'Device kind'] },
  status: { de: ['Status'], en: ['Status'] },
  code: { de: ['Code', 'Etikett-Code'], en: ['Code', 'Label code'] },
};

/** Compares header names regardless of case, umlauts, spaces and punctuation ("Gebäude" = "gebaeude" = "GEBAUDE"). */
export function headerKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'a')
    .replace(/ö/g, 'o')
    .replace(/ü/g, 'u')
    .replace(/ß/g, 'ss')
    .replace(/ae/g, 'a')
    .replace(/oe/g, 'o')
    .replace(/ue/g, 'u')
    .normalize('NFD')
    .replace(/[^a-z0-9]/g, '');
}

const byKey = new Map<string, ImportField | ExportOnlyColumn>();
for (const [field, names] of Object.entries(headerNames) as [ImportField | ExportOnlyColumn, Record<Lang, string[]>][])
  for (const name of [...names.de, ...names.en]) if (!byKey.has(headerKey(name))) byKey.set(headerKey(name), field);

export type Mapping = (ImportField | null)[];

/** The field each column most likely holds (null: ignore). A field is taken by its first column only. */
export function suggestMapping(headers: readonly string[]): Mapping {
  const taken = new Set<string>();
  return headers.map((h) => {
    const field = byKey.get(headerKey(h));
    if (!field || taken.has(field) || (exportOnlyColumns as readonly string[]).includes(field)) return null;
    taken.add(field);
    return field as ImportField;
  });
}

/** The export's header row. */
export function exportHeaders(lang: Lang): string[] {
  return [...importFields, ...exportOnlyColumns].map((f) => headerNames[f][lang][0]!);
}

// --- values as people type them in spreadsheets ------------------------------------------------------------

/** 'YYYY-MM-DD' from ISO or German dates (31.12.2024, 1.2.2024, 31.12.24); other text is left for the schema to refuse. */
export function normaliseDate(v: string): string {
  const s = v.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(s);
  if (iso) return `${iso[1]}-${iso[2]!.padStart(2, '0')}-${iso[3]!.padStart(2, '0')}`;
  const de = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(s);
  if (de) {
    // Two-digit years: a commissioning date is in the past, so 00-69 is 20xx.
    const year = de[3]!.length === 2 ? (Number(de[3]) < 70 ? `20${de[3]}` : `19${de[3]}`) : de[3];
    return `${year}-${de[2]!.padStart(2, '0')}-${de[1]!.padStart(2, '0')}`;
  }
  return s;
}

/** 'yes' / 'no' from ja/nein, yes/no, x, true/false, 1/0; other text is left for the schema to refuse. */
export function normaliseYesNo(v: string): string {
  const s = v.trim().toLowerCase();
  if (['ja', 'j', 'yes', 'y', 'x', 'true', 'wahr', '1'].includes(s)) return 'yes';
  if (['nein', 'n', 'no', 'false', 'falsch', '0', '-'].includes(s)) return 'no';
  return v;
}

/** Device class as the schema spells it (I, IIa, IIb, III) from "iia", "2a", "Klasse IIb". */
export function normaliseClass(v: string): string {
  const s = v.trim().replace(/^(klasse|class)\s*/i, '').toLowerCase();
  const map: Record<string, string> = { i: 'I', '1': 'I', iia: 'IIa', '2a': 'IIa', iib: 'IIb', '2b': 'IIb', iii: 'III', '3': 'III' };
  return map[s] ?? v;
}

// --- what is wrong with a cell, in the words of a file (a CSV offers no options to choose from) --------------

/** A cell's problem as a message key of the import and its parameters. */
export type CellProblem = { key: 'imports.errors.invalidDate' | 'imports.errors.noSuchDate' | 'imports.errors.deviceClass' | 'imports.errors.yesNo'; params: Record<string, string> };

/** A calendar day: "2022-02-31" has the form of a date but is none. */
const isCalendarDay = (iso: string) => {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(iso);
};

/**
 * What is wrong with a date cell (null: nothing, or empty). A cell in one of the read formats naming a day the
 * calendar lacks (31.02.2022, 2022-13-01) does not exist; anything else is not readable as a date.
 */
export function dateProblem(cell: string): CellProblem | null {
  const raw = cell.trim();
  if (!raw) return null;
  const iso = normaliseDate(raw);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return { key: 'imports.errors.invalidDate', params: { date: raw } };
  return isCalendarDay(iso) ? null : { key: 'imports.errors.noSuchDate', params: { date: raw } };
}

/** What is wrong with a device class cell: it names the classes there are (null: a class, or empty). */
export function classProblem(cell: string): CellProblem | null {
  const raw = cell.trim();
  if (!raw || (deviceClasses as readonly string[]).includes(normaliseClass(raw))) return null;
  return { key: 'imports.errors.deviceClass', params: { value: raw, allowed: deviceClasses.join(', ') } };
}

/** What is wrong with a yes/no cell (CE marked): it says which words are read (null: yes, no, or empty). */
export function yesNoProblem(cell: string): CellProblem | null {
  const raw = cell.trim();
  if (!raw || ['yes', 'no'].includes(normaliseYesNo(raw))) return null;
  return { key: 'imports.errors.yesNo', params: { value: raw } };
}
