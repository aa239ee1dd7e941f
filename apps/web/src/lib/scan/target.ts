import { parseShortCode } from '@medreg/core/short-code';

function asCode(text: string): string | null {
  const parsed = parseShortCode(text);
  return parsed.ok ? parsed.code : null;
}

/** The device code a scanned text points to: a label URL `…/d/<code>` on any host, or a bare code. */
export function deviceCodeFrom(text: string): string | null {
  const value = text.trim();
  if (!/^https?:\/\//i.test(value)) return asCode(value);
  let path: string;
  try {
    path = decodeURIComponent(new URL(value).pathname);
  } catch {
    return null;
  }
  const match = /^\/d\/([^/]+)\/?$/.exec(path);
  return match ? asCode(match[1]!) : null;
}
