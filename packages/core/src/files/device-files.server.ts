import { fileTypeFromBuffer } from 'file-type';
import { extractText, getDocumentProxy } from 'unpdf';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { type Database, prepared } from '@medreg/db';
import type { Services, SessionUser } from '../context.js';
import { canSeeAllDevices } from '../devices/access.js';
import { getDevice } from '../devices/queries.server.js';
import { AppError, badInput, notFound } from '../trpc/errors.js';
import { uploadedFile as blob } from '../trpc/schemas.js';
import { withBlobs } from './blobs.server.js';
import { processPhoto, safeName, storePhoto, type ProcessedPhoto } from './images.server.js';

/** What a device file is: manual (Gebrauchsanweisung), picture, declaration of conformity (Konformitätserklärung), protocol, other. */
export const DEVICE_FILE_PURPOSES = ['manual', 'picture', 'declaration', 'protocol', 'other'] as const;
export type DeviceFilePurpose = (typeof DEVICE_FILE_PURPOSES)[number];
export const FILE_VISIBILITIES = ['all', 'staff'] as const;

export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
export const MAX_PDF_BYTES = 50 * 1024 * 1024;
/** The largest request body any route takes: the largest file with room for the form around it. */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** Text beyond this per page is cut: it is for search, and a scanned catalogue page must not bloat the index. */
const MAX_PAGE_TEXT = 20_000;
/** A manual of more pages is stored, but only its first pages are indexed. */
const MAX_INDEXED_PAGES = 2_000;

/** Who may upload device files, and who sees staff-only files and withdrawn ones. */
export const fileUploaders = ['technician', 'manager', 'admin'] as const;
/** Who may withdraw a device file (it stays stored and visible to staff as withdrawn). */
export const fileWithdrawers = ['manager', 'admin'] as const;

/** A browser sends a form without a chosen file as an empty part without a name: that is no file at all. */
const chosen = (v: FormDataEntryValue | null) => (v === null || (v instanceof Blob && v.size === 0 && !(v as File).name) ? undefined : v);
export const uploadInput = z.preprocess(
  (v) =>
    v instanceof FormData
      ? { deviceId: v.get('deviceId') ?? undefined, purpose: v.get('purpose') ?? undefined, visibility: v.get('visibility') ?? undefined, file: chosen(v.get('file')) }
      : v,
  z.object({
    deviceId: z.uuid({ error: 'errors.deviceNotFound' }),
    purpose: z.enum(DEVICE_FILE_PURPOSES, { error: 'errors.invalidChoice' }),
    visibility: z.enum(FILE_VISIBILITIES, { error: 'errors.invalidChoice' }),
    file: blob,
  }),
);

