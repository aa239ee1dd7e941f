import { TRPCError } from '@trpc/server';
import type { MessageKey, Params } from '@medreg/i18n';

type Code = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'PAYLOAD_TOO_LARGE';

/** Carries a message key and its parameters; the error formatter translates it for the caller's locale. */
export class AppError extends TRPCError {
  readonly key: MessageKey;
  readonly params: Params;
  /** Form field the message belongs to, where one does. */
  readonly field: string | undefined;
  constructor(code: Code, key: MessageKey, params: Params = {}, field?: string) {
    super({ code, message: key });
    this.key = key;
    this.params = params;
    this.field = field;
  }
}

export const notFound = (key: MessageKey = 'errors.notFound', params?: Params) => new AppError('NOT_FOUND', key, params);
export const forbidden = () => new AppError('FORBIDDEN', 'errors.forbidden');
export const badInput = (key: MessageKey, params?: Params, field?: string) =>
  new AppError('BAD_REQUEST', key, params, field);
