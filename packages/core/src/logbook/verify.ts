import type { LogbookEntryTable } from '@medreg/db';
import { entryHash, GENESIS_HASH, type HashedContent } from './chain.js';

/** An entry as stored, with its measured values and attachment hashes rendered as the hash covers them. */
export type StoredEntry = HashedContent & Pick<LogbookEntryTable, 'prev_hash' | 'hash'>;

/** Why a chain is broken at an entry. */
export type BreakReason =
  /** The entry's content no longer matches its hash: it was edited behind the application's back. */
  | 'content'
  /** The entry does not point at the hash of the entry before it: an entry was removed, inserted or re-hashed. */
  | 'link'
  /** The sequence has a gap or starts elsewhere than 1: an entry was removed. */
  | 'sequence';

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; entryId: string; seq: number; reason: BreakReason };

/**
 * Walks one device's entries in sequence order and names the first one that breaks the chain. Each hash is
 * recomputed from the content and the hash before it, so any edit of content, order or links shows.
 */
export function verifyChain(entries: readonly StoredEntry[]): ChainVerdict {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const broken = (reason: BreakReason): ChainVerdict => ({ ok: false, entries: entries.length, entryId: e.id, seq: e.seq, reason });
    if (e.seq !== i + 1) return broken('sequence');
    if (e.prev_hash !== prev) return broken('link');
    if (entryHash(e.prev_hash, e) !== e.hash) return broken('content');
    prev = e.hash;
  }
  return { ok: true, entries: entries.length, head: prev };
}
