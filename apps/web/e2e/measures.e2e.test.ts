import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, shotsDir, startServer, type Server } from './harness.js';

/**
 * Other measures at the device on a phone: a repair with a photo and a software update (the logbook shows
 * them, the device keeps the new version), the form at desk size and in English, and the sticker after a
 * passed MTK, rendered and scanned.
 */
let server: Server;
let browser: Browser;
let tech: BrowserContext;
let code = '';
let photo = '';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  photo = join(server.dataDir, 'netzteil.jpg');
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><rect width="100%" height="100%" fill="#cdd"/><rect x="300" y="250" width="600" height="400" rx="20" fill="#333"/><circle cx="600" cy="450" r="80" fill="#aa6"/></svg>',
  );
  writeFileSync(photo, await sharp(svg).jpeg().withExif({ IFD0: { Make: 'PhoneCam' } }).toBuffer());
  tech = await browser.newContext({ ...phone, locale: 'de-DE' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, path: string) => openAs(ctx, server.baseUrl, 'technik@demo.medreg', path);
const trpc = async <T>(page: Page, path: string, input: unknown): Promise<T> => {
  const res = await page.request.get(`${server.baseUrl}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  expect(res.status(), path).toBe(200);
  return ((await res.json()) as { result: { data: T } }).result.data;
};
/**
 * Elements of the page's content that reach beyond the viewport (a phone context zooms out rather than scroll,
 * so the viewport's width is the measure). The top navigation is the layout's, checked by the journey test.
 */
const overflowing = (page: Page) =>
  page.evaluate((width) => [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > width + 0.5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`), page.viewportSize()!.width);
const submit = (page: Page) => Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button[type=submit]')]);

describe('measures', () => {
  it('a technician on a phone records a repair with a photo; a refusal keeps what was typed', async () => {
    const device = await signedIn(tech, '/devices');
    code = (await device.locator('a.device-row:visible').first().getAttribute('href'))!.split('/')[2]!;
    await device.goto(`${server.baseUrl}/d/${code}`);
    await Promise.all([device.waitForURL(/\/measure$/), device.click(`a[href="/d/${code}/measure"]`)]);
    const page = device;
    expect(await page.textContent('h1')).toBe('Maßnahme erfassen');
    expect(await page.isChecked('input[name=kind][value=maintenance]')).toBe(true);
    expect(await overflowing(page)).toEqual([]);
    await shot(page, 'phone-measure-form');

    await page.click('label.kind:has(input[value=repair])');
    expect(await page.textContent('label[for=text]')).toBe('Was war defekt und was wurde repariert');
    await page.fill('#parts', 'Netzteilbuchse 5 V');
    // Without a description: refused, the message at the field, the focus there, the parts still typed.
    await submit(page);
    await expect.poll(() => page.textContent('#text-error')).toBe('Beschreiben Sie, was gemacht wurde (mindestens 3 Zeichen).');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('text');
    expect(await page.inputValue('#parts')).toBe('Netzteilbuchse 5 V');
    await shot(page, 'phone-measure-error');

    await page.fill('#text', 'Netzteilbuchse lose, neu eingelötet; Ladefunktion geprüft.');
    await page.fill('#performedBy', 'Elektrowerkstatt Haus B');
    await page.setInputFiles('#photo-gallery', photo);
    await page.waitForSelector('.uploads .done');
    expect(await overflowing(page)).toEqual([]);
    await shot(page, 'phone-measure-repair');
    await Promise.all([page.waitForURL(/\?measure=1$/), page.click('main button[type=submit]')]);
    expect(await page.textContent('[role=status]')).toContain('Maßnahme im Gerätebuch gespeichert.');
    const entry = page.locator('.entry[data-kind=repair]').first();
    expect(await entry.textContent()).toContain('Teile: Netzteilbuchse 5 V');
    expect(await entry.textContent()).toContain('Elektrowerkstatt Haus B');
    // The display copy is served (the phone shows it without the location the upload carried).
    await entry.locator('img').scrollIntoViewIfNeeded();
    await expect.poll(() => entry.locator('img').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  });

  it('a software update from ?kind=: the device keeps the new version and the logbook says from what to what', async () => {
    const page = await signedIn(tech, `/d/${code}/measure?kind=software_update`);
    expect(await page.isChecked('input[name=kind][value=software_update]')).toBe(true);
    const current = (await page.textContent('#newVersion-current'))!.replace('Bisher installiert: ', '');
    await page.fill('#newVersion', current);
    await page.fill('#text', 'Sicherheitsupdate laut Kundeninformation des Herstellers.');
    await submit(page);
    await expect.poll(() => page.textContent('#newVersion-error')).toContain(`bereits Version ${current}`);
    await page.fill('#newVersion', `${current}.1`);
    expect(await overflowing(page)).toEqual([]);
    await shot(page, 'phone-measure-software');
    await Promise.all([page.waitForURL(/\?measure=1$/), page.click('main button[type=submit]')]);
    expect(await page.locator('.entry[data-kind=software_update]').first().textContent()).toContain(`Software ${current} → ${current}.1`);
    expect(await page.textContent('dl.facts')).toContain(`${current}.1`);
    const repairPhoto = page.locator('.entry[data-kind=repair] img').first();
    await repairPhoto.scrollIntoViewIfNeeded();
    await expect.poll(() => repairPhoto.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
    await shot(page, 'phone-device-after-measures');
  });

  it('the form at desk size and in English, with the functional test’s result; nurses get a 403 page', async () => {
    const desk = await browser.newContext({ ...desktop, locale: 'de-DE' });
    const deskEn = await browser.newContext({ ...desktop, locale: 'en-GB' });
    const phoneEn = await browser.newContext({ ...phone, locale: 'en-GB' });
    const nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
    try {
      const refused = await openAs(nurse, server.baseUrl, 'pflege@demo.medreg', '/devices');
      const hers = (await refused.locator('a.device-row:visible').first().getAttribute('href'))!;
      expect((await refused.goto(`${server.baseUrl}${hers}/measure`))?.status()).toBe(403);
      await refused.goto(`${server.baseUrl}${hers}`);
      expect(await refused.locator(`a[href="${hers}/measure"]`).count()).toBe(0);

      const de = await signedIn(desk, `/d/${code}/measure?kind=functional_test`);
      expect(await de.textContent('#result-legend')).toBe('Ergebnis der Funktionsprüfung');
      expect(await overflowing(de)).toEqual([]);
      await shot(de, 'desktop-measure-form');
      await de.fill('#text', 'Alarme geprüft.');
      await submit(de);
      await expect.poll(() => de.textContent('#result-error')).toBe('Wählen Sie, ob die Funktionsprüfung bestanden ist.');
      await shot(de, 'desktop-measure-error');

      const en = await signedIn(phoneEn, `/d/${code}/measure?kind=software_update`);
      expect(await en.textContent('h1')).toBe('Record a measure');
      expect(await overflowing(en)).toEqual([]);
      await shot(en, 'phone-en-measure-form');
      const enDesk = await signedIn(deskEn, `/d/${code}/measure?kind=repair`);
      expect(await overflowing(enDesk)).toEqual([]);
      await shot(enDesk, 'desktop-en-measure-form');
    } finally {
      await Promise.all([desk.close(), deskEn.close(), phoneEn.close(), nurse.close()]);
    }
  });

  it('after a passed MTK the logbook offers the sticker: next MTK, tester, inventory number and a QR code that scans to the device', async () => {
    const page = await signedIn(tech, '/devices');
    type Detail = { device: { id: string; code: string; inventory_number: string }; inspections: { id: string; code: string; form: { key: string; kind: string }[] }[] };
    const { items } = await trpc<{ items: { id: string }[] }>(page, 'devices.list', { q: 'ProBP' });
    const detail = await trpc<Detail>(page, 'devices.get', { id: items[0]!.id });
    const mtk = detail.inspections.find((t) => t.code.startsWith('MTK'))!;
    const { instruments } = await trpc<{ instruments: { id: string; calibration_due_on: string | null }[] }>(page, 'inspections.formContext', { deviceId: detail.device.id });
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
    const instrument = instruments.find((i) => !i.calibration_due_on || i.calibration_due_on >= today)!;
    const res = await page.request.post(`${server.baseUrl}/trpc/inspections.record`, {
      data: {
        deviceId: detail.device.id, inspectionTypeId: mtk.id, performedOn: today, result: 'passed', testInstrumentId: instrument.id,
        values: Object.fromEntries(mtk.form.map((f) => [f.key, f.kind === 'pass_fail' ? 'pass' : '0.5'])),
      },
    });
    expect(res.status(), await res.text()).toBe(200);

    await page.goto(`${server.baseUrl}/d/${detail.device.code}`);
    const link = page.locator('.entry[data-kind=inspection] a[href$="mtk-sticker.pdf?lang=de"]').first();
    expect(await link.textContent()).toBe('MTK-Plakette drucken');
    await shot(page, 'phone-device-mtk-sticker-link');

    const pdf = await page.request.get(`${server.baseUrl}${await link.getAttribute('href')}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const file = join(shotsDir, 'mtk-sticker.pdf');
    writeFileSync(file, await pdf.body());
    const tool = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    tool('pdftoppm', '-r', '600', '-png', '-singlefile', file, join(shotsDir, 'mtk-sticker'));
    expect(tool('zbarimg', '--raw', '-q', join(shotsDir, 'mtk-sticker.png')).trim()).toBe(`${server.baseUrl}/d/${detail.device.code}`);
    const text = tool('pdftotext', file, '-').replace(/\s+/g, ' ');
    expect(text).toMatch(/Nächste MTK 12\/\d{4} Geprüft .* von Tom Techniker/);
    expect(text).toContain(detail.device.inventory_number);
  });
});
