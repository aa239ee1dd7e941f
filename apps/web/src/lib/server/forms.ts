import { error, fail } from '@sveltejs/kit';
import { describeError } from '@medreg/core';
import type { Translate } from '@medreg/i18n';

const status: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  SERVICE_UNAVAILABLE: 503,
};

/** A rejected procedure call as a form failure: translated message, field messages, 4xx (503: busy) status. */
export function failFrom(error: unknown, t: Translate, values: Record<string, unknown> = {}) {
  const d = describeError(error, t);
  if (d.code === 'INTERNAL_SERVER_ERROR') console.error(error);
  return fail(status[d.code] ?? 500, { message: d.message, fieldErrors: d.fieldErrors ?? {}, values });
}

/** A page load whose procedure refused: the error page with the matching status (403, 404, …) and message. */
export function errorFrom(e: unknown, t: Translate): never {
  const d = describeError(e, t);
  if (d.code === 'INTERNAL_SERVER_ERROR') console.error(e);
  error(status[d.code] ?? 500, d.message);
}
