import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';

/**
 * An attachment's bytes for a user allowed to see its device (and, for staff-only and withdrawn files, a
 * non-nurse); undefined otherwise, so callers answer 404 without telling what exists.
 */
export async function readAttachment(services: Services, user: SessionUser, id: string, variant: 'original' | 'preview') {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const a = await services.db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) return undefined;
  if ((a.visibility === 'staff' || a.withdrawn_at !== null) && user.role === 'nurse') return undefined;
  if (!(await getDevice(services.db, user, { id: a.device_id }))) return undefined;
  const usePreview = variant === 'preview' && a.preview_sha256;
  const sha = usePreview ? a.preview_sha256! : a.sha256;
  if (!services.files.has(sha)) return undefined;
  return {
    /** The blob's hash: the content under this id never changes, so it serves as the ETag. */
    sha256: sha,
    bytes: services.files.read(sha),
    mediaType: usePreview ? 'image/webp' : a.media_type,
    name: usePreview ? a.original_name.replace(/\.[^.]*$/, '') + '.webp' : a.original_name,
  };
}
