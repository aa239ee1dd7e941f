import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { z } from 'zod';
import { CompiledQuery, PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { createDb, type Database, type DeviceObligationTable, type DeviceTable, type LogbookEntryTable } from '@medreg/db';
import type { Translate } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { inventoryNumbersTaken } from '../devices/lowered.server.js';
import { newShortCode } from '../devices/short-code.js';
import { nextDueDate, today as localDate, type CalendarDate } from '../inspections/due.js';
import { entryHash, GENESIS_HASH } from '../logbook/chain.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { describeError } from '../trpc/describe.js';
import { sequentialId, timeOrderedId } from '../ids.js';
import { REGISTERED_TEXT } from '../register/devices.server.js';
import { checkRows, type CheckResult, type DeviceRow } from './check.server.js';
import { importFields, suggestMapping, type Mapping } from './columns.js';
import { parseCsv, type ParsedCsv } from './parse.server.js';

/** An uploaded file waits this long for its mapping and import. */
const UPLOAD_TTL_MS = 60 * 60 * 1000;
const UPLOADS_PER_USER = 3;
/** Rows per insert: 21 columns × 1,000 stays below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters. */
const BATCH = 1000;
/** The dry run lists this many problems; the counts cover all. */
export const PROBLEMS_SHOWN = 500;

interface Upload extends ParsedCsv {
  id: string;
  fileName: string;
}

export interface ImportProgress {
  id: string;
  fileName: string;
  total: number;
  done: number;
  phase: 'checking' | 'writing' | 'done' | 'failed';
  created: number;
  error: string | null;
}

/**
 * The imports this process runs, with their progress. Uploads wait in the database and progress is published on the
 * progress board, because the next request may reach another process of the app.
 */
interface ImportState {
  runs: Map<string, ImportProgress & { userId: string; finished: Promise<void> }>;
  /**
   * The parsed rows of the last few uploads: the mapping page, the dry run and the start each read the same file
   * (its bytes never change), and parsing 100,000 rows each time would cost more than the check.
   */
  parsed: Map<string, ParsedCsv>;
}
const states = new WeakMap<Services, ImportState>();
function stateOf(services: Services): ImportState {
  let s = states.get(services);
  if (!s) states.set(services, (s = { runs: new Map(), parsed: new Map() }));
  return s;
}
const BOARD = 'import';
const report = ({ id, fileName, total, done, phase, created, error }: ImportProgress): ImportProgress => ({ id, fileName, total, done, phase, created, error });

// --- inputs -------------------------------------------------------------------------------------------------

const fieldOrIgnore = z.preprocess((v) => (v === '' || v === 'ignore' ? null : v), z.enum(importFields, { error: 'errors.invalidChoice' }).nullable());
const id = z.string({ error: 'imports.errors.uploadExpired' }).uuid({ error: 'imports.errors.uploadExpired' });

/** A mapping from a form (`map.0`, `map.1`, …) or JSON. */
export const mappingInput = z.preprocess(
  (v) => {
    if (!(v instanceof FormData)) return v;
    const mapping: unknown[] = [];
    for (const [k, value] of v) if (/^map\.\d+$/.test(k)) mapping[Number(k.slice(4))] = value;
    return { uploadId: v.get('uploadId'), mapping: Array.from(mapping, (m) => m ?? null) };
  },
  z.object({ uploadId: id, mapping: z.array(fieldOrIgnore).max(500) }),
);

const blob = z.custom<Blob>((v) => v instanceof Blob && v.size > 0, { error: 'imports.errors.noFile' });
export const uploadInput = z.preprocess((v) => (v instanceof FormData ? { file: v.get('file') } : v), z.object({ file: blob }));

// --- upload and dry run -------------------------------------------------------------------------------------

/** Uploads older than an hour are gone, for everyone. */
const expiredBefore = (services: Services) => new Date(services.now().getTime() - UPLOAD_TTL_MS).toISOString();

function remember(services: Services, id: string, p: ParsedCsv): ParsedCsv {
  const { parsed } = stateOf(services);
  if (parsed.size >= 4) parsed.delete(parsed.keys().next().value!);
  parsed.set(id, p);
  return p;
}

function summary(u: Upload) {
  return {
    uploadId: u.id,
    fileName: u.fileName,
    encoding: u.encoding,
    delimiter: u.delimiter,
    rows: u.rows.length,
    headers: u.headers,
    /** The first non-blank value of each column, to recognise it by. */
    samples: u.headers.map((_, i) => u.rows.find((r) => r[i]?.trim())?.[i]?.trim().slice(0, 60) ?? ''),
    suggested: suggestMapping(u.headers),
  };
}
export type UploadSummary = ReturnType<typeof summary>;

/** Reads an uploaded CSV and keeps it for the user's mapping step (one hour, the user's last three). */
export async function uploadCsv(services: Services, user: SessionUser, file: Blob): Promise<UploadSummary> {
  const name = ((file as File).name || 'import.csv').slice(0, 200);
  const content = Buffer.from(await file.arrayBuffer());
  // Time-ordered: a user's newest uploads are the last ids, even under one timestamp.
  const id = sequentialId();
  // Parsed before anything is stored: a file that is not a CSV is refused with nothing kept.
  const upload: Upload = { ...remember(services, id, parseCsv(content, name)), id, fileName: name };
  await services.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('import_uploads').where('uploaded_at', '<', expiredBefore(services)).execute();
    const older = await trx
      .selectFrom('import_uploads')
      .select('id')
      .where('user_id', '=', user.id)
      .orderBy('id', 'desc')
      .offset(UPLOADS_PER_USER - 1)
      .limit(1000)
      .execute();
    if (older.length)
      await trx
        .deleteFrom('import_uploads')
        .where('id', 'in', older.map((o) => o.id))
        .execute();
    await trx.insertInto('import_uploads').values({ id, user_id: user.id, file_name: name, uploaded_at: services.now().toISOString(), content }).execute();
  });
  return summary(upload);
}

