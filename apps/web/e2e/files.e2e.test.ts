import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
// No procedure writes corrections yet: the test appends one the way the domain does (hash-chained).
import { appendEntry } from '../../../packages/core/src/logbook/append.server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * Device files in a real browser: a manager uploads a manual, a staff-only protocol and a picture; the device
 * page lists them by kind; a nurse of the ward sees only the files for everyone; the logbook filter works with
 * and without JavaScript; a picture's thumbnail opens the full-size image; a withdrawn file leaves the page.
 */
let server: Server;
let browser: Browser;
let manager: BrowserContext;
let managerEn: BrowserContext;
let nurse: BrowserContext;
let nurseEn: BrowserContext;
let code = '';
let deviceId = '';
const paths = { manual: '', protocol: '', picture: '', fake: '' };

async function pdf(pages: string[]): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => doc.on('end', resolve));
  for (const p of pages) doc.addPage().fontSize(16).text(p);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  paths.manual = join(server.dataDir, 'Gebrauchsanweisung Perfusor.pdf');
  paths.protocol = join(server.dataDir, 'Servicebericht 2026.pdf');
  paths.picture = join(server.dataDir, 'Typenschild.jpg');
  paths.fake = join(server.dataDir, 'Notizen.pdf');
  writeFileSync(paths.manual, await pdf(['Gebrauchsanweisung', 'Reinigung und Desinfektion']));
  writeFileSync(paths.protocol, await pdf(['Servicebericht: Akku getauscht']));
  // Larger than the display copy (1280 px), so "full size" is visible in the image's own size.
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="1500"><rect width="100%" height="100%" fill="#cde"/><rect x="300" y="400" width="1400" height="700" rx="40" fill="#fff" stroke="#223" stroke-width="12"/><text x="380" y="780" font-size="150" fill="#223">SN 123456</text></svg>',
  );
  writeFileSync(paths.picture, await sharp(svg).jpeg().withExif({ IFD0: { Make: 'PhoneCam' } }).toBuffer());
  writeFileSync(paths.fake, 'Nur Text, kein PDF.\n');
  manager = await browser.newContext({ ...desktop, locale: 'de-DE' });
  managerEn = await browser.newContext({ ...phone, locale: 'en-GB' });
  nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
  nurseEn = await browser.newContext({ ...desktop, locale: 'en-GB' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, email: string, path: string) => openAs(ctx, server.baseUrl, email, path);

/** Uploads one file on the files page and waits for the page to say so. */
async function upload(page: Page, file: string, purpose: string, visibility: 'all' | 'staff') {
  await page.selectOption('#purpose', purpose);
  await page.check(`input[name=visibility][value=${visibility}]`);
  await page.setInputFiles('#file', file);
  // The address is ?uploaded=1 after the first upload already: wait for the file itself to be listed.
  const name = file.split('/').pop()!;
  await page.click('form[action="?/upload"] button[type=submit]');
  await page.locator(`section[aria-labelledby=list-title] a.name:text-is("${name}")`).waitFor();
  expect(new URL(page.url()).search).toBe('?uploaded=1');
}

const fileNames = (page: Page, scope = 'main') => page.locator(`${scope} a.name`).allTextContents();

describe('device files', () => {
  it('a manager uploads a manual, a staff-only protocol and a picture; a text file named .pdf is refused', async () => {
    // A device of the nurse's ward, so she can look at it afterwards.
    const list = await signedIn(nurse, 'pflege@demo.medreg', '/devices');
    code = (await list.locator('a.device-row:visible').first().getAttribute('href'))!.split('/')[2]!;

    const page = await signedIn(manager, 'manager@demo.medreg', `/d/${code}/files`);
    expect(await page.textContent('h1')).toMatch(/^Dateien zu /);
    deviceId = (await page.getAttribute('input[name=deviceId]', 'value'))!;
    expect(await page.textContent('main')).toContain('Noch keine Dateien.');

    // Refused by its content: the German message at the field, focus on it, nothing listed.
    await page.setInputFiles('#file', paths.fake);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('form[action="?/upload"] button[type=submit]')]);
    await expect.poll(() => page.textContent('#file-error')).toBe('Die Datei „Notizen.pdf“ ist weder ein PDF noch ein unterstütztes Bild (JPEG, PNG, WebP, HEIC).');
    expect(await page.getAttribute('#file', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file');
    expect(await fileNames(page)).toEqual([]);
    await shot(page, 'files-desktop-de-refused');

    await upload(page, paths.manual, 'manual', 'all');
    expect(await page.textContent('[role=status]')).toContain('Datei hochgeladen.');
    await upload(page, paths.protocol, 'protocol', 'staff');
    await upload(page, paths.picture, 'picture', 'all');
    expect(await fileNames(page)).toEqual(['Gebrauchsanweisung Perfusor.pdf', 'Typenschild.jpg', 'Servicebericht 2026.pdf']);
    expect(await page.locator('[data-file]:has-text("Servicebericht") .badge.staff').textContent()).toBe('nur Fachpersonal');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'files-desktop-de');
  });

  it('the device page lists them by kind, with a badge on the staff-only file and links for managers', async () => {
    const page = await manager.newPage();
    await page.goto(`${server.baseUrl}/d/${code}`);
    const files = page.locator('section[aria-labelledby=files]');
    expect(await files.locator('h3').allTextContents()).toEqual(['Gebrauchsanweisungen', 'Bilder', 'Protokolle']);
    expect(await fileNames(page, 'section[aria-labelledby=files]')).toEqual(['Gebrauchsanweisung Perfusor.pdf', 'Typenschild.jpg', 'Servicebericht 2026.pdf']);
    expect(await files.locator('.badge.staff').count()).toBe(1);
    expect(await files.textContent()).toMatch(/PDF · \d+ kB/);
    expect(await page.getAttribute('a:has-text("Stammdaten")', 'href')).toBe(`/d/${code}/register`);
    expect(await page.getAttribute('a:has-text("Medizinproduktebuch (PDF)")', 'href')).toBe(`/api/devices/${deviceId}/logbook.pdf`);
    expect(await page.locator(`main a.btn[href="/d/${code}/files"]`).count()).toBe(1);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'files-device-desktop-de');
  });

  it('a nurse of the ward sees the files for everyone, not the staff-only one, and cannot manage them', async () => {
    const page = await nurse.newPage();
    await page.goto(`${server.baseUrl}/d/${code}`);
    expect(await fileNames(page, 'section[aria-labelledby=files]')).toEqual(['Gebrauchsanweisung Perfusor.pdf', 'Typenschild.jpg']);
    expect(await page.locator(`a[href="/d/${code}/files"]`).count()).toBe(0);
    expect(await page.locator('a:has-text("Stammdaten")').count()).toBe(0);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'files-device-phone-de-nurse');

    // The manual opens as a PDF; the staff-only file's address answers 404 to her, even typed in.
    const manualHref = (await page.getAttribute('a.name:has-text("Gebrauchsanweisung")', 'href'))!;
    const manual = await nurse.request.get(server.baseUrl + manualHref);
    expect(manual.status()).toBe(200);
    expect(manual.headers()['content-type']).toBe('application/pdf');
    expect(manual.headers()['x-content-type-options']).toBe('nosniff');
    const managerPage = await manager.newPage();
    await managerPage.goto(`${server.baseUrl}/d/${code}`);
    const protocolHref = (await managerPage.getAttribute('a.name:has-text("Servicebericht")', 'href'))!;
    expect((await nurse.request.get(server.baseUrl + protocolHref)).status()).toBe(404);
    expect((await manager.request.get(server.baseUrl + protocolHref)).status()).toBe(200);

    const res = await page.goto(`${server.baseUrl}/d/${code}/files`);
    expect(res?.status()).toBe(403);
  });

  it('a picture thumbnail opens the full-size image', async () => {
    const page = await nurse.newPage();
    await page.goto(`${server.baseUrl}/d/${code}`);
    const thumb = page.locator('section[aria-labelledby=files] a.thumb img');
    await expect.poll(() => thumb.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1280);
    expect(await thumb.getAttribute('alt')).toBe('Bild: Typenschild.jpg');
    const [full] = await Promise.all([nurse.waitForEvent('page'), page.click('section[aria-labelledby=files] a.thumb')]);
    await full.waitForLoadState();
    expect(new URL(full.url()).search).toBe('');
    expect(await full.evaluate(() => ({ w: (document.querySelector('img') as HTMLImageElement).naturalWidth, type: document.contentType }))).toEqual({ w: 2000, type: 'image/jpeg' });
  });

  it('the logbook filters by kind, with JavaScript and without', async () => {
    // A defect report gives the device a second kind of entry besides its inspections.
    const page = await nurse.newPage();
    await page.goto(`${server.baseUrl}/d/${code}`);
    const reported = await page.evaluate(
      async (id) => (await fetch('/trpc/defects.report', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ deviceId: id, text: 'Display flackert beim Start' }) })).status,
      deviceId,
    );
    expect(reported).toBe(200);
    await page.reload();
    const kinds = async (p: Page) => p.locator('ol.logbook > li.entry').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    const all = await kinds(page);
    expect(all).toContain('defect_report');
    expect(all.filter((k) => k !== 'defect_report').length).toBeGreaterThan(0);

    // With JavaScript: choosing a kind shows it at once, as a query string that can be bookmarked.
    await Promise.all([page.waitForURL(/\?kind=defect_report#logbook$/), page.selectOption('#kind', 'defect_report')]);
    expect(await kinds(page)).toEqual(['defect_report']);
    expect(await page.textContent('section[aria-labelledby=logbook] [role=status]')).toBe('Nur „Mängelmeldung“ (1).');
    expect(await page.inputValue('#kind')).toBe('defect_report');
    // On a phone the logbook is far down the page: the filtered page opens there.
    await expect
      .poll(() => page.evaluate(() => { const top = document.getElementById('logbook')!.getBoundingClientRect().top; return top >= 0 && top < innerHeight; }))
      .toBe(true);
    await shot(page, 'files-device-phone-de-filtered');

    // Without JavaScript: the form's button does it.
    const plain = await browser.newContext({ ...desktop, locale: 'de-DE', javaScriptEnabled: false, storageState: await nurse.storageState() });
    const noJs = await plain.newPage();
    await noJs.goto(`${server.baseUrl}/d/${code}`);
    expect(await kinds(noJs)).toEqual(all);
    await noJs.selectOption('#kind', 'inspection');
    await Promise.all([noJs.waitForURL(/\?kind=inspection#logbook$/), noJs.click('form.kind-filter button[type=submit]')]);
    const inspections = await kinds(noJs);
    expect(inspections.length).toBeGreaterThan(0);
    expect(inspections.every((k) => k === 'inspection')).toBe(true);
    await plain.close();
  });

  it('a correction links to the entry it corrects, which links back; both stay visible, also when filtered', async () => {
    const { db, close } = server.openDb();
    const original = await db
      .selectFrom('logbook_entries')
      .select(['id', 'seq'])
      .where('device_id', '=', deviceId)
      .where('kind', '=', 'inspection')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    const manager = await db.selectFrom('users').select('id').where('email', '=', 'manager@demo.medreg').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const correction = await db.transaction().execute((trx) =>
      appendEntry(trx, { deviceId, kind: 'correction', occurredAt: now, recordedAt: now, recordedBy: manager.id, correctsEntryId: original.id, text: 'Prüfer war Tom Techniker, nicht die Fremdfirma.' }),
    );
    await close();

    const page = await nurse.newPage();
    await page.goto(`${server.baseUrl}/d/${code}?kind=inspection`);
    const fix = page.locator(`#entry-${correction.id}`);
    const link = fix.locator('.correction a');
    expect(await link.textContent()).toBe(`Berichtigt Eintrag Nr. ${original.seq}`);
    expect(await link.getAttribute('href')).toBe(`#entry-${original.id}`);
    const back = page.locator(`#entry-${original.id} .correction a`);
    expect(await back.textContent()).toBe(`Berichtigt durch Eintrag Nr. ${correction.seq}`);
    await link.click();
    expect(new URL(page.url()).hash).toBe(`#entry-${original.id}`);
    expect(await page.locator(`#entry-${original.id}`).isVisible()).toBe(true);
    await shot(page, 'files-device-phone-de-correction');
  });

  it('a withdrawn file leaves the device page and stays on the files page as withdrawn', async () => {
    const page = await manager.newPage();
    await page.goto(`${server.baseUrl}/d/${code}/files`);
    await Promise.all([page.waitForURL(/\?withdrawn=1$/), page.click('[data-file]:has-text("Gebrauchsanweisung") form[action="?/withdraw"] button')]);
    expect(await page.textContent('[role=status]')).toContain('Datei zurückgezogen.');
    expect(await fileNames(page, 'section[aria-labelledby=list-title] > section')).not.toContain('Gebrauchsanweisung Perfusor.pdf');
    await page.click('details.withdrawn summary');
    expect(await page.locator('details.withdrawn').textContent()).toMatch(/zurückgezogen am .* von Max Meier/);

    const nursePage = await nurse.newPage();
    await nursePage.goto(`${server.baseUrl}/d/${code}`);
    expect(await fileNames(nursePage, 'section[aria-labelledby=files]')).toEqual(['Typenschild.jpg']);
  });

  it('in English, on a phone and at a desk', async () => {
    const files = await signedIn(managerEn, 'manager@demo.medreg', `/d/${code}/files`);
    expect(await files.textContent('h1')).toMatch(/^Files of /);
    expect(await sideways(files)).toBeLessThanOrEqual(0);
    await shot(files, 'files-phone-en');
    const device = await managerEn.newPage();
    await device.goto(`${server.baseUrl}/d/${code}`);
    expect(await device.textContent('#files')).toBe('Files');
    expect(await sideways(device)).toBeLessThanOrEqual(0);
    await shot(device, 'files-device-phone-en');

    const filesDe = await manager.newPage();
    await filesDe.goto(`${server.baseUrl}/d/${code}/files`);
    const phoneDe = await browser.newContext({ ...phone, locale: 'de-DE', storageState: await manager.storageState() });
    const p = await phoneDe.newPage();
    await p.goto(`${server.baseUrl}/d/${code}/files`);
    expect(await sideways(p)).toBeLessThanOrEqual(0);
    await shot(p, 'files-phone-de');
    await p.goto(`${server.baseUrl}/d/${code}`);
    await shot(p, 'files-device-phone-de');
    await phoneDe.close();

    const nurseDesk = await signedIn(nurseEn, 'pflege@demo.medreg', `/d/${code}`);
    expect(await nurseDesk.textContent('#files')).toBe('Files');
    expect(await sideways(nurseDesk)).toBeLessThanOrEqual(0);
    await shot(nurseDesk, 'files-device-desktop-en');
    const deskEn = await browser.newContext({ ...desktop, locale: 'en-GB', storageState: await manager.storageState() });
    const d = await deskEn.newPage();
    await d.goto(`${server.baseUrl}/d/${code}/files`);
    await shot(d, 'files-desktop-en');
    await deskEn.close();
  });
});
