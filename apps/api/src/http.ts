import type { Context, SessionUser } from '@medreg/core';
import type { Locale } from '@medreg/i18n';

/** The variables the sign-in middleware sets for every /api route after it. */
export type Env = { Variables: { user: SessionUser; locale: Locale; ctx: Context } };

/** ASCII fallback plus RFC 5987 UTF-8 name, so a download name can never break the header. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