async function uploadOf(services: Services, user: SessionUser, uploadId: string): Promise<Upload> {
  const expired = () => badInput('imports.errors.uploadExpired', {}, 'file');
  const row = await services.db
    .selectFrom('import_uploads')
    .select(['id', 'file_name'])
    .where('id', '=', uploadId)
    .where('user_id', '=', user.id)
    .where('uploaded_at', '>=', expiredBefore(services))
    .executeTakeFirst();
  if (!row) throw expired();
  let p = stateOf(services).parsed.get(row.id);
  if (!p) {
    // The bytes (up to 50 MB) only when this process has not parsed them yet.
    const file = await services.db.selectFrom('import_uploads').select('content').where('id', '=', row.id).executeTakeFirst();
    if (!file) throw expired();
    p = remember(services, row.id, parseCsv(file.content, row.file_name));
  }
  return { ...p, id: row.id, fileName: row.file_name };
}

export async function uploadSummary(services: Services, user: SessionUser, uploadId: string): Promise<UploadSummary> {
  return summary(await uploadOf(services, user, uploadId));
}

const today = (services: Services) => localDate(services.now());

/** The dry run of an upload with a mapping: problems (the first 500), counts; nothing written. */
export async function dryRun(services: Services, user: SessionUser, input: { uploadId: string; mapping: Mapping }, t: Translate) {
  const u = await uploadOf(services, user, input.uploadId);
  const result = await checkRows(services.db, { headers: u.headers, rows: u.rows, mapping: input.mapping }, today(services), t);
  return {
    rows: result.rows,
    valid: result.valid,
    problemCount: result.problems.length,
    problems: result.problems.slice(0, PROBLEMS_SHOWN),
    counts: result.counts,
  };
}

// --- the import ---------------------------------------------------------------------------------------------

/**
 * Starts the import of an upload whose dry run is clean: one transaction, all rows or none. Returns at once;
 * `importProgress` follows it. The upload is used up (an import cannot be started twice from it).
 */
