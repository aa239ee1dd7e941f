import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';
import type { NewAttachment } from '../logbook/append.server.js';
import { AppError } from '../trpc/errors.js';
import { withBlobs } from './blobs.server.js';
import type { FileStore } from './store.server.js';

export const MAX_PHOTO_BYTES = 15 * 1024 * 1024;
export const MAX_PHOTOS = 6;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'image/avif']);
// Refuse decompression bombs: a 15 MB upload may not expand beyond ~100 megapixels.
const MAX_PIXELS = 100_000_000;

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface ProcessedPhoto {
  name: string;
  /** Full resolution, rotated upright, every metadata block (EXIF GPS included) removed; a PDF as sent. */
  original: Buffer;
  originalType: string;
  /** Display copy, at most 1280 px wide, WebP; none for a PDF. */
  preview: Buffer | null;
}

/**
 * Checks a photo by its content (not its name), strips location metadata and makes a display copy.
 * With `pdf`, a PDF protocol (from a test instrument) is accepted too, checked by its content as well.
 */
export async function processPhoto(file: UploadedFile, accept: { pdf?: boolean } = {}): Promise<ProcessedPhoto> {
  const name = safeName(file.name);
  if (file.bytes.byteLength > MAX_PHOTO_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', 'errors.fileTooLarge', { name, mb: MAX_PHOTO_BYTES / 1024 / 1024 }, 'photos');
  const type = await fileTypeFromBuffer(file.bytes);
  // A PDF is taken as sent (instrument protocols), but only a complete one: it ends with its trailer.
  if (accept.pdf && type?.mime === 'application/pdf' && Buffer.from(file.bytes.subarray(-1024)).includes('%%EOF'))
    return { name: /\.pdf$/i.test(name) ? name : `${name}.pdf`, original: Buffer.from(file.bytes), originalType: 'application/pdf', preview: null };
  if (!type || !IMAGE_TYPES.has(type.mime))
    throw new AppError('BAD_REQUEST', accept.pdf ? 'errors.fileNotImageOrPdf' : 'errors.fileNotImage', { name }, 'photos');
  try {
    const input = sharp(file.bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    // sharp writes no metadata unless asked: the re-encoded original carries no EXIF, GPS or XMP.
    const keepPng = type.mime === 'image/png';
    const original = keepPng
      ? await input.clone().rotate().png().toBuffer()
      : await input.clone().rotate().jpeg({ quality: 90, mozjpeg: true }).toBuffer();
    const preview = await input
      .clone()
      .rotate()
      .resize({ width: 1280, height: 1280, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { name, original, originalType: keepPng ? 'image/png' : 'image/jpeg', preview };
  } catch {
    throw new AppError('BAD_REQUEST', 'errors.fileNotImage', { name }, 'photos');
  }
}

/**
 * The name an upload is kept and served under. A browser sends a bare name; one with a path or control characters
 * was crafted, and is refused rather than quietly trimmed. Characters that break Content-Disposition are replaced.
 */
export function safeName(name: string, field = 'photos'): string {
  if (/[\\/\u0000-\u001f\u007f]/.test(name) || /^\.+$/.test(name.trim()))
    throw new AppError('BAD_REQUEST', 'errors.fileNameInvalid', { name: name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 120) }, field);
  const clean = name.replace(/["<>|:*?]/g, '_').trim().slice(0, 120);
  return clean || 'photo';
}

/** Stores a processed file's blobs; `held` collects them (see `withBlobs`). */
export function storePhoto(files: FileStore, p: ProcessedPhoto, held: string[]) {
  const original = files.put(p.original);
  held.push(original.sha256);
  const preview = p.preview ? files.put(p.preview) : null;
  if (preview) held.push(preview.sha256);
  return { sha256: original.sha256, preview_sha256: preview?.sha256 ?? null, media_type: p.originalType, size: p.original.byteLength, original_name: p.name };
}

/**
 * Checks every uploaded photo before anything is written, stores them, then runs `write` with their
 * attachments; if `write` fails, the blobs are removed again unless another upload uses them: all or nothing.
 */
export async function withStoredPhotos<T>(
  services: { db: Kysely<Database>; files: FileStore },
  uploads: readonly Blob[],
  purpose: NewAttachment['purpose'],
  write: (attachments: NewAttachment[]) => Promise<T>,
  accept: { pdf?: boolean } = {},
): Promise<T> {
  const photos: ProcessedPhoto[] = [];
  for (const p of uploads) photos.push(await processPhoto({ name: (p as File).name ?? 'photo', bytes: new Uint8Array(await p.arrayBuffer()) }, accept));
  return withBlobs(services, (held) => photos.map((p): NewAttachment => ({ ...storePhoto(services.files, p, held), purpose })), write);
}
