import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { isBusy, type Database } from '@medreg/db';
import { measurementLine } from './append.server.js';
import { headAt, SEAL_LAG_MS, sealer, type Seal } from './seal.js';
import { verifyChain, type BreakReason, type StoredEntry } from './verify.js';

/** Devices whose chains are read per round trip: about ten entries each, so a few thousand rows at a time. */
const DEVICES_PER_BATCH = 500;
/** Findings kept on the check row; the count is always complete. */
const MAX_FINDINGS = 1000;

export interface ChainFinding {
  deviceId: string;
  inventoryNumber: string;
  code: string;
  entryId: string;
  seq: number;
  reason: BreakReason;
}

export interface CheckResult {
  id: string;
  devices: number;
  entries: number;
  broken: number;
  findings: ChainFinding[];
  /** The logbooks as they stood at `sealedAt` (seal.ts). */
  sealedAt: Date;
  seal: string;
}

/**
 * The next devices after `after`, in byte order of their ids: the order a seal covers them in, the same on SQLite
 * and on PostgreSQL whatever its default collation (a register moved from one to the other keeps its seals).
 */
function devicesAfter(db: Kysely<Database>, after: string) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? sql<string>`id collate "C"` : sql<string>`id`;
  return db.selectFrom('devices').select(['id', 'inventory_number', 'code']).where(id, '>', after).orderBy(id).limit(DEVICES_PER_BATCH).execute();
}

/** The chains of these devices as stored, each in sequence order, with measured values and attachment hashes. */
export async function loadChains(db: Kysely<Database>, deviceIds: readonly string[]): Promise<Map<string, StoredEntry[]>> {
  const chains = new Map<string, StoredEntry[]>(deviceIds.map((id) => [id, []]));
  if (deviceIds.length === 0) return chains;
  const rows = await db
    .selectFrom('logbook_entries')
    .select([
      'id', 'device_id', 'seq', 'kind', 'occurred_at', 'recorded_at', 'recorded_by', 'performed_by', 'result', 'text',
      'corrects_entry_id', 'inspection_type_id', 'test_instrument_id', 'due_on', 'next_due_on', 'details',
      'submission_id', 'prev_hash', 'hash',
    ])
    .where('device_id', 'in', deviceIds)
    .orderBy('device_id')
    .orderBy('seq')
    .execute();
  const ids = rows.map((r) => r.id);
  const measurements = new Map<string, string[]>();
  const attachments = new Map<string, string[]>();
  // An entry's attachments carry its device: read by device, the (device_id, entry_id) index serves them (entry_id
  // alone has no index of its own).
  const as = await db.selectFrom('attachments').select(['entry_id', 'sha256']).where('device_id', 'in', deviceIds).where('entry_id', 'is not', null).execute();
  for (const a of as) if (a.entry_id) attachments.set(a.entry_id, [...(attachments.get(a.entry_id) ?? []), a.sha256]);
  // IN lists in slices: SQLite allows 32,766 parameters per statement.
  for (let i = 0; i < ids.length; i += 10_000) {
    const ms = await db
      .selectFrom('inspection_measurements')
      .select(['entry_id', 'field_key', 'value_number', 'value_text', 'unit'])
      .where('entry_id', 'in', ids.slice(i, i + 10_000))
      .execute();
    for (const m of ms) measurements.set(m.entry_id, [...(measurements.get(m.entry_id) ?? []), measurementLine(m)]);
  }
  for (const r of rows) {
    chains.get(r.device_id)!.push({ ...r, measurements: measurements.get(r.id) ?? [], attachments: attachments.get(r.id) ?? [] });
  }
  return chains;
}

/** One device's chain verdict. */
export async function verifyDevice(db: Kysely<Database>, deviceId: string) {
  return verifyChain((await loadChains(db, [deviceId])).get(deviceId)!);
}

/**
 * Verifies every device's logbook chain and records the check in `chain_checks` (who, when, counts, the first
 * broken entry of each broken chain, and the seal of the logbooks as they stood a minute before it began). Reads
 * device by device in batches, so memory stays flat at a million entries.
 */
