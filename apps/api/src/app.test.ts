import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { pageCount, scanLabels } from '@medreg/print/testing';
import { createApiApp, type ApiApp } from './app.js';

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'demo-passwort';
const accounts = {
  technician: 'technik@demo.medreg',
  manager: 'manager@demo.medreg',
  nurse: 'pflege@demo.medreg',
  admin: 'admin@demo.medreg',
} as const;
type Account = keyof typeof accounts;

/**
 * better-auth allows 3 sign-ins per 10 s per client address, in one process-wide memory store. The servers
 * put the socket's address on every request (withClientIp); each sign-in here comes from its own
 * documentation address (192.0.2.0/24), as distinct phones would.
 */
let clients = 0;
const nextClientIp = () => `192.0.2.${++clients}`;

/** Today's calendar date in the hospital's time zone, as the server computes it. */
const todayInBerlin = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** `?input=` for a tRPC query without a transformer: the input as JSON. */
const q = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(input))}`;

/** A serialized error body must never leak a stack trace or a source path. */
function expectNoInternals(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/stack/i);
  expect(text).not.toMatch(/\bat\s/);
  expect(text).not.toMatch(/node_modules|\/work\/|\/src\/|\.ts\b|\.js\b|file:\/\//);
}

interface TrpcError {
  error: { message: string; code: number; data: { code: string; httpStatus: number; path: string; fieldErrors: Record<string, string> | null } };
}

describe.each(testDialects)('the HTTP API on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  const cookies = new Map<Account, string>();

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
  });
  afterAll(() => app?.close());

  /** A real request against the Hono app, as it arrives from the network. */
  const send = (path: string, init: RequestInit = {}) => api.fetch(new Request(ORIGIN + path, init));

  const signIn = (email: string, password: string, ip = nextClientIp(), on = api) =>
    on.fetch(
      withClientIp(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
          body: JSON.stringify({ email, password }),
        }),
        ip,
      ),
    );

  /** The session cookie (`name=value`) of a demo account, signed in once through the real endpoint. */
  async function cookieOf(who: Account): Promise<string> {
    const cached = cookies.get(who);
    if (cached) return cached;
    const res = await signIn(accounts[who], PASSWORD);
    expect(res.status, `sign-in as ${who}`).toBe(200);
    const setCookie = res.headers.get('set-cookie');
    expect(setCookie).toBeTruthy();
    const cookie = setCookie!.split(';')[0]!;
    cookies.set(who, cookie);
    return cookie;
  }

  /** Request headers for a user (or anonymous), in a language. */
  async function headers(who: Account | null, lang: 'de' | 'en' = 'en', extra: Record<string, string> = {}) {
    const h: Record<string, string> = { 'Accept-Language': lang, ...extra };
    if (who) h.Cookie = await cookieOf(who);
    return h;
  }

  async function query<T>(who: Account, path: string, input: unknown): Promise<T> {
    const res = await send(`/trpc/${path}${q(input)}`, { headers: await headers(who) });
    const body = (await res.json()) as { result?: { data: T } } & Partial<TrpcError>;
    expect(res.status, `${path}: ${JSON.stringify(body.error)}`).toBe(200);
    return body.result!.data;
  }

  async function mutate(who: Account | null, path: string, input: unknown, lang: 'de' | 'en' = 'en') {
    return send(`/trpc/${path}`, {
      method: 'POST',
      headers: await headers(who, lang, { 'Content-Type': 'application/json' }),
      body: JSON.stringify(input),
    });
  }

  type DeviceRow = { id: string; inventory_number: string; status: string };
  type Detail = { device: { id: string; status: string }; inspections: { id: string; code: string }[] };
  type Entry = { id: string; kind: string; attachments: { id: string }[] };

  const deviceByInventory = async (who: Account, inventoryNumber: string) => {
    const list = await query<{ items: DeviceRow[] }>(who, 'devices.list', { q: inventoryNumber });
    expect(list.items).toHaveLength(1);
    return list.items[0]!;
  };

  const logbookRows = async () =>
    Number((await app.services.db.selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('answers /api/health with the dialect', async () => {
    const res = await send('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: dialect });
  });

  it('refuses a wrong password with 401 and sets no session cookie', async () => {
    const res = await signIn(accounts.technician, 'wrong-password');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie') ?? '').not.toMatch(/session_token/);
  });

  it('limits sign-in attempts per client address, and a forged address header does not help', async () => {
    const attacker = nextClientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await signIn(accounts.admin, 'guess-' + i, attacker)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The header a client sends is replaced by the server's own view of the connection.
    const forged = new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, 'x-medreg-client-ip': nextClientIp() },
      body: JSON.stringify({ email: accounts.admin, password: 'guess-5' }),
    });
    expect((await api.fetch(withClientIp(forged, attacker))).status).toBe(429);
    // Another client is not affected.
    expect((await signIn(accounts.admin, PASSWORD)).status).toBe(200);
  });

  it('counts sign-in attempts of a client across the processes of the app', async () => {
    const client = nextClientIp();
    const other = createApiApp(app.otherProcess().services);
    const statuses: number[] = [];
    for (const [i, on] of [api, other, api, other].entries()) statuses.push((await signIn(accounts.admin, `guess-${i}`, client, on)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Counted in the database, which every process (and every server on PostgreSQL) shares; one process's memory
    // would count only its own attempts.
    const counted = await app.services.db.selectFrom('rate_limits').select(['key', 'count']).where('key', 'like', `${client}%`).execute();
    expect(counted).toEqual([{ key: expect.stringContaining('/sign-in/email'), count: 3 }]);
  });

  it('serves tRPC queries over HTTP to a signed-in user, and a translated 401 without internals to anyone else', async () => {
    const res = await send(`/trpc/devices.list${q({ q: 'MT-10001' })}`, { headers: await headers('technician') });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { items: DeviceRow[]; total: number } } };
    expect(body.result.data.total).toBe(1);
    expect(body.result.data.items).toHaveLength(1);
    expect(body.result.data.items[0]!.inventory_number).toBe('MT-10001');

    const anon = await send(`/trpc/devices.list${q({ q: 'MT-10001' })}`, { headers: { 'Accept-Language': 'de' } });
    expect(anon.status).toBe(401);
    const err = (await anon.json()) as TrpcError;
    expect(err.error.message).toBe('Bitte zuerst anmelden.');
    expect(err.error.data.code).toBe('UNAUTHORIZED');
    expectNoInternals(err);
  });

  it('rejects a mutation with invalid input: 400 with translated field messages, nothing written', async () => {
    const device = await deviceByInventory('technician', 'MT-10001');
    const before = await logbookRows();
    const res = await mutate('technician', 'inspections.record', { deviceId: device.id }, 'en');
    expect(res.status).toBe(400);
    const err = (await res.json()) as TrpcError;
    expect(err.error.data.code).toBe('BAD_REQUEST');
    expect(err.error.data.fieldErrors).toMatchObject({
      inspectionTypeId: 'This field is required.',
      performedOn: 'This field is required.',
      result: 'Choose one of the offered options.',
    });
    expectNoInternals(err);
    expect(await logbookRows()).toBe(before);
  });

  it('records an inspection with a photo as multipart form data and serves the photo only to those who may see it', async () => {
    // A device the nurse may not see, so the same file can be checked against her below.
    const all = await query<{ items: DeviceRow[] }>('technician', 'devices.list', { pageSize: 200 });
    const hers = await query<{ items: DeviceRow[] }>('nurse', 'devices.list', { pageSize: 200 });
    const hidden = all.items.filter((d) => !hers.items.some((h) => h.id === d.id) && d.status === 'in_service');
    let target: { detail: Detail; stk: { id: string } } | undefined;
    for (const d of hidden) {
      const detail = await query<Detail>('technician', 'devices.get', { id: d.id });
      const stk = detail.inspections.find((t) => t.code === 'STK');
      if (stk) {
        target = { detail, stk };
        break;
      }
    }
    expect(target, 'an in-service device with STK outside the nurse’s wards').toBeDefined();
    const { detail, stk } = target!;

    const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const fd = new FormData();
    fd.set('deviceId', detail.device.id);
    fd.set('inspectionTypeId', stk.id);
    fd.set('performedOn', todayInBerlin());
    fd.set('result', 'passed');
    // A passed STK rests on every check and measurement of its form, taken with a calibrated instrument.
    for (const [k, v] of Object.entries({ visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '40', applied_part_leakage: '10', functional: 'pass' })) fd.set(`m.${k}`, v);
    fd.set('testInstrumentId', await app.instrumentId());
    fd.append('photos', new File([new Uint8Array(jpeg)], 'protokoll.jpg', { type: 'image/jpeg' }));
    // A browser page sends its origin with a form (a form naming none is refused).
    const res = await send('/trpc/inspections.record', { method: 'POST', headers: await headers('technician', 'en', { Origin: ORIGIN }), body: fd });
    const body = (await res.json()) as { result?: { data: { entryId: string; result: string } } } & Partial<TrpcError>;
    expect(res.status, JSON.stringify(body.error)).toBe(200);
    expect(body.result!.data.result).toBe('passed');

    const entries = await query<Entry[]>('technician', 'logbook.list', { deviceId: detail.device.id });
    const entry = entries.find((e) => e.id === body.result!.data.entryId)!;
    expect(entry.kind).toBe('inspection');
    expect(entry.attachments).toHaveLength(1);
    const fileUrl = `/api/files/${entry.attachments[0]!.id}`;

    const original = await send(fileUrl, { headers: await headers('technician') });
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    expect(original.headers.get('x-content-type-options')).toBe('nosniff');
    expect(original.headers.get('content-disposition')).toMatch(/^inline; filename="protokoll\.jpg"/);
    const bytes = new Uint8Array(await original.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect((await sharp(bytes).metadata()).width).toBe(32);

    const preview = await send(`${fileUrl}?variant=preview`, { headers: await headers('technician') });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(new Uint8Array(await preview.arrayBuffer())).metadata()).format).toBe('webp');

    const anon = await send(fileUrl, { headers: { 'Accept-Language': 'en' } });
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: 'Please sign in first.' });

    const nurse = await send(fileUrl, { headers: await headers('nurse') });
    expect(nurse.status).toBe(404);
    expect(await nurse.json()).toEqual({ error: 'Not found.' });
  });

  it('prints a lock-out card only for a locked device', async () => {
    const device = await deviceByInventory('manager', 'MT-10002');
    expect(device.status).toBe('in_service');
    const cardUrl = `/api/devices/${device.id}/lockout-card.pdf`;

    const unlocked = await send(cardUrl, { headers: await headers('manager', 'de') });
    expect(unlocked.status).toBe(404);
    expect(unlocked.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unlocked.json()).toEqual({ error: 'Dieses Gerät gibt es nicht, oder Sie dürfen es nicht sehen.' });

    const lock = await mutate('manager', 'lockout.lock', {
      deviceId: device.id,
      reason: 'Display flackert',
      incidentSuspected: true,
    });
    expect(lock.status, await lock.clone().text()).toBe(200);

    const card = await send(cardUrl, { headers: await headers('manager') });
    expect(card.status).toBe(200);
    expect(card.headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await card.arrayBuffer());
    expect(new TextDecoder().decode(pdf.subarray(0, 4))).toBe('%PDF');
    // Named in the request's language.
    expect(card.headers.get('content-disposition')).toContain('filename="lockout-card-MT-10002.pdf"');
    const german = await send(cardUrl, { headers: await headers('manager', 'de') });
    expect(german.headers.get('content-disposition')).toContain('filename="Sperrkarte-MT-10002.pdf"');
    const asked = await send(`${cardUrl}?lang=en`, { headers: await headers('manager', 'de') });
    expect(asked.headers.get('content-disposition')).toContain('filename="lockout-card-MT-10002.pdf"');

    const badSize = await send(`${cardUrl}?size=A9`, { headers: await headers('manager') });
    expect(badSize.status).toBe(400);
    expect(await badSize.json()).toEqual({ error: 'The request could not be read.' });

    const anon = await send(cardUrl, { headers: { 'Accept-Language': 'en' } });
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: 'Please sign in first.' });
  });

  it('refuses a lock by a nurse with a translated 403', async () => {
    const hers = await query<{ items: DeviceRow[] }>('nurse', 'devices.list', { pageSize: 1 });
    const device = hers.items[0]!;
    const before = await logbookRows();
    const res = await mutate('nurse', 'lockout.lock', { deviceId: device.id, reason: 'Kabel beschädigt' }, 'de');
    expect(res.status).toBe(403);
    const err = (await res.json()) as TrpcError;
    expect(err.error.data.code).toBe('FORBIDDEN');
    expect(err.error.message).toBe('Ihre Rolle darf das nicht.');
    expectNoInternals(err);
    expect(await logbookRows()).toBe(before);
  });

  it('prints QR labels for a ward on A4 sheets: every QR code decodes to its own device', async () => {
    const options = await query<{ departments: { id: string; name: string }[] }>('technician', 'labels.options', undefined);
    const ward = options.departments.find((d) => d.name === 'Intensivstation 1')!;
    const count = await query<number>('technician', 'labels.count', { departmentId: ward.id });
    expect(count).toBeGreaterThan(24); // more than one sheet

    const res = await send(`/api/labels.pdf?departmentId=${ward.id}&layout=3x8&skip=2&lang=de`, { headers: await headers('technician') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const dir = mkdtempSync(join(tmpdir(), 'labels-api-'));
    try {
      writeFileSync(join(dir, 'sheet.pdf'), new Uint8Array(await res.arrayBuffer()));
      expect(pageCount(join(dir, 'sheet.pdf'))).toBe(Math.ceil((count + 2) / 24));
      const text = execFileSync('pdftotext', [join(dir, 'sheet.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('Nächste Prüfung');
      // Slot by slot, as a phone scans one label: the two used positions stay empty.
      const decoded = scanLabels(join(dir, 'sheet.pdf'), '3x8');
      expect(decoded).toHaveLength(count);
      // Each label's QR code opens its device: the ward's devices in inventory-number order.
      const devices = await app.services.db.selectFrom('devices').select(['code']).where('department_id', '=', ward.id).orderBy('inventory_number').execute();
      expect(decoded).toEqual(devices.map((d) => `http://localhost:3000/d/${d.code}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses labels to a nurse, for an unknown layout and for an empty selection', async () => {
    const device = await deviceByInventory('manager', 'MT-10003');
    const single = await send(`/api/labels.pdf?deviceId=${device.id}&layout=single`, { headers: await headers('manager') });
    expect(single.status).toBe(200);
    expect(single.headers.get('content-disposition')).toContain('Etikett-MT-10003.pdf');

    const nurse = await send(`/api/labels.pdf?deviceId=${device.id}`, { headers: await headers('nurse', 'de') });
    expect(nurse.status).toBe(403);
    expect(await nurse.json()).toEqual({ error: 'Ihre Rolle darf das nicht.' });
    const badLayout = await send(`/api/labels.pdf?layout=5x5`, { headers: await headers('manager') });
    expect(badLayout.status).toBe(400);
    const none = await send(`/api/labels.pdf?q=NO-SUCH-NUMBER`, { headers: await headers('manager') });
    expect(none.status).toBe(404);
    // "_" is a literal character, not a LIKE wildcard, on both databases.
    expect((await send(`/api/labels.pdf?q=MT_1`, { headers: await headers('manager') })).status).toBe(404);
    expect((await send(`/api/labels.pdf?q=MT-1000`, { headers: await headers('manager') })).status).toBe(200);
    expect(await none.json()).toEqual({ error: 'No device matches this selection.' });
  });

  it('exports the training matrix as CSV and PDF to managers only, and logs who looked', async () => {
    const scopes = await query<{ departments: { id: string; name: string }[] }>('manager', 'instructions.scopes', undefined);
    const icu = scopes.departments.find((d) => d.name === 'Intensivstation 1')!;
    const csv = await send(`/api/instructions/matrix.csv?scope=department:${icu.id}&lang=de`, { headers: await headers('manager') });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    // A byte-order mark, so spreadsheets read the umlauts as UTF-8.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = Papa.parse<string[]>(new TextDecoder().decode(bytes), { delimiter: ';' }).data.filter((r) => r.length > 1);
    expect(rows[0]!.slice(0, 2)).toEqual(['Person', 'gesperrt']);
    const paula = rows.find((r) => r[0] === 'Paula Pflege')!;
    expect(paula.slice(2).every((cell) => /^(gültig|läuft bald ab|abgelaufen|Software geändert|nicht eingewiesen)/.test(cell))).toBe(true);
    expect(rows).toHaveLength(11); // header and ten people; the one who left only with ?blocked=1
    const withBlocked = await send(`/api/instructions/matrix.csv?scope=department:${icu.id}&blocked=1&lang=en`, { headers: await headers('manager') });
    expect((await withBlocked.text()).split('\r\n').slice(1).filter((l) => l.includes(',blocked,'))).toHaveLength(1);

    const pdf = await send(`/api/instructions/matrix.pdf?scope=department:${icu.id}&lang=de`, { headers: await headers('manager') });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const dir = mkdtempSync(join(tmpdir(), 'matrix-api-'));
    try {
      writeFileSync(join(dir, 'm.pdf'), new Uint8Array(await pdf.arrayBuffer()));
      const pdfText = execFileSync('pdftotext', ['-layout', join(dir, 'm.pdf'), '-'], { encoding: 'utf8' });
      expect(pdfText).toContain('Einweisungsmatrix');
      expect(pdfText).toContain('Paula Pflege');
      expect(pdfText).toContain('Intensivstation 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await send(`/api/instructions/matrix.csv?scope=department:${icu.id}`, { headers: await headers('nurse') })).status).toBe(403);
    expect((await send(`/api/instructions/matrix.csv?scope=nonsense`, { headers: await headers('manager') })).status).toBe(400);
    expect((await send(`/api/instructions/matrix.csv?scope=department:${icu.id}`)).status).toBe(401);
    const logged = await app.services.db.selectFrom('access_log').select('action').where('subject', '=', `department:${icu.id}`).execute();
    expect(logged.length).toBeGreaterThanOrEqual(3);
  });

  it('gives a person their own instruction record as PDF, managers anyone’s, nurses nobody else’s', async () => {
    const own = await send('/api/instructions/record.pdf?lang=de', { headers: await headers('nurse') });
    expect(own.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'record-api-'));
    try {
      writeFileSync(join(dir, 'r.pdf'), new Uint8Array(await own.arrayBuffer()));
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('Paula Pflege');
      expect(text).toContain('Intensivstation 1');
      expect(text).toMatch(/Seite 1 von \d/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const tech = await app.userId('technician');
    expect((await send(`/api/instructions/record.pdf?userId=${tech}`, { headers: await headers('nurse') })).status).toBe(403);
    const byManager = await send(`/api/instructions/record.pdf?userId=${tech}&lang=en`, { headers: await headers('manager') });
    expect(byManager.status).toBe(200);
    expect(byManager.headers.get('content-disposition')).toContain('Device instruction record-Tom Techniker.pdf'.replace(/ /g, '%20'));
    expect((await send('/api/instructions/record.pdf?userId=nobody', { headers: await headers('manager') })).status).toBe(404);
  });
  it('holds an invited user to changing the initial password, over tRPC and the file routes alike', async () => {
    const res = await mutate('admin', 'users.invite', { name: 'Ida Init', email: 'ida.init@demo.medreg', role: 'technician', departmentIds: [] });
    expect(res.status).toBe(200);
    const { initialPassword } = ((await res.json()) as { result: { data: { initialPassword: string } } }).result.data;
    const signedIn = await signIn('ida.init@demo.medreg', initialPassword);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const as = { Cookie: cookie, 'Accept-Language': 'en' };
    const forced = 'You signed in with an initial password. Choose your own password before you continue.';
    const list = await send(`/trpc/devices.list${q({})}`, { headers: as });
    expect(list.status).toBe(403);
    expect(((await list.json()) as TrpcError).error.message).toBe(forced);
    const labels = await send('/api/labels.pdf?layout=3x8', { headers: as });
    expect(labels.status).toBe(403);
    expect(await labels.json()).toEqual({ error: forced });
    const change = await send('/trpc/users.changePassword', {
      method: 'POST',
      headers: { ...as, 'Content-Type': 'application/json' },
      body: JSON.stringify({ current: initialPassword, next: 'Amsel Laterne Quittenbrot', confirm: 'Amsel Laterne Quittenbrot' }),
    });
    expect(change.status).toBe(200);
    expect((await send(`/trpc/devices.list${q({})}`, { headers: as })).status).toBe(200);
  });
});
