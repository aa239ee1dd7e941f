import { z } from 'zod';

/** A calendar date as YYYY-MM-DD that exists (no 31 April). */
export const isoDate = z
  .string({ error: 'errors.required' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'errors.invalidDate' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    error: 'errors.invalidDate',
  });

/** A file field of a form: a Blob (a text or number in its place is refused here; the content is judged later). */
export const uploadedFile = z.custom<Blob>((v) => v instanceof Blob, { error: 'files.errors.noFile' });