export async function startImport(services: Services, user: SessionUser, input: { uploadId: string; mapping: Mapping }, t: Translate) {
  const state = stateOf(services);
  // Any process's import, this one's included (each is on the board from its start to its end).
  const busy = () => services.progress.running(BOARD).length > 0;
  if (busy()) throw new AppError('CONFLICT', 'imports.errors.busy');
  const u = await uploadOf(services, user, input.uploadId);
  const check = await checkRows(services.db, { headers: u.headers, rows: u.rows, mapping: input.mapping }, today(services), t);
  if (check.problems.length > 0) throw badInput('imports.errors.hasProblems', { count: check.problems.length });
  if (busy()) throw new AppError('CONFLICT', 'imports.errors.busy');
  const importId = crypto.randomUUID();
  const progress = { id: importId, userId: user.id, fileName: u.fileName, total: u.rows.length, done: 0, phase: 'checking' as ImportProgress['phase'], created: 0, error: null as string | null };
  try {
    // Published before the run's row exists, so that no other process takes a 'running' row without a report for a
    // run whose process stopped; and at once after the check above, so that another start sees this one.
    services.progress.write(BOARD, importId, report(progress));
    await services.db.transaction().execute(async (trx) => {
      // Used up, once: of two starts of the same upload (two processes), one deletes it, the other finds it gone.
      const used = await trx.deleteFrom('import_uploads').where('id', '=', u.id).executeTakeFirst();
      if (Number(used.numDeletedRows) !== 1) throw badInput('imports.errors.uploadExpired', {}, 'file');
      await trx
        .insertInto('import_runs')
        .values({ id: importId, file_name: u.fileName, rows: u.rows.length, created: 0, status: 'running', error: null, started_by: user.id, started_at: services.now().toISOString(), finished_at: null })
        .execute();
    });
  } catch (e) {
    services.progress.remove(BOARD, importId);
    throw e;
  }
  const finished = runImport(services, user, u.fileName, check.devices, progress, t);
  state.runs.set(importId, Object.assign(progress, { finished }));
  return { importId };
}

async function runImport(services: Services, user: SessionUser, fileName: string, devices: DeviceRow[], progress: ImportProgress, t: Translate) {
  const db = services.db;
  const publish = () => services.progress.write(BOARD, progress.id, report(progress));
  let own: Awaited<ReturnType<typeof importConnection>> | undefined;
  try {
    own = await importConnection(services);
    const created = await own.db.transaction().execute(async (trx) => {
      // Other writers of devices wait until the import commits, so that no inventory number can slip in between
      // the check below and the commit (the device form claims its number inside its own transaction): on
      // PostgreSQL by a table lock that readers do not feel, on SQLite by taking the write lock now.
      if (trx.getExecutor().adapter instanceof PostgresAdapter) await sql`lock table devices in share row exclusive mode`.execute(trx);
      await trx.updateTable('import_runs').set({ status: 'running' }).where('id', '=', progress.id).execute();
      // The rows were checked a moment ago; what can have changed since is the register's inventory numbers
      // (a missing model or location would break a foreign key and roll everything back).
      const clashes = (await inventoryNumbersTaken(trx, devices.map((d) => d.inventory_number))).size;
      if (clashes > 0) throw badInput('imports.errors.hasProblems', { count: clashes });
      progress.phase = 'writing';
      publish();
      await writeDevices(trx, devices, { importId: progress.id, fileName, userId: user.id, now: services.now(), today: today(services) }, (n) => {
        progress.done = n;
        publish();
      });
      await trx
        .updateTable('import_runs')
        .set({ status: 'done', created: devices.length, finished_at: services.now().toISOString() })
        .where('id', '=', progress.id)
        .execute();
      return devices.length;
    });
    progress.created = created;
    progress.phase = 'done';
  } catch (e) {
    const message = describeError(e, t).message;
    progress.phase = 'failed';
    progress.error = message;
    progress.done = 0;
    await db
      .updateTable('import_runs')
      .set({ status: 'failed', error: message, finished_at: services.now().toISOString() })
      .where('id', '=', progress.id)
      .execute()
      .catch(() => undefined);
  } finally {
    // The outcome is in the run's row now; the report would only go stale.
    services.progress.remove(BOARD, progress.id);
    await own?.close();
  }
}

/**
 * On SQLite the import writes through a connection of its own: the app's connection (sessions included) would
 * otherwise wait for the whole transaction, and the progress page could not load. Readers go on meanwhile (WAL);
 * another write waits for the import (busy timeout) like any write on SQLite. The import's connection gets a
 * larger page cache: the default 2 MB thrashes on a dozen indexes of 100,000 new rows.
 */
async function importConnection(services: Services): Promise<{ db: Kysely<Database>; close: () => Promise<void> }> {
  const shared = { db: services.db, close: async () => {} };
  if (services.dialect !== 'sqlite') return shared;
  const files = await sql<{ name: string; file: string }>`pragma database_list`.execute(services.db);
  const file = files.rows.find((r) => r.name === 'main')?.file;
  if (!file) return shared;
  const own = createDb({ sqliteFile: file });
  await sql`pragma cache_size = -262144`.execute(own.db);
  return { db: own.db, close: () => own.close() };
}