interface CheckedFile {
  stored: ProcessedPhoto;
  /** Text per page (PDFs only), page 1 first. */
  pages: string[];
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/**
 * Checks an upload by its content, never by its name: a PDF must be complete and readable (its text is
 * taken for search), an image is re-encoded without EXIF/GPS. Anything else is refused.
 */
export async function checkDeviceFile(file: Blob, purpose: DeviceFilePurpose): Promise<CheckedFile> {
  const name = safeName((file as File).name ?? 'file', 'file');
  if (file.size === 0) throw badInput('files.errors.empty', { name }, 'file');
  if (file.size > MAX_PDF_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'files.errors.tooLarge', { name, mb: mb(MAX_PDF_BYTES) }, 'file');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = await fileTypeFromBuffer(bytes);
  if (type?.mime === 'application/pdf') {
    if (purpose === 'picture') throw badInput('files.errors.pictureNotImage', { name }, 'file');
    // Complete: a truncated upload lacks its trailer.
    if (!Buffer.from(bytes.subarray(-1024)).includes('%%EOF')) throw badInput('files.errors.pdfIncomplete', { name }, 'file');
    let pages: string[];
    try {
      // pdf.js takes over the buffer it is given: hand it a copy, the original is stored.
      const pdf = await getDocumentProxy(bytes.slice());
      const { text } = await extractText(pdf, { mergePages: false });
      await pdf.destroy();
      pages = text.slice(0, MAX_INDEXED_PAGES).map((t) => t.replace(/\u0000/g, '').replace(/\s+/g, ' ').trim().slice(0, MAX_PAGE_TEXT));
    } catch {
      // Encrypted or damaged beyond reading: a manual nobody can open is no manual.
      throw badInput('files.errors.pdfUnreadable', { name }, 'file');
    }
    return { stored: { name: /\.pdf$/i.test(name) ? name : `${name}.pdf`, original: Buffer.from(bytes), originalType: 'application/pdf', preview: null }, pages };
  }
  if (!type || !type.mime.startsWith('image/')) throw badInput('files.errors.unsupported', { name }, 'file');
  if (file.size > MAX_IMAGE_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'files.errors.tooLarge', { name, mb: mb(MAX_IMAGE_BYTES) }, 'file');
  try {
    return { stored: await processPhoto({ name, bytes }), pages: [] };
  } catch {
    throw badInput('files.errors.unsupported', { name }, 'file');
  }
}

/**
 * Stores a device file: checked first, then the blobs, then in one transaction the attachment and the text of
 * each PDF page. If the transaction fails, the blobs are removed again unless another upload uses them.
 */
export async function uploadDeviceFile(services: Services, user: SessionUser, input: z.output<typeof uploadInput>) {
  const device = await getDevice(services.db, user, { id: input.deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  const checked = await checkDeviceFile(input.file, input.purpose);
  const id = crypto.randomUUID();
  const stored = await withBlobs(
    services,
    (held) => storePhoto(services.files, checked.stored, held),
    (stored) => services.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('attachments')
        .values({
          id,
          device_id: device.id,
          entry_id: null,
          ...stored,
          purpose: input.purpose,
          visibility: input.visibility,
          uploaded_by: user.id,
          uploaded_at: services.now().toISOString(),
          withdrawn_at: null,
          withdrawn_by: null,
        })
        .execute();
      const rows = checked.pages.map((text, i) => ({ attachment_id: id, device_id: device.id, page: i + 1, text })).filter((r) => r.text !== '');
      // In chunks: SQLite allows a limited number of bound values per statement.
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('file_texts').values(rows.slice(i, i + 200)).execute();
      return stored;
    }),
  );
  return { id, name: stored.original_name, mediaType: stored.media_type, size: stored.size };
}

/**
 * A device's files (not logbook attachments), oldest first. Nurses get the files for everyone, never withdrawn
 * ones; staff get staff-only files too, and withdrawn ones with `withdrawn`.
 */
export async function listDeviceFiles(db: Kysely<Database>, user: SessionUser, deviceId: string, opts: { withdrawn?: boolean } = {}) {
  const device = await getDevice(db, user, { id: deviceId });
  if (!device) throw notFound('errors.deviceNotFound');
  return filesOfDevice(db, user, device, opts);
}

/** `listDeviceFiles` for a device the user may see. */
export async function filesOfDevice(db: Kysely<Database>, user: SessionUser, device: { id: string }, opts: { withdrawn?: boolean } = {}) {
  const staff = canSeeAllDevices(user);
  // Nurses see files shown to everyone; staff may ask for withdrawn ones as well.
  const rows = await deviceFiles.all(db, { deviceId: device.id }, `${staff ? 'staff' : 'all'}${staff && opts.withdrawn ? ' withdrawn' : ''}`);
  return rows.map(({ preview_sha256, ...r }) => ({ ...r, hasPreview: preview_sha256 !== null }));
}

const deviceFiles = prepared((db, p: { deviceId: string }, shape) => {
  let q = db
    .selectFrom('attachments as a')
    .innerJoin('users as u', 'u.id', 'a.uploaded_by')
    .leftJoin('users as w', 'w.id', 'a.withdrawn_by')
    .where('a.device_id', '=', p.deviceId)
    .where('a.entry_id', 'is', null);
  if (!shape.startsWith('staff')) q = q.where('a.visibility', '=', 'all');
  if (!shape.endsWith('withdrawn')) q = q.where('a.withdrawn_at', 'is', null);
  return q
    .select([
      'a.id',
      'a.purpose',
      'a.visibility',
      'a.media_type',
      'a.size',
      'a.original_name',
      'a.preview_sha256',
      'a.uploaded_at',
      'u.name as uploaded_by_name',
      'a.withdrawn_at',
      'w.name as withdrawn_by_name',
    ])
    .orderBy('a.uploaded_at')
    .orderBy('a.id');
});

/**
 * Withdraws a device file (superseded manual, wrong upload): no longer listed, served only to staff; never
 * deleted. Its page texts leave the search index, so a withdrawn manual is not found any more.
 */
export async function withdrawDeviceFile(services: Services, user: SessionUser, id: string) {
  const file = await services.db
    .selectFrom('attachments')
    .select(['id', 'device_id', 'entry_id', 'withdrawn_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  // Logbook attachments belong to the legal record: they cannot be withdrawn.
  if (!file || file.entry_id !== null || !(await getDevice(services.db, user, { id: file.device_id }))) throw notFound('files.errors.notFound');
  if (file.withdrawn_at) throw new AppError('CONFLICT', 'files.errors.alreadyWithdrawn');
  const at = services.now().toISOString();
  await services.db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('attachments')
      .set({ withdrawn_at: at, withdrawn_by: user.id })
      .where('id', '=', id)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    // A concurrent withdrawal won the race: report it, as above.
    if (Number(done.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'files.errors.alreadyWithdrawn');
    await trx.deleteFrom('file_texts').where('attachment_id', '=', id).execute();
  });
  return { id, withdrawnAt: at };
}
