import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, shotsDir, startServer, type Server } from './harness.js';

/**
 * The register and logbook PDFs fetched by a signed-in browser (its cookies) from the built app, read back with
 * poppler, and their first pages rendered to test-results/reports-*.png to look at.
 */
let server: Server;
let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'reports-e2e-'));
const run = (command: string, ...args: string[]) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const textOf = (pdf: string) => run('pdftotext', pdf, '-').replace(/\s+/g, ' ');

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Demo data read from the server's database: a site with its active devices, a device with sessions on a nurse's ward. */
async function demo() {
  const { db, close } = server.openDb();
  try {
    const site = (await sql<{ id: string; name: string }>`select id, name from sites order by name limit 1`.execute(db)).rows[0]!;
    const active = (await sql<{ inventory_number: string }>`select inventory_number from devices where site_id = ${site.id} and status <> 'decommissioned'`.execute(db)).rows.map(
      (d) => d.inventory_number,
    );
    const device = (
      await sql<{ id: string; inventory_number: string; model: string; trainee: string }>`select d.id, d.inventory_number, m.name as model, u.name as trainee from devices d
         join device_models m on m.id = d.model_id
         join instructions i on i.model_id = d.model_id and i.site_id = d.site_id
         join instruction_trainees t on t.instruction_id = i.id join users u on u.id = t.user_id
         where d.department_id in (select department_id from user_departments ud join users n on n.id = ud.user_id where n.email = 'pflege@demo.medreg')
           and u.role = 'nurse' and u.id not in (select recorded_by from logbook_entries where device_id = d.id)
         order by d.inventory_number limit 1`.execute(db)
    ).rows[0]!;
    const entries = (await sql<{ n: number }>`select count(*) as n from logbook_entries where device_id = ${device.id}`.execute(db)).rows[0]!.n;
    return { site, active, device, entries };
  } finally {
    await close();
  }
}

/** Fetches a PDF with the context's cookies, saves it, renders its first page into test-results. */
async function fetchPdf(ctx: BrowserContext, path: string, name: string) {
  const res = await ctx.request.get(`${server.baseUrl}${path}`);
  expect(res.status(), `${path}: ${res.status()}`).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await res.body());
  run('pdftoppm', '-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', file, join(shotsDir, `reports-${name}`));
  return { file, text: textOf(file) };
}

describe('register and logbook PDFs', () => {
  it('a manager fetches the register of a site and a device logbook through the browser session', async () => {
    const { site, active, device, entries } = await demo();
    expect(active.length).toBeGreaterThan(0);
    const ctx = await browser.newContext({ ...desktop, locale: 'de-DE' });
    await openAs(ctx, server.baseUrl, 'manager@demo.medreg', '/');

    const register = await fetchPdf(ctx, `/api/register/sites/${site.id}/register.pdf`, 'register-de');
    expect(register.text).toContain('Bestandsverzeichnis');
    expect(register.text).toContain(site.name);
    expect(register.text).toContain('von Max Meier');
    const printed = [...register.text.matchAll(/MT-\d+/g)].map((m) => m[0]).sort();
    expect(printed).toEqual([...active].sort());
    expect(register.text).toMatch(/Seite 1 von \d+/);

    const logbook = await fetchPdf(ctx, `/api/devices/${device.id}/logbook.pdf`, 'logbook-de');
    expect(logbook.text).toContain('Medizinproduktebuch');
    expect(logbook.text).toContain(`${device.inventory_number} · ${device.model}`);
    expect(logbook.text).toContain(`${entries} Einträge in zeitlicher Reihenfolge`);
    expect(logbook.text).toContain(device.trainee); // managers see who was instructed
    expect(logbook.text).toMatch(/Prüfsummenkette am .+ geprüft: alle \d+ Einträge sind unverändert/);

    // English on request, for a foreign auditor.
    const en = await fetchPdf(ctx, `/api/register/sites/${site.id}/register.pdf?lang=en`, 'register-en');
    expect(en.text).toContain('Register of medical devices');
    const logbookEn = await fetchPdf(ctx, `/api/devices/${device.id}/logbook.pdf?lang=en`, 'logbook-en');
    expect(logbookEn.text).toContain('Medical device logbook');
    await ctx.close();
  });

  it('a nurse gets her ward device logbook without trainee names, and no register', async () => {
    const { site, device } = await demo();
    const ctx = await browser.newContext({ ...desktop, locale: 'de-DE' });
    await openAs(ctx, server.baseUrl, 'pflege@demo.medreg', '/');
    const logbook = await fetchPdf(ctx, `/api/devices/${device.id}/logbook.pdf`, 'logbook-nurse-de');
    expect(logbook.text).toContain(device.inventory_number);
    expect(logbook.text).not.toContain(device.trainee);
    expect(logbook.text).toMatch(/\d+ Personen?/);
    expect((await ctx.request.get(`${server.baseUrl}/api/register/sites/${site.id}/register.pdf`)).status()).toBe(403);
    await ctx.close();
  });
});
