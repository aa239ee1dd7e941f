import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The CSV import in a real browser: the demo manager uploads a file whose site column is not recognised,
 * assigns it, the dry run lists an unknown ward, she uploads the corrected file and imports it with the
 * progress bar; the devices are then in the device list. Phone and desktop, German and English.
 */
let server: Server;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

async function signedIn(size: typeof phone | typeof desktop, locale: 'de-DE' | 'en-GB', path: string): Promise<Page> {
  const ctx = await browser.newContext({ ...size, locale });
  contexts.push(ctx);
  const page = await openAs(ctx, server.baseUrl, 'manager@demo.medreg', path);
  expect(new URL(page.url()).pathname).toBe(path);
  return page;
}

/** "Ort" is not a header the import knows: the user has to assign it. Row 3 names a ward that may not exist. */
const csv = (prefix: string, ward3: string) =>
  [
    'Inv.-Nr.;Hersteller;Modell;Ort;Station;Raum;Inbetriebnahme;Bemerkung',
    `${prefix}-1;B. Braun Melsungen AG;Perfusor Space;Klinikum Nord;Intensivstation 1;Raum 1.01;15.03.2024;Leihgerät`,
    `${prefix}-2;Medela AG;Basic 30;Klinikum Süd;Neonatologie;;2023-11-02;`,
    `${prefix}-3;Welch Allyn (Baxter);ProBP 3400;Klinikum Nord;${ward3};;01.06.2022;`,
  ].join('\r\n');

