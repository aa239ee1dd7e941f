/**
 * Pages, their data and the API's JSON leave the server gzipped where the browser accepts it: a device list of 50
 * rows is about 94 KiB of HTML, and hospital Wi-Fi is shared by a whole ward. The built scripts and styles are
 * compressed at build time and served by adapter-node before any hook runs; images and PDFs are compressed already.
 */
const COMPRESSIBLE = /^(text\/(html|plain|csv)|application\/(json|xml)|image\/svg\+xml)\b/;
/** Below this, the gzip header and a second packet cost more than they save. */
const MIN_BYTES = 1024;
/**
 * Compressed, an answer's length can give away a secret it holds when it also repeats what another site made the
 * browser send (BREACH). These carry sign-in secrets (the phone sign-in code and the page it opens, better-auth's
 * answers) and stay plain.
 */
const HOLDS_SECRETS = /^\/(api\/auth\/|account\/sessions(\/|$)|login\/qr\/)/;

/** Whether the Accept-Encoding header allows gzip (`gzip;q=0` refuses it). */
export function acceptsGzip(header: string | null): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The body again, after reading up to `bytes` of it: whether it ended before them, and a stream of all of it. */
async function peek(body: ReadableStream<Uint8Array>, bytes: number): Promise<{ short: boolean; body: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < bytes) {
    const next = await reader.read();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
      if (ended) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { short: ended && size < bytes, body: whole };
}

/**
 * The response gzipped, as it streams (the register's CSV and a person's data export are written while they are
 * sent), when the browser accepts gzip and the answer is text of at least MIN_BYTES. An answer without a length (the
 * API's JSON) is read up to MIN_BYTES to tell.
 */
export async function compressed(request: Request, path: string, response: Response): Promise<Response> {
  if (!response.body || request.method === 'HEAD' || response.headers.has('content-encoding')) return response;
  if (!COMPRESSIBLE.test(response.headers.get('content-type') ?? '') || HOLDS_SECRETS.test(path)) return response;
  if (!acceptsGzip(request.headers.get('accept-encoding'))) return response;
  const length = response.headers.get('content-length');
  if (length !== null && Number(length) < MIN_BYTES) return response;
  const init = { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) };
  init.headers.append('vary', 'Accept-Encoding');
  const { short, body } = length === null ? await peek(response.body, MIN_BYTES) : { short: false, body: response.body };
  if (short) return new Response(body, init);
  init.headers.set('content-encoding', 'gzip');
  init.headers.delete('content-length');
  // Widened to what CompressionStream's types take (any buffer); a body's chunks are bytes.
  return new Response((body as ReadableStream<BufferSource>).pipeThrough(new CompressionStream('gzip')), init);
}
