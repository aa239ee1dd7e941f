import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './harness.js';

/**
 * The served app refuses a 100 MB body with a translated 413 before reading it, on a page's form action and on the
 * API it forwards to: the Node adapter would otherwise buffer it.
 */
let server: Server;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

/** Declares 100 MB, sends the first megabyte, and returns what the server answers (it must not wait for the rest). */
function post100mb(path: string, language: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(100 * 1024 * 1024),
          origin: server.baseUrl,
          'accept-language': language,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    // The server may answer and close while the body is still being sent.
    req.on('error', (e) => (e.message.includes('EPIPE') || e.message.includes('ECONNRESET') ? undefined : reject(e)));
    req.write(Buffer.alloc(1024 * 1024, 0x41));
  });
}

describe('request size ceiling of the served app', () => {
  it('refuses a 100 MB form post to a page', async () => {
    const { status, body } = await post100mb('/login', 'en');
    expect(status).toBe(413);
    expect(body).toMatch(/larger than 64 MB/);
  });

  it('refuses a 100 MB upload to the API', async () => {
    const { status, body } = await post100mb('/trpc/inspections.stage', 'de');
    expect(status).toBe(413);
    expect(body).toMatch(/größer als 64 MB/);
  });
});
