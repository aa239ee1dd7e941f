import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import { measurementLine } from './append.server.js';
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
 * broken entry of each broken chain). Reads device by device in batches, so memory stays flat at a million entries.
 */
export async function verifyAllChains(
  db: Kysely<Database>,
  opts: { startedBy: string | null; now: () => Date; onStart?: (checkId: string) => void; onProgress?: (done: number, total: number) => void },
): Promise<CheckResult> {
  const id = crypto.randomUUID();
  // Before anything is awaited: whoever asks right after the start sees the check running.
  opts.onStart?.(id);
  await db.insertInto('chain_checks').values({ id, started_by: opts.startedBy, started_at: opts.now().toISOString(), finished_at: null, devices: 0, entries: 0, broken: 0, findings: null }).execute();
  const total = Number((await db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const result: CheckResult = { id, devices: 0, entries: 0, broken: 0, findings: [] };
  let after = '';
  opts.onProgress?.(0, total);
  for (;;) {
    const devices = await db
      .selectFrom('devices')
      .select(['id', 'inventory_number', 'code'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(DEVICES_PER_BATCH)
      .execute();
    if (devices.length === 0) break;
    const chains = await loadChains(db, devices.map((d) => d.id));
    for (const d of devices) {
      const verdict = verifyChain(chains.get(d.id)!);
      result.devices++;
      result.entries += verdict.entries;
      if (!verdict.ok) {
        result.broken++;
        if (result.findings.length < MAX_FINDINGS)
          result.findings.push({ deviceId: d.id, inventoryNumber: d.inventory_number, code: d.code, entryId: verdict.entryId, seq: verdict.seq, reason: verdict.reason });
      }
    }
    after = devices[devices.length - 1]!.id;
    opts.onProgress?.(result.devices, total);
  }
  await db
    .updateTable('chain_checks')
    .set({ finished_at: opts.now().toISOString(), devices: result.devices, entries: result.entries, broken: result.broken, findings: JSON.stringify(result.findings) })
    .where('id', '=', id)
    .execute();
  return result;
}
