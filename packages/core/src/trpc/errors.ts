import { TRPCError } from '@trpc/server';
import type { MessageKey, Params } from '@medreg/i18n';

type Code = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE' | 'SERVICE_UNAVAILABLE';

/** One refused form field: its message key and parameters. */
export interface FieldRefusal {
  field: string;
  key: MessageKey;
  params?: Params;
}

/** Carries a message key and its parameters; the error formatter translates it for the caller's locale. */
export class AppError extends TRPCError {
  readonly key: MessageKey;
  readonly params: Params;
  /** Form field the message belongs to, where one does. */
  readonly field: string | undefined;
  /** Several fields refused at once, each with its own message (`key` is then the form's summary). */
  readonly fields: readonly FieldRefusal[];
  constructor(code: Code, key: MessageKey, params: Params = {}, field?: string, fields: readonly FieldRefusal[] = []) {
    super({ code, message: key });
    this.key = key;
    this.params = params;
    this.field = field;
    this.fields = fields;
  }
}

/**
 * Every field a rule refuses, in one answer, so that a form is corrected in one go rather than one field per try.
 * The form says `summary` at the top; with one field and no summary it says that field's message.
 */
export function refuseFields(fields: readonly FieldRefusal[], summary?: MessageKey): AppError {
  const [only] = fields;
  if (fields.length === 1 && !summary && only) return new AppError('BAD_REQUEST', only.key, only.params, only.field);
  return new AppError('BAD_REQUEST', summary ?? 'errors.fieldsToFix', { count: fields.length }, undefined, fields);
}

export const notFound = (key: MessageKey = 'errors.notFound', params?: Params) => new AppError('NOT_FOUND', key, params);
export const forbidden = () => new AppError('FORBIDDEN', 'errors.forbidden');
export const badInput = (key: MessageKey, params?: Params, field?: string) =>
  new AppError('BAD_REQUEST', key, params, field);
