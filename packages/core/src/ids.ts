// One call for the random bytes of many ids: a getRandomValues call per id costs more than the id.
const pool = new Uint8Array(16 * 1024);
let poolAt = pool.length;
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Time-ordered UUIDs (version 7): rows inserted together land next to each other in the primary-key and
 * device-id indexes instead of all over them, which keeps a 100,000-row import in the page cache.
 */
export function timeOrderedId(ms: number, seq: number): string {
  if (poolAt + 10 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const rnd = pool.subarray(poolAt, (poolAt += 10));
  const time = ms.toString(16).padStart(12, '0');
  // Version 7, then 12 bits of sequence that keep ids of the same millisecond in order, then the variant.
  const ver = (0x7000 | (seq & 0x0fff)).toString(16);
  const variant = (0x8000 | ((rnd[0]! << 8) | rnd[1]!) & 0x3fff).toString(16);
  let tail = '';
  for (let i = 2; i < 8; i++) tail += hex[rnd[i]!];
  const h = `${time}${ver}${variant}${tail}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

let lastMs = 0;
let counter = 0;
/** A time-ordered id that sorts after every id this process made before, even within one millisecond. */
export function sequentialId(): string {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  return timeOrderedId(ms, counter);
}
