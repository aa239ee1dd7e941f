import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@medreg/db';
import type { MessageKey, Params, Translate } from '@medreg/i18n';
import { inventoryNumbersTaken } from '../devices/lowered.server.js';
import { checkedDeviceFields, deviceColumns, type DeviceFields } from '../register/device-fields.js';
import type { CalendarDate } from '../inspections/due.js';
import { badInput } from '../trpc/errors.js';
import { translateIssues } from '../trpc/zod-messages.js';
import { classProblem, dateProblem, normaliseClass, normaliseDate, normaliseYesNo, yesNoProblem, type ImportField, type Mapping } from './columns.js';

type Db = Kysely<Database> | Transaction<Database>;

/** One problem of one row, as the dry run lists it. */
export interface RowProblem {
  /** The row as a spreadsheet numbers it (the header is row 1). */
  row: number;
  /** The CSV column's header ('' when the field is not mapped). */
  column: string;
  field: ImportField;
  /** What kind of problem, for the counts (a message key). */
  kind: ProblemKind;
  message: string;
}

export type DeviceRow = ReturnType<typeof deviceColumns>;

export interface CheckResult {
  rows: number;
  /** Rows without any problem. */
  valid: number;
  problems: RowProblem[];
  /** Problems per kind (message key) with a translated label. */
  counts: { kind: ProblemKind; message: string; count: number }[];
  /** The devices to write, in file order (only complete when there is no problem). */
  devices: DeviceRow[];
}

/** Fields of the device schema → the CSV field the user mapped them from. */
const schemaToField: Record<keyof DeviceFields, ImportField> = {
  inventoryNumber: 'inventoryNumber',
  modelId: 'designation',
  serialNumber: 'serialNumber',
  lotNumber: 'lotNumber',
  acquiredYear: 'acquiredYear',
  commissionedOn: 'commissionedOn',
  siteId: 'site',
  departmentId: 'department',
  roomId: 'room',
  udiDi: 'udiDi',
  notifiedBody: 'notifiedBody',
  deviceClass: 'deviceClass',
  ceMarked: 'ceMarked',
  notes: 'notes',
};