const upload = async (page: Page, text: string) => {
  await page.setInputFiles('#file', { name: 'altbestand.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  const before = page.url();
  await Promise.all([page.waitForURL((u) => u.searchParams.has('upload') && u.href !== before), page.click('form[action="?/upload"] button[type=submit]')]);
  await page.waitForSelector('#map-3');
};

const combos = [
  { size: desktop, name: 'desktop', locale: 'de-DE', lang: 'de', prefix: 'E2E-DD' },
  { size: phone, name: 'phone', locale: 'en-GB', lang: 'en', prefix: 'E2E-PE' },
  { size: phone, name: 'phone', locale: 'de-DE', lang: 'de', prefix: 'E2E-PD' },
  { size: desktop, name: 'desktop', locale: 'en-GB', lang: 'en', prefix: 'E2E-DE' },
] as const;

describe('importing devices from a CSV file', () => {
  it.each(combos)('$name $lang: upload, assign a column, dry run with problems, corrected file, import with progress, devices listed', async ({ size, name, locale, lang, prefix }) => {
    const de = lang === 'de';
    const page = await signedIn(size, locale, '/import');
    expect(await page.textContent('h1')).toBe(de ? 'Geräte importieren' : 'Import devices');

    await upload(page, csv(prefix, 'Kinderintensivüberwachungsstation'));
    expect(await page.textContent('.file-info')).toBe(
      de ? 'altbestand.csv: 3 Zeilen, 8 Spalten (UTF-8, getrennt durch Semikolons).' : 'altbestand.csv: 3 rows, 8 columns (UTF-8, separated by semicolons).',
    );
    // Recognised columns are assigned, "Ort" is not.
    expect(await page.inputValue('#map-0')).toBe('inventoryNumber');
    expect(await page.inputValue('#map-5')).toBe('room');
    expect(await page.inputValue('#map-3')).toBe('');

    // A check without a site column is refused at the assignment, with the focus there.
    await page.click('button[value=check]');
    await page.waitForSelector('#mapping-error');
    expect(await page.textContent('#mapping-error')).toBe(
      de ? 'Keine Spalte ist „Standort“ zugeordnet; das braucht jedes Gerät.' : 'No column is assigned to "Site", which every device needs.',
    );

    await page.selectOption('#map-3', 'site');
    await page.click('button[value=check]');
    await page.waitForSelector('table.problems');
    const rows = await page.$$eval('table.problems tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([['4', 'Station', de ? 'Am Standort Klinikum Nord gibt es keine Station oder Abteilung „Kinderintensivüberwachungsstation“.' : 'Site Klinikum Nord has no ward or department "Kinderintensivüberwachungsstation".']]);
    // The assignment the user made is kept, and nothing can be imported yet.
    expect(await page.inputValue('#map-3')).toBe('site');
    expect(await page.$('button[value=start]')).toBeNull();
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    // A long ward name does not widen the table: the message is on screen, not in a column scrolled off to the side.
    expect(await page.$eval('.table-wrap', (el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    await shot(page, `import-problems-${name}-${lang}`);

    // The corrected file: the assignment is made again, the check is clean, the import runs.
    await upload(page, csv(prefix, 'Kardiologie 3B'));
    await page.selectOption('#map-3', 'site');
    await page.click('button[value=check]');
    await page.waitForSelector('button[value=start]');
    expect((await page.textContent('main [role=status] .alert'))?.trim()).toBe(
      de ? 'Keine Probleme gefunden. Alle 3 Zeilen können importiert werden.' : 'No problems found. All 3 rows can be imported.',
    );
    await shot(page, `import-clean-${name}-${lang}`);
    await Promise.all([page.waitForURL(/\/import\/[0-9a-f-]{36}$/), page.click('button[value=start]')]);
    await page.waitForSelector('.alert.ok');
    expect(await page.textContent('.alert.ok')).toBe(de ? '3 Geräte wurden in das Bestandsverzeichnis aufgenommen.' : '3 devices were added to the register.');
    expect(await page.getAttribute('progress#import-progress', 'value')).toBe('3');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, `import-done-${name}-${lang}`);

    await Promise.all([page.waitForURL(/\/devices/), page.click('a[href="/devices"].btn')]);
    await page.goto(`${server.baseUrl}/devices?q=${prefix}`);
    const listed = await page.textContent('main');
    for (const n of [1, 2, 3]) expect(listed).toContain(`${prefix}-${n}`);
  });

  it('a large file: the progress bar moves while the page polls', async () => {
    const page = await signedIn(desktop, 'de-DE', '/import');
    const lines = ['Inventarnummer;Hersteller;Bezeichnung;Standort;Station;Inbetriebnahme'];
    for (let i = 1; i <= 30_000; i++) lines.push(`BIG-${i};B. Braun Melsungen AG;Perfusor Space;Klinikum Nord;Kardiologie 3B;2024-0${1 + (i % 9)}-1${i % 10}`);
    await upload(page, lines.join('\n'));
    await page.click('button[value=check]');
    await page.waitForSelector('button[value=start]');
    await Promise.all([page.waitForURL(/\/import\/[0-9a-f-]{36}$/), page.click('button[value=start]')]);
    // Seen while it runs: a value between none and all (the page asks twice a second).
    const seen = new Set<number>();
    let midShot = false;
    for (let i = 0; i < 600 && !(await page.$('.alert.ok, .alert.error')); i++) {
      const value = Number((await page.getAttribute('progress#import-progress', 'value').catch(() => null)) ?? -1);
      seen.add(value);
      if (!midShot && value > 0 && value < 30_000) {
        await shot(page, 'import-progress-desktop-de');
        midShot = true;
      }
      await page.waitForTimeout(100);
    }
    expect(await page.textContent('.alert.ok')).toBe('30.000 Geräte wurden in das Bestandsverzeichnis aufgenommen.');
    expect([...seen].some((v) => v > 0 && v < 30_000)).toBe(true);
  });

  it('works without JavaScript: the forms post, the progress page reloads itself until done (a file of one row)', async () => {
    const ctx = await browser.newContext({ ...phone, locale: 'en-GB', javaScriptEnabled: false });
    contexts.push(ctx);
    const page = await openAs(ctx, server.baseUrl, 'admin@demo.medreg', '/import');
    expect(new URL(page.url()).pathname).toBe('/import');
    await upload(page, csv('NOJS', 'Kardiologie 3B').split('\r\n').slice(0, 2).join('\r\n'));
    expect(await page.textContent('.file-info')).toBe('altbestand.csv: 1 row, 8 columns (UTF-8, separated by semicolons).');
    await page.selectOption('#map-3', 'site');
    await Promise.all([page.waitForLoadState('load'), page.click('button[value=check]')]);
    await page.waitForSelector('button[value=start]');
    expect((await page.textContent('main [role=status] .alert'))?.trim()).toBe('No problems found. The row can be imported.');
    expect((await page.textContent('button[value=start]'))?.trim()).toBe('Import 1 device');
    await Promise.all([page.waitForURL(/\/import\/[0-9a-f-]{36}$/), page.click('button[value=start]')]);
    await page.waitForSelector('.alert.ok', { timeout: 20_000 });
    expect(await page.textContent('.alert.ok')).toBe('1 device was added to the register.');
    expect(await page.textContent('#progress-text')).toBe('1 of 1 device written (100 %)');
  });

  it('the import page is the managers’: a technician gets a 403', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'en-GB' });
    contexts.push(ctx);
    const page = await openAs(ctx, server.baseUrl, 'technik@demo.medreg', '/');
    const res = await page.goto(`${server.baseUrl}/import`);
    expect(res?.status()).toBe(403);
  });
});
