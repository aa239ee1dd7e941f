import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * Issue 4's promise on a phone: an IEC 62353 repeat test with a failing leakage value, a protocol photo that
 * uploads while the form is filled in, the device locked in the same step, and the due list showing it failed.
 */
let server: Server;
let browser: Browser;
let tech: BrowserContext;
let code = '';
let inventory = '';
const photoPath = () => join(server.dataDir, 'protokoll.jpg');

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  tech = await browser.newContext({ ...phone, locale: 'de-DE' });
  // A large phone photo (12 MP) that carries its location.
  const bytes = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 235, g: 235, b: 225 } } })
    .jpeg({ quality: 95 })
    .withExif({ IFD0: { Make: 'PhoneCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '50/1 56/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '6/1 57/1 0/1' } })
    .toBuffer();
  writeFileSync(photoPath(), bytes);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The form on the running page: input before hydration can be reset by it or miss the live checks (slow CI hosts). */
async function openForm(page: Page) {
  await page.goto(`${server.baseUrl}/d/${code}/inspect`);
  await page.waitForLoadState('networkidle');
  await page.selectOption('#type', { label: (await page.locator('#type option', { hasText: 'Elektrische Sicherheit' }).textContent())! });
}

describe('an IEC 62353 test that fails on a phone', () => {
  it('finds a class II infusion pump with a CF applied part', async () => {
    const page = await openAs(tech, server.baseUrl, 'technik@demo.medreg', '/devices?q=MT-10001');
    const row = page.locator('a.device-row:visible').first();
    code = (await row.getAttribute('href'))!.split('/')[2]!;
    inventory = 'MT-10001';
    await page.goto(`${server.baseUrl}/d/${code}`);
    expect(await page.textContent('h1')).toContain('Perfusor Space');
  });

  it('checks limits and the rise against last time while the technician types, and offers to lock', async () => {
    const page = await tech.newPage();
    // A passed test first, so that the next one has a previous value to compare with. It was done three days ago:
    // the date set first stays while the values are typed (it used to jump back to today) and reaches the logbook.
    const earlier = new Date(Date.now() - 3 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Europe/Berlin' });
    await openForm(page);
    await page.fill('#performedOn', earlier);
    await page.fill('#m-equipment_leakage', '40');
    expect(await page.inputValue('#performedOn')).toBe(earlier);
    await page.selectOption('#instrument', { label: (await page.locator('#instrument option', { hasText: 'Fluke ESA615' }).textContent())! });
    // Nothing preset: the result is the technician's answer, and "passed" needs every check of the form.
    expect(await page.isChecked('input[name=result][value=passed]')).toBe(false);
    expect(await page.isChecked('input[name=result][value=failed]')).toBe(false);
    await page.check('input[name=result][value=passed]');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button[type=submit]')]);
    await expect.poll(() => page.textContent('main p.alert.error[role=alert]')).toContain('Eine bestandene Prüfung braucht alle Prüfschritte und Messwerte');
    expect(await page.textContent('#m-applied_part_leakage-error')).toBe('Für „Bestanden“ erforderlich.');
    expect(await page.inputValue('#performedOn')).toBe(earlier);
    await page.check('input[name="m.visual"][value=pass]');
    await page.fill('#m-insulation', '40');
    await page.fill('#m-applied_part_leakage', '10');
    await page.check('input[name="m.functional"][value=pass]');
    expect(await page.inputValue('#performedOn')).toBe(earlier);
    await Promise.all([page.waitForURL(/saved=1/), page.click('main button[type=submit]')]);
    const saved = page.locator('.entry[data-kind=inspection]').first();
    expect(await saved.locator('time').first().getAttribute('datetime')).toMatch(new RegExp(`^${earlier}T`));

    await openForm(page);
    // The last test's value is shown next to the field; a rise of more than half is flagged (VDE 0751).
    const hint = (await page.textContent('#m-equipment_leakage-hint'))!;
    expect(hint).toContain('≤ 100 µA'); // protection class II
    expect(hint).toMatch(/Letztes Mal \([^)]*\): 40 µA/);
    await page.fill('#m-equipment_leakage', '95');
    await expect.poll(() => page.textContent('main form')).toContain('Geräteableitstrom ist seit der letzten Prüfung um 138 % gestiegen (40 → 95 µA)');

    await page.check('input[name="m.visual"][value=pass]');
    await page.fill('#m-insulation', '40');
    await page.fill('#m-applied_part_leakage', '80'); // CF: at most 50 µA
    await expect.poll(() => page.textContent('main form')).toContain('Patientenableitstrom liegt außerhalb des Grenzwerts (≤ 50 µA)');
    expect(await page.textContent('.verdict')).toBe('Nicht bestanden');
    expect(await page.isChecked('input[name=lock]')).toBe(true);
    expect(await page.inputValue('#lockReason')).toContain('Patientenableitstrom: 80 µA (≤ 50 µA)');

    // The out-of-calibration instrument is flagged at once.
    await page.selectOption('#instrument', { label: (await page.locator('#instrument option', { hasText: 'Metrax' }).textContent())! });
    await expect.poll(() => page.textContent('#instrument-state')).toContain('zur Kalibrierung fällig');
    await page.selectOption('#instrument', { label: (await page.locator('#instrument option', { hasText: 'Fluke ESA615' }).textContent())! });

    // The photo uploads in the background with a progress bar; the form stays usable meanwhile.
    await page.setInputFiles('#photo-camera', photoPath());
    await page.fill('#text', 'Patientenableitstrom zu hoch, Isolationsfehler am Netzteil vermutet.');
    await expect.poll(() => page.textContent('.uploads'), { timeout: 30_000 }).toContain('Hochgeladen');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'phone-inspect-iec62353-failed');

    await Promise.all([page.waitForURL(/saved=1/), page.click('main button[type=submit]')]);
    expect(await page.textContent('.locked-banner')).toContain('GESPERRT – NICHT BENUTZEN');
    const entry = page.locator('.entry[data-kind=inspection]').first();
    expect(await entry.textContent()).toContain('Patientenableitstrom: 80 µA (≤ 50 µA)');
    expect(await page.locator('.entry[data-kind=lock]').count()).toBe(1);
    await shot(page, 'phone-device-locked-after-iec62353');

    // The stored photo has no location, and its display copy is small.
    const img = entry.locator('.photos img').first();
    const src = (await img.getAttribute('src'))!;
    const preview = await tech.request.get(`${server.baseUrl}${src}`);
    expect((await sharp(await preview.body()).metadata()).width).toBeLessThanOrEqual(1280);
    const original = await tech.request.get(`${server.baseUrl}${src.replace(/\?.*$/, '')}`);
    expect((await sharp(await original.body()).metadata()).exif).toBeUndefined();
  });

  it('the due list shows the device as failed until it is released', async () => {
    const page = await tech.newPage();
    await page.goto(`${server.baseUrl}/due?window=failed`);
    const row = page.locator('.item', { has: page.locator(`a.inv:text-is("${inventory}")`) });
    expect(await row.count()).toBe(1);
    expect(await row.locator('.badge').first().textContent()).toBe('nicht bestanden');
    await shot(page, 'phone-due-failed');
  });

  it('looks right on a desktop in English', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'en-GB' });
    const page = await openAs(ctx, server.baseUrl, 'technik@demo.medreg', '/devices?q=MT-10002');
    const href = (await page.locator('a.device-row:visible').first().getAttribute('href'))!;
    await page.goto(`${server.baseUrl}${href}/inspect`);
    await page.waitForLoadState('networkidle');
    await page.fill('#m-applied_part_leakage', '80');
    await expect.poll(() => page.textContent('main form')).toContain('outside its limit');
    await shot(page, 'desktop-inspect-failed-en');
    await ctx.close();
  });
});
