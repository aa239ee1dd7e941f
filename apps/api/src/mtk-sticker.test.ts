import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDueDate, today, withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { formatDate } from '@medreg/i18n';
import { run, textOf } from '@medreg/print/testing';
import { createApiApp, type ApiApp } from './app.js';

const ORIGIN = 'http://localhost:3000';
const accounts = { technician: 'technik@demo.medreg', nurse: 'pflege@demo.medreg' } as const;
type Account = keyof typeof accounts;

// Sign-ins are limited per client address in one process-wide store: each comes from its own documentation address.
let clients = 0;
const dir = mkdtempSync(join(tmpdir(), 'mtk-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Field = { key: string; kind: string };
type Detail = { device: { id: string; code: string; inventory_number: string }; inspections: { id: string; code: string; interval_months: number; form: Field[] }[] };

/** GET /api/inspections/:entryId/mtk-sticker.pdf: the mark after a passed MTK, for whoever may see the device. */
describe.each(testDialects)('the MTK sticker route on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  const cookies = new Map<Account, string>();
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
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
          `198.51.100.${++clients}`,
        ),
      );
      expect(res.status, `sign-in as ${who}`).toBe(200);
      cookies.set(who, res.headers.get('set-cookie')!.split(';')[0]!);
    }
    return cookies.get(who)!;
  }
  const headers = async (who: Account, lang = 'de') => ({ 'Accept-Language': lang, Cookie: await cookieOf(who) });
  async function query<T>(who: Account, path: string, input: unknown): Promise<T> {
    const res = await send(`/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: await headers(who) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { result: { data: T } }).result.data;
  }
  async function record(input: Record<string, unknown>): Promise<string> {
    const res = await send('/trpc/inspections.record', {
      method: 'POST',
      headers: { ...(await headers('technician')), 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { result: { data: { entryId: string } } };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.result.data.entryId;
  }
  const sticker = async (entryId: string, who: Account, query = '') => send(`/api/inspections/${entryId}/mtk-sticker.pdf${query}`, { headers: await headers(who) });
  async function pdfOf(res: Response, name: string) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = join(dir, `${dialect}-${name}.pdf`);
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    run('pdftoppm', '-r', '300', '-png', '-singlefile', file, file);
    return { text: textOf(file).trim(), qr: run('zbarimg', '--raw', '-q', `${file}.png`).trim() };
  }

  /** An in-service device with an MTK that the nurse may not see, and its MTK and other types. */
  async function mtkDevice() {
    const all = await query<{ items: { id: string }[] }>('technician', 'devices.list', { pageSize: 200 });
    const hers = new Set((await query<{ items: { id: string }[] }>('nurse', 'devices.list', { pageSize: 200 })).items.map((d) => d.id));
    for (const d of all.items.filter((x) => !hers.has(x.id))) {
      const detail = await query<Detail>('technician', 'devices.get', { id: d.id });
      const mtk = detail.inspections.find((t) => t.code.startsWith('MTK'));
      if (mtk) return { detail, mtk };
    }
    throw new Error('no MTK device outside the nurse’s wards');
  }
  // Within every MTK limit of the demo forms (the infrared thermometer allows ±0.3 °C).
  const values = (form: Field[]) => Object.fromEntries(form.map((f) => [f.key, f.kind === 'pass_fail' ? 'pass' : '0.1']));

  it('prints the next MTK, the tester, the date and a QR code of the device page after a passed MTK', async () => {
    const { detail, mtk } = await mtkDevice();
    const on = today(new Date());
    const base = { deviceId: detail.device.id, inspectionTypeId: mtk.id, performedOn: on, result: 'passed', values: values(mtk.form), testInstrumentId: await app.instrumentId() };
    const entryId = await record({ ...base, performedBy: 'Eichamt Köln' });
    // MTK counts from the end of the year (MPBetreibV §15): computed here, not read from what the app stored.
    const [year, month] = nextDueDate(on, mtk.interval_months, 'end_of_year').split('-');

    const de = await pdfOf(await sticker(entryId, 'technician'), 'de');
    expect(de.text).toBe(`MTK Messtechnische Kontrolle Nächste MTK ${month}/${year} Geprüft ${formatDate('de', on)} von Eichamt Köln ${detail.device.inventory_number}`);
    expect(de.qr).toBe(`${ORIGIN}/d/${detail.device.code}`);

    // Without a named tester, the person who recorded it; in English on request.
    const own = await record(base);
    const en = await pdfOf(await sticker(own, 'technician', '?lang=en'), 'en');
    expect(en.text).toContain(`Next MTK ${month}/${year} Tested ${formatDate('en', on)} by Tom Techniker`);
    // The first one is superseded: its sticker is no longer printed.
    expect((await sticker(entryId, 'technician')).status).toBe(404);
  });

  it('answers 404 for a failed MTK, another inspection, an unknown entry, a device the user may not see and an MTK failed since; 401 without a session', async () => {
    const { detail, mtk } = await mtkDevice();
    const base = { deviceId: detail.device.id, inspectionTypeId: mtk.id, performedOn: today(new Date()), values: values(mtk.form), testInstrumentId: await app.instrumentId() };
    const failed = await record({ ...base, result: 'failed' });
    const passed = await record({ ...base, result: 'passed' });
    // A passed STK of the demo logbook.
    const stk = await app.services.db
      .selectFrom('logbook_entries as e')
      .innerJoin('inspection_types as it', 'it.id', 'e.inspection_type_id')
      .select('e.id')
      .where('it.code', '=', 'STK')
      .where('e.result', '=', 'passed')
      .executeTakeFirstOrThrow();

    for (const id of [failed, stk.id, crypto.randomUUID(), 'not-an-id']) {
      const res = await sticker(id, 'technician');
      expect(res.status, id).toBe(404);
      expect(await res.json()).toEqual({ error: 'Nicht gefunden.' });
    }
    expect((await sticker(passed, 'nurse')).status).toBe(404);
    expect((await send(`/api/inspections/${passed}/mtk-sticker.pdf`)).status).toBe(401);
    expect((await sticker(passed, 'technician')).status).toBe(200);
    await record({ ...base, result: 'failed' });
    expect((await sticker(passed, 'technician')).status).toBe(404);
  });
});