/** Refuses a mapping that names a field twice or leaves out what every device needs. */
export function checkMapping(mapping: Mapping, width: number, t: Translate): void {
  if (mapping.length !== width) throw badInput('imports.errors.mappingWidth', {}, 'mapping');
  const seen = new Set<ImportField>();
  for (const f of mapping) {
    if (!f) continue;
    if (seen.has(f)) throw badInput('imports.errors.mappedTwice', { field: t(`imports.fields.${f}`) }, 'mapping');
    seen.add(f);
  }
  for (const f of ['inventoryNumber', 'site'] as const)
    if (!seen.has(f)) throw badInput('imports.errors.unmapped', { field: t(`imports.fields.${f}`) }, 'mapping');
  if (!seen.has('designation') && !seen.has('type'))
    throw badInput('imports.errors.unmapped', { field: t('imports.fields.designation') }, 'mapping');
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The register's names, to resolve the references of a file (a few thousand rows at most, read once). */
async function loadReferences(db: Db) {
  const [models, sites, buildings, departments, rooms] = await Promise.all([
    db
      .selectFrom('device_models as m')
      .innerJoin('manufacturers as mf', 'mf.id', 'm.manufacturer_id')
      .select(['m.id', 'm.name', 'm.type_designation', 'mf.name as manufacturer'])
      .execute(),
    db.selectFrom('sites').select(['id', 'name']).execute(),
    db.selectFrom('buildings').select(['id', 'site_id', 'name']).execute(),
    db.selectFrom('departments').select(['id', 'site_id', 'building_id', 'name']).execute(),
    db.selectFrom('rooms').select(['id', 'department_id', 'name']).execute(),
  ]);
  const multi = <T>(pairs: [string, T][]) => {
    const map = new Map<string, T[]>();
    for (const [k, v] of pairs) map.set(k, [...(map.get(k) ?? []), v]);
    return map;
  };
  return {
    models,
    sites: multi(sites.map((s) => [norm(s.name), s.id])),
    buildings: multi(buildings.map((b) => [`${b.site_id}|${norm(b.name)}`, b.id])),
    departments: multi(departments.map((d) => [`${d.site_id}|${norm(d.name)}`, d])),
    rooms: multi(rooms.map((r) => [`${r.department_id}|${norm(r.name)}`, r.id])),
  };
}

/** The problem kinds the dry run counts (each has a label in imports.kinds). */
export const problemKinds = [
  'required',
  'unknownModel',
  'ambiguousModel',
  'unknownSite',
  'unknownBuilding',
  'unknownDepartment',
  'ambiguousDepartment',
  'unknownRoom',
  'roomWithoutDepartment',
  'duplicateInFile',
  'duplicateInRegister',
  'invalidDate',
  'futureDate',
  'futureYear',
  'year',
  'yearRange',
  'commissionedTooEarly',
  'acquiredAfterCommissioning',
  'notifiedBody',
  'invalidChoice',
  'tooLong',
  'invalid',
  'extraCells',
] as const;
export type ProblemKind = (typeof problemKinds)[number];

/** A message key (or zod issue code) → the kind it is counted under. */
function kindOf(key: string, code?: string): ProblemKind {
  const last = key.slice(key.lastIndexOf('.') + 1);
  if (last === 'unknownModelOf') return 'unknownModel';
  if ((problemKinds as readonly string[]).includes(last)) return last as ProblemKind;
  return code === 'too_big' ? 'tooLong' : code === 'invalid_type' ? 'required' : 'invalid';
}

type Found<T> = { ok: true; value: T } | { ok: false; key: MessageKey; params: Params; field: ImportField };

/**
 * The dry run: every row resolved against the register and judged by the device form's schema. Nothing is
 * written. The import checks it again when it starts; inside its transaction it re-checks only the inventory
 * numbers (a model or place removed in between fails a foreign key and rolls everything back).
 */
export async function checkRows(
  db: Db,
  input: { headers: string[]; rows: string[][]; mapping: Mapping },
  today: CalendarDate,
  t: Translate,
): Promise<CheckResult> {
  const { headers, rows, mapping } = input;
  checkMapping(mapping, headers.length, t);
  const col = new Map<ImportField, number>();
  mapping.forEach((f, i) => f && col.set(f, i));
  const refs = await loadReferences(db);
  const cell = (cells: string[], f: ImportField) => {
    const i = col.get(f);
    const value = i === undefined ? '' : (cells[i] ?? '');
    // The export defuses formula-like cells with a leading apostrophe: take it off again.
    return value.startsWith("'") && /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
  };
  const taken = await inventoryNumbersTaken(
    db,
    rows.map((cells) => cell(cells, 'inventoryNumber').trim()).filter(Boolean),
  );

  // Thousands of rows name the same model and ward: resolve each name combination once.
  const modelCache = new Map<string, Found<string>>();
  const resolveModel = (manufacturer: string, designation: string, type: string): Found<string> => {
    const cacheKey = `${norm(manufacturer)}\u0000${norm(designation)}\u0000${norm(type)}`;
    const hit = modelCache.get(cacheKey);
    if (hit) return hit;
    const field: ImportField = col.has('designation') ? 'designation' : 'type';
    let found: Found<string>;
    if (!designation.trim() && !type.trim()) found = { ok: false, key: 'errors.required', params: {}, field };
    else {
      const ofMaker = manufacturer.trim() ? refs.models.filter((m) => norm(m.manufacturer) === norm(manufacturer)) : refs.models;
      const byName = designation.trim() ? ofMaker.filter((m) => norm(m.name) === norm(designation)) : ofMaker;
      const byBoth = type.trim() ? byName.filter((m) => norm(m.type_designation) === norm(type)) : byName;
      // The type is the most specific name: when the designation is worded differently, the type decides.
      const candidates = byBoth.length > 0 || !type.trim() ? byBoth : ofMaker.filter((m) => norm(m.type_designation) === norm(type));
      const name = [designation.trim(), type.trim()].filter(Boolean).join(' / ');
      if (candidates.length === 1) found = { ok: true, value: candidates[0]!.id };
      else if (candidates.length === 0)
        found = manufacturer.trim()
          ? { ok: false, key: 'imports.errors.unknownModelOf', params: { model: name, manufacturer: manufacturer.trim() }, field }
          : { ok: false, key: 'imports.errors.unknownModel', params: { model: name }, field };
      else found = { ok: false, key: 'imports.errors.ambiguousModel', params: { model: name }, field: col.has('manufacturer') ? 'manufacturer' : field };
    }
    modelCache.set(cacheKey, found);
    return found;
  };

  const locationCache = new Map<string, Found<{ siteId: string; departmentId?: string; roomId?: string }>>();
  const resolveLocation = (site: string, building: string, department: string, room: string) => {
    const cacheKey = [site, building, department, room].map(norm).join('\u0000');
    const hit = locationCache.get(cacheKey);
    if (hit) return hit;
    const found = ((): Found<{ siteId: string; departmentId?: string; roomId?: string }> => {
      if (!site.trim()) return { ok: false, key: 'errors.required', params: {}, field: 'site' };
      const siteIds = refs.sites.get(norm(site)) ?? [];
      if (siteIds.length !== 1) return { ok: false, key: 'imports.errors.unknownSite', params: { name: site.trim() }, field: 'site' };
      const siteId = siteIds[0]!;
      let buildingId: string | undefined;
      if (building.trim()) {
        const ids = refs.buildings.get(`${siteId}|${norm(building)}`) ?? [];
        if (ids.length !== 1) return { ok: false, key: 'imports.errors.unknownBuilding', params: { name: building.trim(), site: site.trim() }, field: 'building' };
        buildingId = ids[0];
      }
      if (!department.trim()) {
        if (room.trim()) return { ok: false, key: 'imports.errors.roomWithoutDepartment', params: { name: room.trim() }, field: 'room' };
        return { ok: true, value: { siteId } };
      }
      const deps = (refs.departments.get(`${siteId}|${norm(department)}`) ?? []).filter((d) => !buildingId || d.building_id === buildingId);
      if (deps.length === 0) return { ok: false, key: 'imports.errors.unknownDepartment', params: { name: department.trim(), site: site.trim() }, field: 'department' };
      if (deps.length > 1) return { ok: false, key: 'imports.errors.ambiguousDepartment', params: { name: department.trim() }, field: 'department' };
      const departmentId = deps[0]!.id;
      if (!room.trim()) return { ok: true, value: { siteId, departmentId } };
      const roomIds = refs.rooms.get(`${departmentId}|${norm(room)}`) ?? [];
      if (roomIds.length !== 1) return { ok: false, key: 'imports.errors.unknownRoom', params: { name: room.trim(), department: department.trim() }, field: 'room' };
      return { ok: true, value: { siteId, departmentId, roomId: roomIds[0] } };
    })();
    locationCache.set(cacheKey, found);
    return found;
  };

  const problems: RowProblem[] = [];
  const counts = new Map<ProblemKind, { message: string; count: number }>();
  const add = (row: number, field: ImportField, kind: ProblemKind, message: string, column?: string) => {
    const i = col.get(field);
    problems.push({ row, column: column ?? (i === undefined ? '' : headers[i]!), field, kind, message });
    const c = counts.get(kind);
    if (c) c.count++;
    else counts.set(kind, { message: t(`imports.kinds.${kind}` as MessageKey), count: 1 });
  };
  const devices: DeviceRow[] = [];
  const firstRowOf = new Map<string, number>();
  const year = Number(today.slice(0, 4));
  let valid = 0;

  for (let r = 0; r < rows.length; r++) {
    const cells = rows[r]!;
    const rowNo = r + 2;
    const v = (f: ImportField) => cell(cells, f);
    const before = problems.length;
    const extra = cells.slice(headers.length).filter((c) => c.trim() !== '').length;
    if (extra > 0) add(rowNo, 'inventoryNumber', 'extraCells', t('imports.errors.extraCells', { cells: headers.length + extra, columns: headers.length }), '');
    const model = resolveModel(v('manufacturer'), v('designation'), v('type'));
    if (!model.ok) add(rowNo, model.field, kindOf(model.key), t(model.key, model.params));
    const location = resolveLocation(v('site'), v('building'), v('department'), v('room'));
    if (!location.ok) add(rowNo, location.field, kindOf(location.key), t(location.key, location.params));

    const inventory = v('inventoryNumber').trim();
    if (inventory) {
      const key = inventory.toLowerCase();
      const first = firstRowOf.get(key);
      if (first !== undefined) add(rowNo, 'inventoryNumber', 'duplicateInFile', t('imports.errors.duplicateInFile', { number: inventory, row: first }));
      else firstRowOf.set(key, rowNo);
      if (taken.has(inventory)) add(rowNo, 'inventoryNumber', 'duplicateInRegister', t('imports.errors.duplicateInRegister', { number: inventory }));
    }
    // Cells a file gets wrong in its own way are named in the file's terms (which formats or values are read), not
    // in the device form's (whose select offers the classes); the schema below then skips these fields.
    const commissionedOn = normaliseDate(v('commissionedOn'));
    const badDate = dateProblem(v('commissionedOn'));
    if (badDate) add(rowNo, 'commissionedOn', 'invalidDate', t(badDate.key, badDate.params));
    else if (/^\d{4}-\d{2}-\d{2}$/.test(commissionedOn) && commissionedOn > today)
      add(rowNo, 'commissionedOn', 'futureDate', t('imports.errors.futureDate', { date: v('commissionedOn').trim() }));
    const badClass = classProblem(v('deviceClass'));
    if (badClass) add(rowNo, 'deviceClass', 'invalidChoice', t(badClass.key, badClass.params));
    const badYesNo = yesNoProblem(v('ceMarked'));
    if (badYesNo) add(rowNo, 'ceMarked', 'invalidChoice', t(badYesNo.key, badYesNo.params));
    const acquired = v('acquiredYear').trim();
    if (/^\d{4}$/.test(acquired) && Number(acquired) > year) add(rowNo, 'acquiredYear', 'futureYear', t('imports.errors.futureYear', { year: acquired }));

    const parsed = checkedDeviceFields.safeParse({
      inventoryNumber: inventory,
      // References that did not resolve were reported above: stand-ins keep the schema from reporting them again.
      modelId: model.ok ? model.value : '?',
      serialNumber: v('serialNumber'),
      lotNumber: v('lotNumber'),
      acquiredYear: acquired,
      commissionedOn,
      siteId: location.ok ? location.value.siteId : '?',
      departmentId: location.ok ? location.value.departmentId : undefined,
      roomId: location.ok ? location.value.roomId : undefined,
      udiDi: v('udiDi'),
      notifiedBody: v('notifiedBody'),
      deviceClass: v('deviceClass').trim() ? normaliseClass(v('deviceClass')) : '',
      ceMarked: v('ceMarked').trim() ? normaliseYesNo(v('ceMarked')) : '',
      notes: v('notes'),
    });
    if (!parsed.success) {
      const messages = translateIssues(parsed.error.issues, t);
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]) as keyof DeviceFields;
        const field = schemaToField[key] ?? 'inventoryNumber';
        const message = messages[issue.path.join('.')];
        if (!message || problems.slice(before).some((p) => p.field === field)) continue;
        add(rowNo, field, kindOf(issue.message, issue.code), message);
      }
    }
    if (problems.length === before && parsed.success) {
      valid++;
      devices.push(deviceColumns(parsed.data));
    }
  }
  return {
    rows: rows.length,
    valid,
    problems,
    counts: [...counts].map(([kind, c]) => ({ kind, ...c })).sort((a, b) => b.count - a.count),
    devices,
  };
}

