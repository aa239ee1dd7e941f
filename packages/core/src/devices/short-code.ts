// Pure and free of Node APIs: the scan page checks typed and scanned codes with it in the browser too.

// Crockford's base32: no I, L, O or U, so nothing on a label can be misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;
const BODY_LENGTH = 7;

/** Luhn mod 32 check character: catches every single-character typo and most adjacent swaps. */
function checkChar(body: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(body[i]!);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return ALPHABET[(N - (sum % N)) % N]!;
}

/** A random device code: 7 random characters and a check character (32^7 ≈ 3.4·10^10 codes). */
export function newShortCode(): string {
  // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
  const body = Array.from(crypto.getRandomValues(new Uint8Array(BODY_LENGTH)), (b) => ALPHABET[b % N]).join('');
  return body + checkChar(body);
}

/** Reads a typed or scanned code leniently (case, dashes, spaces, O/0 and I/L/1 confusions). */
export function normalizeShortCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export type ShortCodeCheck = { ok: true; code: string } | { ok: false; reason: 'malformed' | 'checksum' };

export function parseShortCode(input: string): ShortCodeCheck {
  const code = normalizeShortCode(input);
  if (code.length !== BODY_LENGTH + 1 || [...code].some((c) => !ALPHABET.includes(c)))
    return { ok: false, reason: 'malformed' };
  if (checkChar(code.slice(0, BODY_LENGTH)) !== code[BODY_LENGTH]) return { ok: false, reason: 'checksum' };
  return { ok: true, code };
}

/** Printed form, split for reading aloud: "ABCD-EFGH". */
export function formatShortCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The device code a scanned QR text points to: a label URL `…/d/<code>` on any host (a label printed under
 * another address still names the device), or a bare code. Anything else is not a device label.
 */
export function deviceCodeFromScan(text: string): string | null {
  const value = text.trim();
  let candidate = value;
  if (/^https?:\/\//i.test(value)) {
    let path: string;
    try {
      path = decodeURIComponent(new URL(value).pathname);
    } catch {
      return null;
    }
    const match = /^\/d\/([^/]+)\/?$/.exec(path);
    if (!match) return null;
    candidate = match[1]!;
  }
  const parsed = parseShortCode(candidate);
  return parsed.ok ? parsed.code : null;
}