export async function verifyAllChains(
  db: Kysely<Database>,
  opts: { startedBy: string | null; now: () => Date; onStart?: (checkId: string) => void; onProgress?: (done: number, total: number) => void },
): Promise<CheckResult> {
  const id = crypto.randomUUID();
  // Before anything is awaited: whoever asks right after the start sees the check running.
  opts.onStart?.(id);
  await writersDone(db);
  const startedAt = opts.now();
  await db.insertInto('chain_checks').values({ id, started_by: opts.startedBy, started_at: startedAt.toISOString(), finished_at: null, devices: 0, entries: 0, broken: 0, findings: null, sealed_at: null, seal: null }).execute();
  const total = Number((await db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const sealing = sealer(new Date(startedAt.getTime() - SEAL_LAG_MS));
  const result = { id, devices: 0, entries: 0, broken: 0, findings: [] as ChainFinding[] };
  let after = '';
  opts.onProgress?.(0, total);
  for (;;) {
    const devices = await devicesAfter(db, after);
    if (devices.length === 0) break;
    const chains = await loadChains(db, devices.map((d) => d.id));
    for (const d of devices) {
      const chain = chains.get(d.id)!;
      const verdict = verifyChain(chain);
      result.devices++;
      result.entries += verdict.entries;
      if (!verdict.ok) {
        result.broken++;
        if (result.findings.length < MAX_FINDINGS)
          result.findings.push({ deviceId: d.id, inventoryNumber: d.inventory_number, code: d.code, entryId: verdict.entryId, seq: verdict.seq, reason: verdict.reason });
      }
      const head = headAt(chain, sealing.sealedAt, d.id);
      if (head) sealing.add(head);
    }
    after = devices[devices.length - 1]!.id;
    opts.onProgress?.(result.devices, total);
  }
  const { sealedAt, seal } = sealing.done();
  await db
    .updateTable('chain_checks')
    .set({ finished_at: opts.now().toISOString(), devices: result.devices, entries: result.entries, broken: result.broken, findings: JSON.stringify(result.findings), sealed_at: sealedAt.toISOString(), seal })
    .where('id', '=', id)
    .execute();
  return { ...result, sealedAt, seal };
}

/**
 * Waits until every transaction that is writing logbook entries has committed (and lets new ones wait for that
 * moment): the seal's instant is taken after it, so an entry recorded before then, an import's too, is in what the
 * check reads. SQLite: one write transaction of our own (BEGIN IMMEDIATE), tried again while a long import holds the
 * write lock. PostgreSQL: a share lock on the tables such writers hold locks on.
 */
async function writersDone(db: Kysely<Database>) {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await db.transaction().execute((trx) => sql`lock table devices, logbook_entries in share mode`.execute(trx));
    return;
  }
  for (;;)
    try {
      await db.transaction().execute(async () => undefined);
      return;
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
}

/**
 * Whether the logbooks as they stand now, read back to a seal's instant, still give that seal: false when anything
 * recorded before then was changed, removed or added since the seal was made.
 */
export async function compareSeal(db: Kysely<Database>, expected: Seal): Promise<{ matches: boolean; devices: number }> {
  const sealing = sealer(expected.sealedAt);
  let after = '';
  for (;;) {
    const devices = await devicesAfter(db, after);
    if (devices.length === 0) break;
    const rows = await db.selectFrom('logbook_entries').select(['device_id', 'seq', 'recorded_at', 'hash']).where('device_id', 'in', devices.map((d) => d.id)).execute();
    const byDevice = new Map<string, typeof rows>();
    for (const r of rows) byDevice.get(r.device_id)?.push(r) ?? byDevice.set(r.device_id, [r]);
    for (const d of devices) {
      const head = headAt(byDevice.get(d.id) ?? [], expected.sealedAt, d.id);
      if (head) sealing.add(head);
    }
    after = devices[devices.length - 1]!.id;
  }
  const { seal, devices } = sealing.done();
  return { matches: seal === expected.seal, devices };
}
