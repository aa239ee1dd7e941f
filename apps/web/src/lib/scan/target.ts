// Crockford base32 as in core's short codes (which import node:crypto, so they stay on the server).
const CODE = /^[0-9A-HJKMNP-TV-Z]{8}$/;

function asCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '');
  return CODE.test(code) ? code : null;
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
