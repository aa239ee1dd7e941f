import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from '../app.js';

const ORIGIN = 'http://localhost:3000';
const accounts = { technician: 'technik@demo.medreg', nurse: 'pflege@demo.medreg', manager: 'manager@demo.medreg' } as const;
type Account = keyof typeof accounts;

// Sign-ins are limited per client address: each comes from its own documentation address.
let clients = 0;

/** GET /api/register/devices.csv and the import procedures over HTTP, with real sessions. */
describe.each(testDialects)('the register CSV over HTTP on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  const cookies = new Map<Account, string>();
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
  });
  afterAll(() => app?.close());

  const send = (path: string, init: RequestInit = {}) => api.fetch(new Request(ORIGIN + path, init));
  async function cookie(who: Account) {
    if (cookies.has(who)) return cookies.get(who)!;
    const res = await api.fetch(
      withClientIp(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
          body: JSON.stringify({ email: accounts[who], password: 'demo-passwort' }),
        }),
        `198.51.100.${++clients}`,
      ),
    );
    expect(res.status).toBe(200);
    cookies.set(who, res.headers.get('set-cookie')!.split(';')[0]!);
    return cookies.get(who)!;
  }
  const get = async (who: Account | null, path: string, lang = 'de') =>
    send(path, { headers: { 'Accept-Language': lang, ...(who ? { Cookie: await cookie(who) } : {}) } });

  it('streams the register in German (; and BOM) and English (,), filtered by status and ward', async () => {
    const res = await get('technician', '/api/register/devices.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="Bestandsverzeichnis-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = Papa.parse<string[]>(new TextDecoder().decode(bytes), { delimiter: ';', skipEmptyLines: true }).data;
    const total = Number((await app.services.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(rows.length - 1).toBe(total);
    expect(rows[0]!.slice(0, 4)).toEqual(['Inventarnummer', 'Bezeichnung', 'Typ', 'Hersteller']);

    const ward = await app.services.db.selectFrom('departments').select(['id', 'name']).where('name', '=', 'Neonatologie').executeTakeFirstOrThrow();
    const en = await get('manager', `/api/register/devices.csv?department=${ward.id}&status=in_service`, 'en');
    const enRows = Papa.parse<string[]>((await en.text()).replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
    expect(enRows[0]![0]).toBe('Inventory number');
    expect(enRows.length).toBeGreaterThan(1);
    expect(enRows.slice(1).every((r) => r[10] === 'Neonatologie' && r[18] === 'In service')).toBe(true);

    expect((await get('manager', '/api/register/devices.csv?status=broken')).status).toBe(400);
  });

  it('refuses nurses and anonymous callers', async () => {
    const nurse = await get('nurse', '/api/register/devices.csv', 'en');
    expect(nurse.status).toBe(403);
    expect(await nurse.json()).toEqual({ error: 'Your role may not do this.' });
    expect((await get(null, '/api/register/devices.csv')).status).toBe(401);
  });

  it('uploads a CSV as multipart to imports.upload and checks it over tRPC', async () => {
    const form = new FormData();
    form.set('file', new File(['Inventarnummer;Hersteller;Modell;Standort\nHTTP-1;Medela AG;Basic 30;Klinikum Nord\n'], 'http.csv', { type: 'text/csv' }));
    const up = await send('/trpc/imports.upload', { method: 'POST', headers: { Cookie: await cookie('manager'), 'Accept-Language': 'en', Origin: ORIGIN }, body: form });
    const body = (await up.json()) as { result: { data: { uploadId: string; suggested: unknown[]; rows: number } } };
    expect(up.status).toBe(200);
    expect(body.result.data).toMatchObject({ rows: 1, suggested: ['inventoryNumber', 'manufacturer', 'designation', 'site'] });
    const check = await send('/trpc/imports.check', {
      method: 'POST',
      headers: { Cookie: await cookie('manager'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ uploadId: body.result.data.uploadId, mapping: body.result.data.suggested }),
    });
    expect(((await check.json()) as { result: { data: { valid: number; problemCount: number } } }).result.data).toMatchObject({ valid: 1, problemCount: 0 });
  });
});
