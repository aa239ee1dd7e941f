/**
 * A synthetic hospital group for the benchmarks: sites with wards and rooms, the register benchmark's 200 models
 * of 20 designations, 10 kinds and 5 manufacturers, devices with hash-chained logbooks (past inspections, locks),
 * people of every role, instruction sessions and appointed persons, then the stored obligations rebuilt by the
 * app's own `refreshAllObligations`. Rows go in as multi-row statements in one transaction, which is what makes a
 * million rows a matter of seconds. Past inspections carry no measured values (their hashes cover that: none).
 */
import { hashPassword } from 'better-auth/crypto';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Dialect, Role } from '@medreg/db';
import { newShortCode } from '../src/devices/short-code.js';
import { nextDueDate, today as todayOf } from '../src/inspections/due.js';
import { refreshAllObligations } from '../src/inspections/obligations.server.js';
import { entryHash, GENESIS_HASH } from '../src/logbook/chain.js';
import { REGISTERED_TEXT } from '../src/register/devices.server.js';
import { inspectionTypes as seedTypes } from '../src/seed/catalog.js';
import { timeOrderedId } from '../src/ids.js';

// What the HTTP benchmark needs to run an import's SQL in-process (its raw-SQL floor).
export { writeDevices } from '../src/imports/run.server.js';
export { checkRows } from '../src/imports/check.server.js';
export { parseCsv } from '../src/imports/parse.server.js';
export { FileStore } from '../src/files/store.server.js';

/** The register benchmark's catalogue: a word finds a share of the register, not all of it. */
export const makers = ['B. Braun Melsungen AG', 'Fresenius Kabi AG', 'Drägerwerk AG', 'Philips Medizin Systeme', 'Stryker'];
export const designations = ['Perfusor', 'Infusomat', 'Agilia', 'Evita', 'Babylog', 'Servo', 'Lifepak', 'Beneheart', 'Intellivue', 'Carescape',
  'Cardiovit', 'Vio', 'Thermoscan', 'Icare', 'Centrella', 'Connex', 'Probp', 'Basic', 'Oxylog', 'Savina'];
export const kinds = ['Spritzenpumpe', 'Infusionspumpe', 'Beatmungsgerät', 'Defibrillator', 'Patientenmonitor', 'EKG-Gerät', 'HF-Chirurgiegerät',
  'Ohrthermometer', 'Augentonometer', 'Pflegebett'];
/** Commissioning dates spread over ten years, so due dates spread too. */
export const commissionedOn = (i: number) => new Date(Date.UTC(2015, 0, 1) + ((i * 37) % 3650) * 86_400_000).toISOString().slice(0, 10);

export interface GroupSize {
  devices: number;
  users: number;
  /** Logbook entries in all (at least one per device: its registration). */
  entries: number;
  /** Instruction records: trainees over all sessions (ten per session). */
  instructions: number;
  sites?: number;
  wardsPerSite?: number;
  /** Accounts that can sign in, per role (the benchmark's clients); everybody else has no password. */
  accountsPerRole?: number;
}

export interface Account {
  id: string;
  email: string;
  role: Role;
  departmentIds: string[];
}

export interface HospitalGroup {
  password: string;
  accounts: Account[];
  sites: { id: string; name: string }[];
  wards: { id: string; siteId: string; name: string; rooms: { id: string; name: string }[] }[];
  models: { id: string; manufacturer: string; name: string; type: string; anlage1: boolean }[];
  inspectionTypes: { id: string; code: string }[];
  instrumentId: string;
  /** Counts as written, for the report. */
  rows: Record<string, number>;
}

export type Progress = (message: string, done: number, total: number) => void;

const PER_SESSION = 10;
const DAY = 86_400_000;

/** Multi-row inserts, buffered per table; SQLite binds at most 32,766 parameters per statement, PostgreSQL 65,535. */
class Writer {
  private buffers = new Map<string, unknown[][]>();
  private statements = new Map<string, string>();
  readonly counts: Record<string, number> = {};
  constructor(
    private trx: Transaction<Database> | Kysely<Database>,
    private pg: boolean,
    private columns: Record<string, readonly string[]>,
  ) {}

  async add(table: string, row: unknown[]) {
    let b = this.buffers.get(table);
    if (!b) this.buffers.set(table, (b = []));
    b.push(row);
    // A full buffer flushes every table, parents first, so that no row arrives before the row it references.
    if (b.length >= Math.floor((this.pg ? 60_000 : 30_000) / this.columns[table]!.length)) await this.flush();
  }