/**
 * Writes checked devices with their first logbook entry and their inspection obligations, in batches, inside the
 * caller's transaction. New devices have no inspections yet, so each obligation is due from the commissioning
 * date by its interval (or today without one): the rule of `assignedTypesOf`, without reading empty logbooks.
 */
export async function writeDevices(
  trx: Transaction<Database> | Kysely<Database>,
  devices: DeviceRow[],
  run: { importId: string; fileName: string; userId: string; now: Date; today: CalendarDate },
  onProgress: (done: number) => void = () => {},
): Promise<void> {
  const nowIso = run.now.toISOString();
  const given = new Set<string>();
  const draw = () => {
    let code = newShortCode();
    while (given.has(code)) code = newShortCode();
    given.add(code);
    return code;
  };
  const modelIds = [...new Set(devices.map((d) => d.model_id))];
  const assignments = modelIds.length
    ? await trx
        .selectFrom('model_inspection_types as mit')
        .innerJoin('inspection_types as it', 'it.id', 'mit.inspection_type_id')
        .where('mit.model_id', 'in', modelIds)
        .where('it.archived_at', 'is', null)
        .select(['mit.model_id', 'it.id', 'it.anchor', 'it.interval_months as type_interval', 'mit.interval_months as model_interval'])
        .execute()
    : [];
  const typesOf = new Map<string, typeof assignments>();
  for (const a of assignments) typesOf.set(a.model_id, [...(typesOf.get(a.model_id) ?? []), a]);
  const dueCache = new Map<string, string>();
  const due = (from: CalendarDate, months: number, anchor: (typeof assignments)[number]['anchor']) => {
    const key = `${from}|${months}|${anchor}`;
    let d = dueCache.get(key);
    if (d === undefined) dueCache.set(key, (d = nextDueDate(from, months, anchor)));
    return d;
  };
  const startMs = run.now.getTime();
  const text = `${REGISTERED_TEXT} (Import ${run.fileName})`;
  const details = JSON.stringify({ registered: { source: 'import', importId: run.importId } });

  const pg = trx.getExecutor().adapter instanceof PostgresAdapter;
  for (let i = 0; i < devices.length; i += BATCH) {
    const part = devices.slice(i, i + BATCH);
    const deviceRows: unknown[][] = [];
    const entryRows: unknown[][] = [];
    const obligationRows: unknown[][] = [];
    // Codes are random: at a million devices about one in 34,000 is held already, and one clash would roll the
    // whole import back. Asked per batch through the unique index, not by reading every code of the register.
    const codes = part.map(draw);
    for (;;) {
      const held = new Set((await trx.selectFrom('devices').select('code').where('code', 'in', codes).execute()).map((r) => r.code));
      if (held.size === 0) break;
      for (let k = 0; k < codes.length; k++) if (held.has(codes[k]!)) codes[k] = draw();
    }
    for (let k = 0; k < part.length; k++) {
      const d = part[k]!;
      const n = i + k;
      const id = timeOrderedId(startMs + Math.floor(n / 4096), n % 4096);
      const code = codes[k]!;
      deviceRows.push([
        id, code, d.inventory_number, d.model_id, d.serial_number, d.lot_number, d.acquired_year, d.commissioned_on, d.site_id, d.department_id,
        d.room_id, 'in_service', d.udi_di, d.notified_body, d.device_class, d.ce_marked, d.notes, null, null, nowIso, nowIso,
      ]);
      const entry = {
        id: timeOrderedId(startMs + Math.floor(n / 4096), n % 4096),
        device_id: id,
        seq: 1,
        kind: 'note' as const,
        occurred_at: nowIso,
        recorded_at: nowIso,
        recorded_by: run.userId,
        performed_by: null,
        result: null,
        text,
        corrects_entry_id: null,
        inspection_type_id: null,
        test_instrument_id: null,
        due_on: null,
        next_due_on: null,
        details,
        submission_id: null,
      };
      // Exactly as appendEntry hashes a first entry (no measurements, no attachments).
      const hash = entryHash(GENESIS_HASH, { ...entry, measurements: [], attachments: [] });
      entryRows.push([entry.id, id, 1, 'note', nowIso, nowIso, run.userId, text, details, GENESIS_HASH, hash]);
      for (const a of typesOf.get(d.model_id) ?? []) {
        const months = a.model_interval ?? a.type_interval;
        obligationRows.push([id, a.id, d.site_id, d.department_id, months, d.commissioned_on ? due(d.commissioned_on, months, a.anchor) : run.today, 0]);
      }
    }
    await insertRows(trx, pg, 'devices', DEVICE_COLUMNS, deviceRows);
    await insertRows(trx, pg, 'logbook_entries', ENTRY_COLUMNS, entryRows);
    for (let j = 0; j < obligationRows.length; j += 3000) await insertRows(trx, pg, 'device_obligations', OBLIGATION_COLUMNS, obligationRows.slice(j, j + 3000));
    onProgress(i + part.length);
    // Let the progress requests in between batches.
    await yieldToRequests();
  }
}

