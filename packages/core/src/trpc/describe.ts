import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { isBusy } from '@medreg/db';
import type { Translate } from '@medreg/i18n';
import { AppError } from './errors.js';
import { translateIssues } from './zod-messages.js';

export interface DescribedError {
  code: TRPCError['code'];
  /** Translated, for the user: never a stack trace or an internal message. */
  message: string;
  /** Translated messages per form field (zod path or the field an AppError names). */
  fieldErrors: Record<string, string> | null;
}

/** Turns any error from a procedure into what a user may read, in their language. */
export function describeError(error: unknown, t: Translate): DescribedError {
  const err = error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  if (err instanceof AppError) {
    const message = t(err.key, err.params);
    if (err.fields.length) return { code: err.code, message, fieldErrors: Object.fromEntries(err.fields.map((f) => [f.field, t(f.key, f.params)])) };
    return { code: err.code, message, fieldErrors: err.field ? { [err.field]: message } : null };
  }
  // SQLite's write lock held past the writer's wait (a long import): nothing was written, and saving again will do.
  if (isBusy(err.cause)) return { code: 'SERVICE_UNAVAILABLE', message: t('errors.busy'), fieldErrors: null };
  if (err.cause instanceof ZodError) {
    const fieldErrors = translateIssues(err.cause.issues, t);
    return { code: 'BAD_REQUEST', message: Object.values(fieldErrors)[0] ?? t('errors.invalid'), fieldErrors };
  }
  const byCode: Partial<Record<TRPCError['code'], Parameters<Translate>[0]>> = {
    UNAUTHORIZED: 'errors.unauthorized',
    FORBIDDEN: 'errors.forbidden',
    NOT_FOUND: 'errors.notFound',
    BAD_REQUEST: 'errors.badRequest',
    PARSE_ERROR: 'errors.badRequest',
    PAYLOAD_TOO_LARGE: 'errors.badRequest',
  };
  return { code: err.code, message: t(byCode[err.code] ?? 'errors.internal'), fieldErrors: null };
}
