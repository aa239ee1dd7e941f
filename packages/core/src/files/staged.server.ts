import { z } from 'zod';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import type { NewAttachment } from '../logbook/append.server.js';
import { badInput } from '../trpc/errors.js';
import { uploadedFile } from '../trpc/schemas.js';
import { removeUnused, withBlobs } from './blobs.server.js';
import { MAX_PHOTOS, processPhoto, storePhoto } from './images.server.js';

/** How long an upload waits for its form to be saved before it is cleaned away. */
export const STAGED_HOURS = 24;

const blob = uploadedFile.refine((v) => v.size > 0, { error: 'files.errors.noFile' });
export const stageInput = z.preprocess((v) => (v instanceof FormData ? { file: v.get('file') } : v), z.object({ file: blob }));

/**
 * Takes one photo or PDF while the form is still being filled in (a large phone photo then uploads in the
 * background): checked by content, location metadata stripped, stored, and held for its uploader.
 */
export async function stageUpload(services: Services, user: SessionUser, file: Blob) {
  const processed = await processPhoto({ name: (file as File).name ?? 'photo', bytes: new Uint8Array(await file.arrayBuffer()) }, { pdf: true });
  const id = crypto.randomUUID();
  const stored = await withBlobs(
    services,
    (held) => storePhoto(services.files, processed, held),
    async (stored) => {
      await services.db
        .insertInto('staged_uploads')
        .values({ id, user_id: user.id, ...stored, created_at: services.now().toISOString() })
        .execute();
      return stored;
    },
  );
  return { id, name: stored.original_name, mediaType: stored.media_type, size: stored.size };
}

export const uploadIds = z.array(z.uuid({ error: 'errors.invalid' })).max(MAX_PHOTOS, { error: 'errors.tooManyFiles' }).default([]);

/**
 * The user's staged uploads as attachments, removed from the staging table inside the caller's transaction:
 * if the save fails they stay staged and the form can be sent again.
 */
export async function takeStaged(trx: Transaction<Database>, user: SessionUser, ids: readonly string[], purpose: NewAttachment['purpose']): Promise<NewAttachment[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await trx.selectFrom('staged_uploads').selectAll().where('id', 'in', unique).where('user_id', '=', user.id).execute();
  if (rows.length !== unique.length) throw badInput('errors.uploadExpired', {}, 'photos');
  await trx.deleteFrom('staged_uploads').where('id', 'in', unique).execute();
  return unique.map((id) => {
    const r = rows.find((x) => x.id === id)!;
    return { sha256: r.sha256, preview_sha256: r.preview_sha256, media_type: r.media_type, size: r.size, original_name: r.original_name, purpose };
  });
}

/** Removes staged uploads nobody saved within STAGED_HOURS, and their blobs unless something else uses them. */
export async function purgeStaged(db: Kysely<Database>, files: Services['files'], now: Date): Promise<number> {
  const before = new Date(now.getTime() - STAGED_HOURS * 3_600_000).toISOString();
  const stale = await db.selectFrom('staged_uploads').selectAll().where('created_at', '<', before).execute();
  if (stale.length === 0) return 0;
  await db.deleteFrom('staged_uploads').where('id', 'in', stale.map((s) => s.id)).execute();
  await removeUnused(db, files, stale.flatMap((s) => [s.sha256, s.preview_sha256]).filter((sha): sha is string => sha !== null));
  return stale.length;
}
