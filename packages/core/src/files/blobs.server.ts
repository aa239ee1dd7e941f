import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { FileStore } from './store.server.js';

/** Which of these blobs a record uses: an attachment (its file or preview) or a staged upload. */
export async function blobsInUse(db: Kysely<Database>, sha256s: readonly string[]): Promise<Set<string>> {
  const used = new Set<string>();
  for (let i = 0; i < sha256s.length; i += 500) {
    const part = sha256s.slice(i, i + 500);
    const [attached, previews, staged] = await Promise.all([
      db.selectFrom('attachments').select('sha256 as sha').where('sha256', 'in', part).execute(),
      db.selectFrom('attachments').select('preview_sha256 as sha').where('preview_sha256', 'in', part).execute(),
      db.selectFrom('staged_uploads').select(['sha256', 'preview_sha256']).where((eb) => eb.or([eb('sha256', 'in', part), eb('preview_sha256', 'in', part)])).execute(),
    ]);
    for (const r of [...attached, ...previews]) if (r.sha) used.add(r.sha);
    for (const r of staged) for (const sha of [r.sha256, r.preview_sha256]) if (sha) used.add(sha);
  }
  return used;
}

/** Removes blobs that nothing uses and no write in progress holds (content-addressed: the same photo twice). */
export function removeUnused(db: Kysely<Database>, files: FileStore, sha256s: readonly string[]): Promise<string[]> {
  return files.removeUnless(sha256s, (candidates) => blobsInUse(db, candidates));
}

/**
 * Stores blobs (`store` puts them and lists their hashes in `held`) and runs `write` with what it returns. The blobs
 * are held until `write` ends; if it fails they are removed again, unless another upload of the same bytes, saved
 * at the same moment or before, uses them: all or nothing, and nothing of anyone else's lost.
 */
export async function withBlobs<S, T>(
  services: { db: Kysely<Database>; files: FileStore },
  store: (held: string[]) => S,
  write: (stored: S) => Promise<T>,
): Promise<T> {
  const held: string[] = [];
  let failed = false;
  try {
    return await write(store(held));
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    services.files.release(held);
    // If the clean-up fails too, an unused blob stays on disk: better than hiding the write's own error.
    if (failed) await removeUnused(services.db, services.files, held).catch(() => []);
  }
}
