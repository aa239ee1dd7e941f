import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, jpegWithGps, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { renderMtkSticker } from '@medreg/print';
import { createApiApp, type ApiApp } from './app.js';

const ORIGIN = 'http://localhost:3000';
const accounts = { manager: 'manager@demo.medreg', nurse: 'pflege@demo.medreg', technician: 'technik@demo.medreg' } as const;
type Account = keyof typeof accounts;
// Each sign-in from its own documentation address: better-auth allows 3 per 10 s per address.
let clients = 0;

/** A real PDF from our own printing package (the API package has no PDF writer of its own). */
const pdf = async (text: string) =>
  new Uint8Array(await renderMtkSticker({ locale: 'de', url: 'http://localhost:3000/d/X', inventoryNumber: text, next: '12/2027', testedOn: '1.1.2026', testedBy: 'Test' }));

/** /api/files/:id serves device files with the right type, a safe name, and only to whom may see them. */
describe.each(testDialects)('device files over HTTP on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  let deviceId: string;
  const cookies = new Map<Account, string>();

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    const nurseWards = (
      await app.services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', await app.userId('nurse')).execute()
    ).map((r) => r.department_id);
    deviceId = (await app.services.db.selectFrom('devices').select('id').where('department_id', 'in', nurseWards).orderBy('inventory_number').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => app?.close());

  const send = (path: string, init: RequestInit = {}) => api.fetch(new Request(ORIGIN + path, init));
  async function cookieOf(who: Account) {
    if (!cookies.has(who)) {
      const res = await api.fetch(
        withClientIp(
          new Request(`${ORIGIN}/api/auth/sign-in/email`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
            body: JSON.stringify({ email: accounts[who], password: 'demo-passwort' }),
          }),
          `192.0.2.${100 + ++clients}`,
        ),
      );
      expect(res.status).toBe(200);
      cookies.set(who, res.headers.get('set-cookie')!.split(';')[0]!);
    }
    return cookies.get(who)!;
  }

  /** Uploads through tRPC as a multipart form, as the browser's files page does. */
  async function upload(who: Account, fields: { purpose: string; visibility: string; file: File }) {
    const fd = new FormData();
    fd.set('deviceId', deviceId);
    fd.set('purpose', fields.purpose);
    fd.set('visibility', fields.visibility);
    fd.set('file', fields.file);
    const res = await send('/trpc/files.upload', { method: 'POST', headers: { Cookie: await cookieOf(who), 'Accept-Language': 'en', Origin: ORIGIN }, body: fd });
    return { status: res.status, body: (await res.json()) as { result?: { data: { id: string } }; error?: { message: string; data: { fieldErrors: Record<string, string> } } } };
  }

  it('serves a PDF with its type, an RFC 5987 name and nosniff; as a download on request', async () => {
    const bytes = await pdf('Gebrauchsanweisung');
    const up = await upload('manager', { purpose: 'manual', visibility: 'all', file: new File([bytes as BlobPart], 'Größe "Ü".pdf') });
    expect(up.status).toBe(200);
    const id = up.body.result!.data.id;

    const res = await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('nurse') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The quote is made safe (safeName replaces it), the umlauts go as UTF-8 in filename*, ASCII fallback with "_".
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="Gr__e ___.pdf"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20_%C3%9C_.pdf`);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(bytes))).toBe(0);

    // Revalidated on every use (access can end), the content itself is not sent again.
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('nurse'), 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    const download = await send(`/api/files/${id}?download=1`, { headers: { Cookie: await cookieOf('nurse') } });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="Gr__e ___.pdf"; filename*=UTF-8''Gr%C3%B6%C3%9Fe%20_%C3%9C_.pdf`);
  });

  it('a withdrawn file is no longer served to a nurse, even revalidating a copy she has; staff still get it', async () => {
    const up = await upload('manager', { purpose: 'declaration', visibility: 'all', file: new File([(await pdf('CE')) as BlobPart], 'CE.pdf') });
    const id = up.body.result!.data.id;
    const first = await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('nurse') } });
    expect(first.status).toBe(200);
    const withdraw = await send('/trpc/files.withdraw', {
      method: 'POST',
      headers: { Cookie: await cookieOf('manager'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    expect(withdraw.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect((await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('nurse'), 'If-None-Match': etag } })).status).toBe(404);
    expect((await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('technician') } })).status).toBe(200);
  });

  it('serves a picture as JPEG and its preview as WebP; refuses staff-only files to a nurse', async () => {
    const up = await upload('technician', { purpose: 'picture', visibility: 'staff', file: new File([(await jpegWithGps()) as BlobPart], 'front.jpeg') });
    expect(up.status).toBe(200);
    const id = up.body.result!.data.id;
    const tech = await cookieOf('technician');
    const original = await send(`/api/files/${id}`, { headers: { Cookie: tech } });
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    const preview = await send(`/api/files/${id}?variant=preview`, { headers: { Cookie: tech } });
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(preview.headers.get('content-disposition')).toBe(`inline; filename="front.webp"; filename*=UTF-8''front.webp`);

    const nurse = await send(`/api/files/${id}`, { headers: { Cookie: await cookieOf('nurse'), 'Accept-Language': 'de' } });
    expect(nurse.status).toBe(404);
    expect(await nurse.json()).toEqual({ error: 'Nicht gefunden.' });
    expect((await send(`/api/files/${id}`)).status).toBe(401);
  });

  it('answers a refused upload with the field message, and a nurse may not upload', async () => {
    const text = await upload('manager', { purpose: 'manual', visibility: 'all', file: new File(['just text, not a PDF'], 'notes.pdf') });
    expect(text.status).toBe(400);
    expect(text.body.error!.data.fieldErrors).toEqual({ file: 'The file "notes.pdf" is neither a PDF nor a supported image (JPEG, PNG, WebP, HEIC).' });
    const nurse = await upload('nurse', { purpose: 'manual', visibility: 'all', file: new File([(await pdf('x')) as BlobPart], 'x.pdf') });
    expect(nurse.status).toBe(403);
  });
});
