import { createHash } from 'node:crypto';
import type { LogbookEntryTable } from '@medreg/db';

/** The first entry of every device's chain points at this. */
export const GENESIS_HASH = '0'.repeat(64);

export interface HashedContent extends Omit<LogbookEntryTable, 'prev_hash' | 'hash'> {
  /** Measured values as "key=value unit" lines and attachment hashes, so they are covered too. */
  measurements: string[];
  attachments: string[];
}

/** SHA-256 over the previous hash and a canonical rendering of the entry (fixed key order). */
export function entryHash(prevHash: string, c: HashedContent): string {
  const canonical = JSON.stringify([
    prevHash,
    c.id,
    c.device_id,
    c.seq,
    c.kind,
    c.occurred_at,
    c.recorded_at,
    c.recorded_by,
    c.performed_by,
    c.result,
    c.text,
    c.corrects_entry_id,
    c.inspection_type_id,
    c.test_instrument_id,
    c.due_on,
    c.next_due_on,
    c.details,
    [...c.measurements].sort(),
    [...c.attachments].sort(),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
