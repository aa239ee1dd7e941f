/** Stands in for this site when resolving a `next` path; `.invalid` never names a real host. */
const HERE = 'http://x.invalid';

/** ASCII control characters (which browsers strip from or read into a URL) and whitespace of any kind. */
const CONTROL_OR_SPACE = /[\u0000-\u001f\u007f-\u009f\s]/;

/**
 * A same-site path to return to, so `next` parameters cannot be used as open redirects: `next` itself when it is a
 * path (one leading `/`, no control characters or whitespace) that resolves on this site, as a browser resolves a
 * Location header; otherwise the fallback. Resolving catches what a prefix check misses, such as `/\evil.com`, and
 * refusing control characters catches `/<tab>/evil.com`, which browsers read as `//evil.com`.
 */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || CONTROL_OR_SPACE.test(next)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(next, HERE);
  } catch {
    return fallback;
  }
  return resolved.origin === HERE ? next : fallback;
}