// Written as plain parameterised statements: building a query tree for 100,000 rows costs more than SQLite's work.
// Columns left out take their defaults or null (an imported device has no software update, no decommissioning;
// its first entry no performer, result or due dates; its obligations no inspection yet).
const DEVICE_COLUMNS = [
  'id', 'code', 'inventory_number', 'model_id', 'serial_number', 'lot_number', 'acquired_year', 'commissioned_on', 'site_id', 'department_id',
  'room_id', 'status', 'udi_di', 'notified_body', 'device_class', 'ce_marked', 'notes', 'software_version', 'decommissioned_on', 'created_at', 'updated_at',
] as const satisfies readonly (keyof DeviceTable)[];
const ENTRY_COLUMNS = ['id', 'device_id', 'seq', 'kind', 'occurred_at', 'recorded_at', 'recorded_by', 'text', 'details', 'prev_hash', 'hash'] as const satisfies readonly (keyof LogbookEntryTable)[];
const OBLIGATION_COLUMNS = ['device_id', 'inspection_type_id', 'site_id', 'department_id', 'interval_months', 'due_on', 'failed'] as const satisfies readonly (keyof DeviceObligationTable)[];

const statements = new Map<string, string>();
async function insertRows(db: Transaction<Database> | Kysely<Database>, pg: boolean, table: string, columns: readonly string[], rows: unknown[][]) {
  if (rows.length === 0) return;
  const key = `${pg}|${table}|${rows.length}`;
  let text = statements.get(key);
  if (!text) {
    const w = columns.length;
    const tuples = rows.map((_, r) => `(${columns.map((_, c) => (pg ? `$${r * w + c + 1}` : '?')).join(',')})`);
    statements.set(key, (text = `insert into ${table} (${columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`));
  }
  await db.executeQuery(CompiledQuery.raw(text, rows.flat()));
}

/**
 * How far an import is: from memory while this process runs it, from the progress board while another process
 * does, else from its import_runs row.
 */
export async function importProgress(services: Services, user: SessionUser, importId: string): Promise<ImportProgress> {
  const run = stateOf(services).runs.get(importId);
  if (run) {
    if (run.userId !== user.id && user.role !== 'admin') throw notFound('imports.errors.importNotFound');
    const { userId: _u, finished: _f, ...p } = run;
    return p;
  }
  const runRow = () => services.db.selectFrom('import_runs').selectAll().where('id', '=', importId).executeTakeFirst();
  let row = await runRow();
  if (!row || (row.started_by !== user.id && user.role !== 'admin')) throw notFound('imports.errors.importNotFound');
  if (row.status === 'running') {
    const elsewhere = services.progress.read<ImportProgress>(BOARD, importId);
    if (elsewhere) return elsewhere;
    // The report is removed only after the outcome is in the row: the run may have ended between the two reads.
    row = (await runRow()) ?? row;
  }
  return {
    id: row.id,
    fileName: row.file_name,
    total: row.rows,
    done: row.status === 'done' ? row.created : 0,
    // A run left 'running' by a stopped process wrote nothing (its transaction never committed).
    phase: row.status === 'done' ? 'done' : 'failed',
    created: row.created,
    error: row.error,
  };
}

/** Resolves when the import has finished (tests, and a form posted without JavaScript that waits). */
export async function importFinished(services: Services, importId: string): Promise<void> {
  await stateOf(services).runs.get(importId)?.finished;
}

export type { CheckResult };