  async flush() {
    for (const t of Object.keys(this.columns)) {
      const rows = this.buffers.get(t);
      if (!rows?.length) continue;
      this.buffers.set(t, []);
      const cols = this.columns[t]!;
      const key = `${t}|${rows.length}`;
      let text = this.statements.get(key);
      if (!text) {
        const w = cols.length;
        const tuples = rows.map((_, r) => `(${cols.map((_, c) => (this.pg ? `$${r * w + c + 1}` : '?')).join(',')})`);
        this.statements.set(key, (text = `insert into ${t} (${cols.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`));
      }
      await this.trx.executeQuery(CompiledQuery.raw(text, rows.flat()));
      this.counts[t] = (this.counts[t] ?? 0) + rows.length;
    }
  }
}

const COLUMNS = {
  sites: ['id', 'name', 'address', 'created_at'],
  buildings: ['id', 'site_id', 'name'],
  departments: ['id', 'site_id', 'building_id', 'name', 'kind', 'cost_centre'],
  rooms: ['id', 'department_id', 'name', 'floor'],
  manufacturers: ['id', 'name', 'address', 'country'],
  device_models: ['id', 'manufacturer_id', 'name', 'kind', 'type_designation', 'anlage1', 'anlage2', 'software_version', 'device_class', 'protection_class', 'applied_part', 'instruction_validity_months', 'created_at'],
  inspection_types: ['id', 'code', 'name_de', 'name_en', 'legal_reference', 'interval_months', 'anchor', 'performer_roles', 'form', 'created_at'],
  model_inspection_types: ['model_id', 'inspection_type_id', 'interval_months'],
  test_instruments: ['id', 'name', 'serial_number', 'kind', 'calibration_due_on', 'retired_at', 'created_at'],
  users: ['id', 'name', 'email', 'email_verified', 'image', 'created_at', 'updated_at', 'role', 'phone', 'locale', 'blocked_at'],
  accounts: ['id', 'user_id', 'account_id', 'provider_id', 'password', 'created_at', 'updated_at'],
  user_departments: ['user_id', 'department_id'],
  devices: ['id', 'code', 'inventory_number', 'model_id', 'serial_number', 'lot_number', 'acquired_year', 'commissioned_on', 'site_id', 'department_id', 'room_id', 'status', 'created_at', 'updated_at'],
  logbook_entries: ['id', 'device_id', 'seq', 'kind', 'occurred_at', 'recorded_at', 'recorded_by', 'performed_by', 'result', 'text', 'inspection_type_id', 'due_on', 'next_due_on', 'details', 'prev_hash', 'hash'],
  locks: ['id', 'device_id', 'reason', 'incident_suspected', 'locked_by', 'locked_at', 'lock_entry_id'],
  instructions: ['id', 'model_id', 'site_id', 'instructor_user_id', 'instructor_name', 'instructor_role', 'method', 'instructed_on', 'software_version', 'valid_until', 'remark', 'recorded_by', 'recorded_at'],
  instruction_trainees: ['instruction_id', 'user_id', 'confirmed_at', 'confirmation'],
  appointed_persons: ['id', 'model_id', 'site_id', 'user_id', 'instructed_on', 'evidence', 'instruction_id', 'appointed_by', 'appointed_at'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Fills an empty, migrated database with a hospital group of the given size. `progress` is called as tables
 * fill. Deterministic apart from ids, label codes and the hash chains they feed.
 */
export async function generateHospitalGroup(db: Kysely<Database>, dialect: Dialect, size: GroupSize, progress: Progress = () => {}): Promise<HospitalGroup> {
  const pg = dialect === 'postgres';
  const now = new Date();
  const nowIso = now.toISOString();
  const todayDate = todayOf(now);
  const todayMs = Date.parse(`${todayDate}T00:00:00Z`);
  const SITES = size.sites ?? 10;
  const WARDS = size.wardsPerSite ?? 30;
  const ACCOUNTS = size.accountsPerRole ?? 32;
  const password = 'bench-passwort';
  const passwordHash = await hashPassword(password);
  const N = size.devices;
  const entriesTotal = Math.max(size.entries, N);
  const id = () => crypto.randomUUID();

  // The default 2 MB page cache thrashes on the indexes of a million new rows (as the import's own connection).
  if (!pg) await sql`pragma cache_size = -524288`.execute(db);
  const group = await db.transaction().execute(async (trx) => {
    const w = new Writer(trx, pg, COLUMNS);
    // Places: SITES sites with two buildings, WARDS wards each, four rooms per ward.
    const sites = Array.from({ length: SITES }, (_, s) => ({ id: id(), name: `Klinikum ${s + 1}` }));
    const wards: HospitalGroup['wards'] = [];
    for (const [s, site] of sites.entries()) {
      await w.add('sites', [site.id, site.name, `Klinikstraße ${s + 1}, 50937 Köln`, nowIso]);
      const buildings = [id(), id()];
      for (const [b, bid] of buildings.entries()) await w.add('buildings', [bid, site.id, `Haus ${'AB'[b]}`]);
      for (let k = 0; k < WARDS; k++) {
        const ward = { id: id(), siteId: site.id, name: `Station ${s + 1}.${String(k + 1).padStart(2, '0')}`, rooms: [1, 2, 3, 4].map((r) => ({ id: id(), name: `Raum ${k + 1}.0${r}` })) };
        wards.push(ward);
        await w.add('departments', [ward.id, site.id, buildings[k % 2], ward.name, 'ward', `KST-${4100 + k}`]);
        for (const r of ward.rooms) await w.add('rooms', [r.id, ward.id, r.name, String(1 + (k % 6))]);
      }
    }
    // Models: anlage1 for two in three, anlage2 for one in seven; class I with BF parts so the electrical forms apply.
    const makerIds = makers.map(() => id());
    for (const [k, name] of makers.entries()) await w.add('manufacturers', [makerIds[k], name, 'Musterstraße 1, 34212 Melsungen', 'DE']);
    const models = Array.from({ length: 200 }, (_, i) => ({
      id: id(), manufacturer: makers[i % 5]!, name: `${designations[i % 20]} ${i}`, type: `T${8713000 + i}`, anlage1: i % 3 !== 0, anlage2: i % 7 === 0,
      kind: kinds[i % 10]!, makerId: makerIds[i % 5]!,
    }));
    for (const [i, m] of models.entries())
      await w.add('device_models', [m.id, m.makerId, m.name, m.kind, m.type, m.anlage1 ? 1 : 0, m.anlage2 ? 1 : 0, i % 4 === 0 ? '2.4' : null, 'IIb', 'I', 'BF', i % 5 === 0 ? 12 : null, nowIso]);
    // The demo's STK, electrical safety and NIBP MTK, with their forms and limits.
    const typeDefs = ['STK', 'EL-62353', 'MTK-NIBP'].map((code) => ({ ...seedTypes.find((t) => t.code === code)!, id: id() }));
    for (const t of typeDefs)
      await w.add('inspection_types', [t.id, t.code, t.name_de, t.name_en, t.legal_reference, t.interval_months, t.anchor, 'technician,manager', JSON.stringify(t.form), nowIso]);
    const [stk, el, mtk] = typeDefs as [(typeof typeDefs)[0], (typeof typeDefs)[0], (typeof typeDefs)[0]];
    const typesOf = (m: (typeof models)[number]) => [...(m.anlage1 ? [stk] : []), el, ...(m.anlage2 ? [mtk] : [])];
    for (const m of models) for (const t of typesOf(m)) await w.add('model_inspection_types', [m.id, t.id, null]);
    const instrumentId = id();
    await w.add('test_instruments', [instrumentId, 'Fluke ESA615', 'ESA615-BENCH', 'Sicherheitstester nach IEC 62353', `${now.getUTCFullYear() + 2}-12-31`, null, nowIso]);
    await w.flush();

    // People: a few admins, managers and technicians for the group, the rest nurses of one ward each.
    const roleOf = (i: number): Role => (i < 2 ? 'admin' : i < 2 + Math.max(ACCOUNTS, 40) ? 'manager' : i < 2 + Math.max(ACCOUNTS, 40) + Math.max(ACCOUNTS, 300) ? 'technician' : 'nurse');
    const users = Math.max(size.users, 2 + Math.max(ACCOUNTS, 40) + Math.max(ACCOUNTS, 300) + ACCOUNTS);
    const userIds: string[] = [];
    const nurses: { id: string; ward: number }[] = [];
    const technicians: string[] = [];
    const accounts: Account[] = [];
    const signedIn: Record<Role, number> = { admin: 0, manager: 0, technician: 0, nurse: 0 };
    for (let i = 0; i < users; i++) {
      const uid = id();
      const role = roleOf(i);
      userIds.push(uid);
      const email = `${role}${i}@bench.medreg`;
      await w.add('users', [uid, `${role === 'nurse' ? 'Pflege' : role === 'technician' ? 'Technik' : role === 'manager' ? 'Leitung' : 'Admin'} ${i}`, email, pg ? true : 1, null, nowIso, nowIso, role, null, null, null]);
      const departmentIds: string[] = [];
      if (role === 'nurse') {
        const ward = i % wards.length;
        nurses.push({ id: uid, ward });
        departmentIds.push(wards[ward]!.id);
        await w.add('user_departments', [uid, wards[ward]!.id]);
      }
      if (role === 'technician') technicians.push(uid);
      if (signedIn[role] < ACCOUNTS) {
        signedIn[role]++;
        accounts.push({ id: uid, email, role, departmentIds });
        await w.add('accounts', [id(), uid, uid, 'credential', passwordHash, nowIso, nowIso]);
      }
      if (i % 2000 === 1999) progress('people', i + 1, users);
    }
    await w.flush();
    progress('people', users, users);

    // Devices, each with a hash-chained logbook: its registration, then inspections every half year (the types
    // in turn) up to a few months ago, one in 500 with a failed inspection, one in 300 locked at the end.
    const recorder = technicians[0]!;
    const codes = new Set<string>();
    const startMs = now.getTime() - 1000 * 86_400_000;
    let written = 0;
    for (let i = 0; i < N; i++) {
      const m = models[i % models.length]!;
      const wi = i % wards.length;
      const ward = wards[wi]!;
      const room = ward.rooms[Math.floor(i / wards.length) % 4]!;
      const deviceId = timeOrderedId(startMs + Math.floor(i / 4096), i % 4096);
      let code = newShortCode();
      while (codes.has(code)) code = newShortCode();
      codes.add(code);
      const count = Math.floor(entriesTotal / N) + (i < entriesTotal % N ? 1 : 0);
      const locked = i % 300 === 150 && count >= 2;
      // The last entry lies 20 to 420 days back; earlier ones every 180 days before it.
      const lastMs = todayMs - (20 + ((i * 37) % 400)) * DAY;
      const firstMs = lastMs - (count - 1) * 180 * DAY;
      const commissioned = new Date(firstMs).toISOString().slice(0, 10);
      await w.add('devices', [deviceId, code, `MT-${String(100000 + i)}`, m.id, `SN${(i * 7919) % 10_000_000}`, null, Number(commissioned.slice(0, 4)), commissioned, ward.siteId, ward.id, room.id, locked ? 'locked' : 'in_service', nowIso, nowIso]);
      const types = typesOf(m);
      let prev = GENESIS_HASH;
      for (let seq = 1; seq <= count; seq++) {
        const at = new Date(firstMs + (seq - 1) * 180 * DAY);
        const on = at.toISOString().slice(0, 10);
        const occurred = `${on}T10:00:00.000Z`;
        const entryId = timeOrderedId(startMs + Math.floor((written + seq) / 4096), (written + seq) % 4096);
        let e;
        if (seq === 1) e = { kind: 'note' as const, result: null, text: REGISTERED_TEXT, type: null, due: null, next: null, details: JSON.stringify({ registered: { source: 'import', importId: 'bench' } }) };
        else if (locked && seq === count) e = { kind: 'lock' as const, result: null, text: 'Gehäuse gebrochen, Netzkabel beschädigt', type: null, due: null, next: null, details: JSON.stringify({ incidentSuspected: false, previousStatus: 'in_service', causeEntryId: null }) };
        else {
          const t = types[seq % types.length]!;
          const failed = i % 500 === 0 && seq === count - 1;
          e = { kind: 'inspection' as const, result: failed ? ('failed' as const) : ('passed' as const), text: null, type: t.id, due: null, next: failed ? on : nextDueDate(on, t.interval_months, t.anchor), details: null };
        }
        const row = {
          id: entryId, device_id: deviceId, seq, kind: e.kind, occurred_at: occurred, recorded_at: occurred, recorded_by: recorder, performed_by: e.kind === 'inspection' ? 'Medizintechnik' : null,
          result: e.result, text: e.text, corrects_entry_id: null, inspection_type_id: e.type, test_instrument_id: null, due_on: e.due, next_due_on: e.next, details: e.details, submission_id: null,
        };
        // Exactly as appendEntry hashes an entry without measurements or attachments: `npm run verify-logbook` passes.
        const hash = entryHash(prev, { ...row, measurements: [], attachments: [] });
        await w.add('logbook_entries', [entryId, deviceId, seq, e.kind, occurred, occurred, recorder, row.performed_by, e.result, e.text, e.type, e.due, e.next, e.details, prev, hash]);
        prev = hash;
        if (e.kind === 'lock') await w.add('locks', [id(), deviceId, e.text!, 0, recorder, occurred, entryId]);
      }
      written += count;
      if (i % 10_000 === 9_999) {
        await w.flush();
        progress('devices and logbook entries', i + 1, N);
      }
    }
    await w.flush();
    progress('devices and logbook entries', N, N);

    // Instruction sessions of ten nurses of a ward each on an Anlage 1 model, over three years; some expire yearly.
    const anlage1 = models.filter((m) => m.anlage1);
    const sessions = Math.ceil(size.instructions / PER_SESSION);
    const nursesOf = new Map<number, string[]>();
    for (const n of nurses) nursesOf.set(n.ward, [...(nursesOf.get(n.ward) ?? []), n.id]);
    for (let s = 0; s < sessions; s++) {
      const wi = s % wards.length;
      const ward = wards[wi]!;
      const m = anlage1[(s * 37) % anlage1.length]!;
      const sid = timeOrderedId(startMs + Math.floor(s / 4096), s % 4096);
      const day = new Date(todayMs - (1 + ((s * 13) % 1000)) * DAY).toISOString().slice(0, 10);
      await w.add('instructions', [sid, m.id, ward.siteId, null, 'Hersteller', 'manufacturer', 'on_device', day, null, s % 3 === 0 ? null : nextDueDate(day, 12, 'exact'), null, recorder, nowIso]);
      const staff = nursesOf.get(wi) ?? [];
      const chosen = new Set<string>();
      for (let k = 0; k < PER_SESSION && chosen.size < staff.length; k++) chosen.add(staff[(s + k * 7) % staff.length]!);
      for (const u of chosen) await w.add('instruction_trainees', [sid, u, null, null]);
      if (s % 5000 === 4999) progress('instruction records', (s + 1) * PER_SESSION, sessions * PER_SESSION);
    }
    // An appointed person (a technician) per Anlage 1 model and site: whom a nurse without instruction asks.
    for (const [si, site] of sites.entries())
      for (const [k, m] of anlage1.entries()) await w.add('appointed_persons', [id(), m.id, site.id, technicians[(si * 7 + k) % technicians.length], '2024-01-15', 'Herstellerschulung', null, null, nowIso]);
    await w.flush();
    progress('instruction records', sessions * PER_SESSION, sessions * PER_SESSION);
    return {
      password,
      accounts,
      sites,
      wards,
      models: models.map((m) => ({ id: m.id, manufacturer: m.manufacturer, name: m.name, type: m.type, anlage1: m.anlage1 })),
      inspectionTypes: typeDefs.map((t) => ({ id: t.id, code: t.code })),
      instrumentId,
      rows: w.counts,
    };
  });
  progress('stored obligations (refreshAllObligations)', 0, N);
  await refreshAllObligations(db, todayDate);
  progress('stored obligations (refreshAllObligations)', N, N);
  // PostgreSQL plans by its statistics, which autovacuum gathers within a minute of a load this size; a server run
  // with autovacuum off (as CI's) would otherwise plan the whole benchmark for empty tables: a label sheet read all
  // million logbook entries (367 ms) where the index takes 1 ms. SQLite keeps none unless asked, nor does the app.
  if (pg) await sql`analyze`.execute(db);
  return group;
}

/** A German CSV of `n` new devices of this group's models and wards, for the import through the API. */
export function groupCsv(group: HospitalGroup, n: number, prefix: string): string {
  const lines = ['Inventarnummer;Hersteller;Bezeichnung;Typ;Seriennummer;Standort;Station;Raum;Inbetriebnahme;Anschaffungsjahr'];
  const siteName = new Map(group.sites.map((s) => [s.id, s.name]));
  for (let i = 0; i < n; i++) {
    const m = group.models[i % group.models.length]!;
    const w = group.wards[i % group.wards.length]!;
    lines.push([`${prefix}-${String(i + 1).padStart(6, '0')}`, m.manufacturer, m.name, m.type, `${prefix}SN${i}`, siteName.get(w.siteId), w.name, w.rooms[i % 4]!.name, `01.0${1 + (i % 9)}.2024`, '2024'].join(';'));
  }
  return lines.join('\r\n');
}
