import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import type { Role } from '@medreg/db';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from './app.js';
import { leaksInternals, sessionCookies, TEST_ORIGIN, writeState } from './test-client.js';

/**
 * Hostile uploads to every procedure that takes a file: each is refused with a message that says what is wrong,
 * and nothing is stored (no row, no blob).
 */
const MB = 1024 * 1024;
let bomb: Uint8Array | undefined;

/** A PNG whose few compressed bytes unpack to 12,000 × 12,000 pixels (144 MB, past the 100-megapixel limit). */
function pngBomb(): Uint8Array {
  const width = 12_000;
  const height = 12_000;
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  // Every row: filter byte 0 and white pixels; deflate shrinks 144 MB to well under a megabyte.
  const row = Buffer.alloc(width + 1, 0xff);
  row[0] = 0;
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]),
  );
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const svgWithScript = new TextEncoder().encode(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/auth/sign-out\',{method:\'POST\'})"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
);
const windowsProgram = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, ...new TextEncoder().encode('This program cannot be run in DOS mode.'), ...new Uint8Array(512)]);
const htmlPage = new TextEncoder().encode('<!doctype html><html><body><script>alert(1)</script></body></html>');

describe.each(testDialects)('hostile uploads on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  let cookies: Map<Role, string>;
  let deviceId: string;
  let png: Uint8Array;

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    cookies = await sessionCookies(app, ['technician', 'manager']);
    deviceId = (await app.services.db.selectFrom('devices').select('id').where('status', '=', 'in_service').limit(1).executeTakeFirstOrThrow()).id;
    png = new Uint8Array(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#2a6' } }).png().toBuffer());
  }, 180_000);
  afterAll(() => app?.close());

  /** Posts a multipart form to a procedure and checks the refusal: status, a message naming the problem, nothing stored. */
  async function refused(role: Role, path: string, form: FormData, expected: { status: number; message: RegExp }) {
    const before = await writeState(app);
    const res = await api.request(`/trpc/${path}`, { method: 'POST', body: form, headers: { cookie: cookies.get(role)!, origin: TEST_ORIGIN, 'accept-language': 'en' } });
    const text = await res.text();
    expect(res.status, text).toBe(expected.status);
    const body = JSON.parse(text) as { error: { message: string; data: { fieldErrors: Record<string, string> | null } } };
    const said = [body.error.message, ...Object.values(body.error.data.fieldErrors ?? {})].join(' | ');
    expect(said).toMatch(expected.message);
    expect(leaksInternals(text), text).toBe(false);
    expect(await writeState(app)).toBe(before);
  }

  const deviceFile = (bytes: Uint8Array, name: string, type: string, purpose = 'manual') => {
    const form = new FormData();
    form.set('deviceId', deviceId);
    form.set('purpose', purpose);
    form.set('visibility', 'all');
    form.set('file', new File([bytes as BlobPart], name, { type }));
    return form;
  };
  const staged = (bytes: Uint8Array, name: string, type: string) => {
    const form = new FormData();
    form.set('file', new File([bytes as BlobPart], name, { type }));
    return form;
  };

  it('refuses a file whose bytes are not what its name and type claim', async () => {
    await refused('technician', 'files.upload', deviceFile(windowsProgram, 'manual.pdf', 'application/pdf'), { status: 400, message: /manual\.pdf/ });
    await refused('technician', 'inspections.stage', staged(htmlPage, 'protocol.jpg', 'image/jpeg'), { status: 400, message: /protocol\.jpg.*neither a supported image/ });
    await refused('manager', 'imports.upload', staged(png, 'devices.csv', 'text/csv'), { status: 400, message: /./ });
  });

  it('refuses an SVG with script as a picture and as a protocol photo', async () => {
    await refused('technician', 'files.upload', deviceFile(svgWithScript, 'front.svg', 'image/svg+xml', 'picture'), { status: 400, message: /front\.svg/ });
    await refused('technician', 'inspections.stage', staged(svgWithScript, 'protocol.svg', 'image/svg+xml'), { status: 400, message: /protocol\.svg/ });
  });

  it('refuses a decompression bomb before unpacking it', async () => {
    bomb ??= pngBomb();
    expect(bomb.byteLength).toBeLessThan(2 * MB);
    await refused('technician', 'inspections.stage', staged(bomb, 'bomb.png', 'image/png'), { status: 400, message: /bomb\.png/ });
    await refused('technician', 'files.upload', deviceFile(bomb, 'bomb.png', 'image/png', 'picture'), { status: 400, message: /bomb\.png/ });
  });

  it('refuses file names with a path or control characters', async () => {
    await refused('technician', 'inspections.stage', staged(png, '../../../etc/cron.d/job.png', 'image/png'), { status: 400, message: /contains a path/ });
    await refused('technician', 'files.upload', deviceFile(png, '..\\..\\boot.ini.png', 'image/png', 'picture'), { status: 400, message: /contains a path/ });
    await refused('technician', 'inspections.stage', staged(png, 'photo\u0000.png', 'image/png'), { status: 400, message: /control characters/ });
  });

  it('refuses a 100 MB body unread, with and without a declared length', async () => {
    for (const declared of [true, false]) {
      const before = await writeState(app);
      const size = 100 * MB;
      const piece = new Uint8Array(MB).fill(0x41);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= size) return controller.close();
          sent += piece.byteLength;
          controller.enqueue(piece);
        },
      });
      const headers: Record<string, string> = {
        cookie: cookies.get('technician')!,
        origin: TEST_ORIGIN,
        'accept-language': 'de',
        'content-type': 'multipart/form-data; boundary=x',
      };
      if (declared) headers['content-length'] = String(size);
      const res = await api.request('/trpc/inspections.stage', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
      const text = await res.text();
      expect(res.status, text).toBe(413);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toMatch(/größer als 64 MB/);
      // Declared too large: not a byte read. Streamed: reading stopped at the ceiling.
      expect(sent).toBeLessThanOrEqual(declared ? 2 * MB : 66 * MB);
      expect(await writeState(app)).toBe(before);
    }
  });
});
