import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { today, withClientIp } from '@medreg/core';
import { createTestApp, photo, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { renderRegister } from '@medreg/print';
import { run, textOf } from '@medreg/print/testing';
import { createApiApp, type ApiApp } from '../app.js';

const ORIGIN = 'http://localhost:3000';
const accounts = { technician: 'technik@demo.medreg', nurse: 'pflege@demo.medreg', manager: 'manager@demo.medreg' } as const;
type Account = keyof typeof accounts;

// Sign-ins are limited per client address: each comes from its own documentation address.
let clients = 0;
const dir = mkdtempSync(join(tmpdir(), 'reports-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of `pdfimages -list`: width, height, encoding. */
const imagesOf = (pdf: string) =>
  run('pdfimages', '-list', pdf)
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const c = line.trim().split(/\s+/);
      return { width: Number(c[3]), height: Number(c[4]), encoding: c[8] };
    });

/** A 2400 x 1800 px JPEG, made by poppler from a page of ours (this package has no image library). */
async function bigJpeg(): Promise<Uint8Array> {
  const source = join(dir, 'photo-source.pdf');
  writeFileSync(source, await renderRegister({ locale: 'de', site: { name: 'Foto', address: null }, printedOn: '2026-01-01', printedBy: 'Test', total: 0, rows: [] }));
  run('pdftoppm', '-jpeg', '-scale-to-x', '2400', '-scale-to-y', '1800', '-singlefile', source, join(dir, 'photo'));
  return new Uint8Array(readFileSync(join(dir, 'photo.jpg')));
}

/** GET /api/register/sites/:siteId/register.pdf and GET /api/devices/:id/logbook.pdf with real sessions, read back with poppler. */
describe.each(testDialects)('the report PDFs on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  const cookies = new Map<Account, string>();
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
  });
  afterAll(() => app?.close());

  const db = () => app.services.db;
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
          `203.0.113.${++clients}`,
        ),
      );
      expect(res.status, `sign-in as ${who}`).toBe(200);
      cookies.set(who, res.headers.get('set-cookie')!.split(';')[0]!);
    }
    return cookies.get(who)!;
  }
  const get = async (path: string, who: Account, lang = 'de') => send(path, { headers: { 'Accept-Language': lang, Cookie: await cookieOf(who) } });
  async function saved(res: Response, name: string) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = join(dir, `${dialect}-${name}.pdf`);
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    return file;
  }
  const nurseWards = async () =>
    (
      await db()
        .selectFrom('user_departments as ud')
        .innerJoin('users as u', 'u.id', 'ud.user_id')
        .select('ud.department_id')
        .where('u.email', '=', accounts.nurse)
        .execute()
    ).map((r) => r.department_id);

  it('the register of a site lists every active device of that site and no decommissioned one, for technicians and managers', async () => {
    const [site, other] = await db().selectFrom('sites').select(['id', 'name']).orderBy('name').execute();
    const active = await db().selectFrom('devices').select(['id', 'inventory_number']).where('site_id', '=', site!.id).where('status', '<>', 'decommissioned').orderBy('inventory_number').execute();
    const gone = active.pop()!;
    await db().updateTable('devices').set({ status: 'decommissioned', decommissioned_on: today(new Date()) }).where('id', '=', gone.id).execute();
    const elsewhere = await db().selectFrom('devices').select('inventory_number').where('site_id', '=', other!.id).execute();

    const pdf = await saved(await get(`/api/register/sites/${site!.id}/register.pdf`, 'manager'), 'register');
    const text = textOf(pdf);
    const printed = [...text.matchAll(/MT-\d+/g)].map((m) => m[0]);
    expect(printed.sort()).toEqual(active.map((d) => d.inventory_number).sort());
    expect(printed).not.toContain(gone.inventory_number);
    expect(elsewhere.some((d) => printed.includes(d.inventory_number))).toBe(false);
    expect(text).toContain(`Bestandsverzeichnis`);
    expect(text).toContain(`${active.length} aktive Geräte`);
    expect(text).toContain('Gedruckt am');
    expect(text).toContain('von Max Meier');
    expect(text).toMatch(/Seite 1 von \d+/);

    // English on request; technicians may print it too.
    const en = textOf(await saved(await get(`/api/register/sites/${site!.id}/register.pdf?lang=en`, 'technician'), 'register-en'));
    expect(en).toContain('Register of medical devices');
    expect(en).toContain('by Tom Techniker');
  });

  it('the register is refused to nurses (403), unknown sites are 404, no session is 401', async () => {
    const site = await db().selectFrom('sites').select('id').executeTakeFirstOrThrow();
    const nurse = await get(`/api/register/sites/${site.id}/register.pdf`, 'nurse');
    expect(nurse.status).toBe(403);
    expect(await nurse.json()).toEqual({ error: expect.any(String) });
    const unknown = await get('/api/register/sites/no-such-site/register.pdf', 'manager');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'Diesen Standort gibt es nicht.' });
    expect((await send(`/api/register/sites/${site.id}/register.pdf`)).status).toBe(401);
  });

  /** A ward device of the nurse whose model has instruction sessions with trainees at its site, with their names. */
  async function wardDevice() {
    const device = await db()
      .selectFrom('devices')
      .innerJoin('instructions as i', (j) => j.onRef('i.model_id', '=', 'devices.model_id').onRef('i.site_id', '=', 'devices.site_id'))
      .innerJoin('instruction_trainees as t', 't.instruction_id', 'i.id')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['devices.id', 'devices.inventory_number', 'u.name as trainee'])
      .where('devices.department_id', 'in', await nurseWards())
      .where('devices.status', '=', 'in_service')
      // A trainee who wrote none of the device's entries, so the name can only come from the sessions.
      .where((eb) => eb('u.id', 'not in', eb.selectFrom('logbook_entries as e').select('e.recorded_by').whereRef('e.device_id', '=', 'devices.id')))
      .where('u.email', '<>', accounts.technician)
      .orderBy('devices.inventory_number')
      .executeTakeFirst();
    expect(device, 'a demo ward device with instruction sessions').toBeDefined();
    return device!;
  }

  it('the logbook of a device: entries, the photo embedded as a JPEG, trainee names for the technician, counts for the nurse', async () => {
    const device = await wardDevice();
    // A repair with a 2400 px photo of the paper protocol and a PDF.
    const big = await bigJpeg();
    const fd = new FormData();
    for (const [k, v] of Object.entries({ deviceId: device.id, kind: 'repair', performedOn: today(new Date()), text: 'Akku getauscht.', parts: 'Akku' })) fd.set(k, v);
    fd.append('photos', photo(big, 'protokoll.jpg'));
    await (await app.as('technician')).measures.record(fd);
    const entries = Number((await db().selectFrom('logbook_entries').select((eb) => eb.fn.countAll().as('n')).where('device_id', '=', device.id).executeTakeFirstOrThrow()).n);

    // The day of the print, read on both sides of it: a run across midnight (Berlin) printed one day and checked the next.
    const printDays = [today(new Date())];
    const tech = await saved(await get(`/api/devices/${device.id}/logbook.pdf`, 'technician'), 'logbook-tech');
    printDays.push(today(new Date()));
    const text = textOf(tech);
    expect(text).toContain('Medizinproduktebuch');
    expect(text).toContain(device.inventory_number);
    expect(text).toContain(`${entries} Einträge in zeitlicher Reihenfolge`);
    expect(text).toContain('Akku getauscht.');
    expect(text).toContain('Foto: protokoll.jpg');
    expect(text).toContain(device.trainee);
    // Pass/fail items of the demo inspections in words, not as stored ("pass").
    expect(text).toMatch(/Sichtprüfung Bestanden/);
    expect(text).not.toMatch(/\bpass\b/);
    const germanDate = (day: string) => new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
    expect(printDays.map((day) => text.includes(`Prüfsummenkette am ${germanDate(day)} geprüft: alle ${entries} Einträge`))).toContain(true);
    const images = imagesOf(tech);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ encoding: 'jpeg', width: 1200, height: 900 });

    const nurse = textOf(await saved(await get(`/api/devices/${device.id}/logbook.pdf?lang=en`, 'nurse'), 'logbook-nurse'));
    expect(nurse).toContain('Medical device logbook');
    expect(nurse).toContain('Akku getauscht.');
    expect(nurse).not.toContain(device.trainee);
    expect(nurse).toMatch(/\d+ persons?/);
  });

  it('the logbook is 404 for a nurse of another ward and for an unknown device, 401 without a session', async () => {
    const wards = await nurseWards();
    const other = await db()
      .selectFrom('devices')
      .select('id')
      .where((eb) => eb.or([eb('department_id', 'not in', wards), eb('department_id', 'is', null)]))
      .executeTakeFirstOrThrow();
    const refused = await get(`/api/devices/${other.id}/logbook.pdf`, 'nurse');
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: 'Dieses Gerät gibt es nicht, oder Sie dürfen es nicht sehen.' });
    expect((await get(`/api/devices/${other.id}/logbook.pdf`, 'technician')).status).toBe(200);
    expect((await get(`/api/devices/${crypto.randomUUID()}/logbook.pdf`, 'technician')).status).toBe(404);
    expect((await get('/api/devices/not-a-uuid/logbook.pdf', 'technician')).status).toBe(404);
    expect((await send(`/api/devices/${other.id}/logbook.pdf`)).status).toBe(401);
  });
});
