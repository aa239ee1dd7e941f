import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, login, looks, openAs, phone, shot, shotsDir, sideways, startServer, type Server } from './harness.js';

/**
 * The walking-skeleton journey in a real browser: a technician on a phone records an STK with a
 * protocol photo; a manager at a desk locks the device and prints the lock-out card; the card's QR
 * code opens the device page marked locked.
 */
let server: Server;
let browser: Browser;
const files: string[] = [];
let deviceCode = '';
let deviceUrl = '';

async function jpegWithGps(path: string) {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="100%" height="100%" fill="#fff"/><text x="80" y="200" font-size="90">Prüfprotokoll STK</text><rect x="80" y="300" width="1400" height="10" fill="#000"/></svg>',
  );
  const bytes = await sharp(svg)
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '50/1 56/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '6/1 57/1 0/1' } })
    .toBuffer();
  writeFileSync(path, bytes);
  return path;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  const dir = server.dataDir;
  files.push(await jpegWithGps(join(dir, 'protocol.jpg')));
  writeFileSync(join(dir, 'not-a-photo.jpg'), '%PDF-1.4 this is not an image');
  files.push(join(dir, 'not-a-photo.jpg'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('walking-skeleton journey', () => {
  let tech: BrowserContext;

  it('a technician on a phone signs in (after a wrong password) and finds the device', async () => {
    tech = await browser.newContext({ ...phone, locale: 'de-DE' });
    const page = await tech.newPage();
    await page.goto(`${server.baseUrl}/devices`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot(page, 'phone-login');

    await login(page, 'technik@demo.medreg', 'falsches-passwort');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('E-Mail oder Passwort ist falsch');

    await login(page, 'technik@demo.medreg');
    expect(new URL(page.url()).pathname).toBe('/devices');
    await page.waitForLoadState('networkidle');
    await page.fill('#q', 'MT-10001');
    await Promise.all([page.waitForURL(/q=MT-10001/), page.press('#q', 'Enter')]);
    await shot(page, 'phone-devices');
    await Promise.all([page.waitForURL(/\/d\//), page.click('a.device-row:visible:has-text("MT-10001")')]);
    deviceCode = new URL(page.url()).pathname.split('/')[2]!;
    deviceUrl = `${server.baseUrl}/d/${deviceCode}`;
    expect(await page.textContent('h1')).toContain('Perfusor Space');
    await shot(page, 'phone-device');
  });

  it('records an STK with live limit checks, refuses a non-image, then saves with the photo', async () => {
    const page = await tech.newPage();
    await page.goto(`${deviceUrl}/inspect`);
    // Choices made before the page is hydrated can be reset by it: act on the running page (slow CI machines).
    await page.waitForLoadState('networkidle');
    // Each type is offered with its due date: "Sicherheitstechnische Kontrolle · fällig …".
    await page.selectOption('#type', { label: (await page.locator('#type option', { hasText: 'Sicherheitstechnische Kontrolle' }).textContent())! });
    await page.check('input[name="m.visual"][value=pass]');
    await page.fill('#m-insulation', '20');
    await page.fill('#m-equipment_leakage', '15');
    // Perfusor Space: applied part CF, limit 50 µA.
    await page.fill('#m-applied_part_leakage', '80');
    await expect.poll(() => page.textContent('main form')).toContain('außerhalb des Grenzwerts (≤ 50 µA)');
    expect(await page.textContent('.verdict')).toBe('Nicht bestanden');
    await shot(page, 'phone-inspect-limit');
    await page.fill('#m-applied_part_leakage', '12,5');
    // The result is not preset: the technician chooses it once no value decides it.
    await page.check('input[name=result][value=passed]');
    await expect.poll(() => page.textContent('.verdict')).toBe('Bestanden');
    await page.check('input[name="m.functional"][value=pass]');
    await page.fill('#text', 'Keine Mängel festgestellt.');

    // The photo uploads while the form is filled in: a file that is no image is refused at once.
    await page.setInputFiles('#photo-gallery', files[1]!);
    await expect.poll(() => page.textContent('.uploads')).toContain('weder ein unterstütztes Bild');
    await shot(page, 'phone-inspect-bad-photo');
    await page.click('.uploads li.failed button');

    // Measured values need a calibrated instrument.
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button[type=submit]')]);
    await expect.poll(() => page.textContent('#instrument-state')).toContain('Wählen Sie das Prüfgerät');
    await page.selectOption('#instrument', { label: (await page.locator('#instrument option', { hasText: 'Fluke ESA615' }).textContent())! });

    await page.setInputFiles('#photo-gallery', files[0]!);
    await expect.poll(() => page.textContent('.uploads')).toContain('Hochgeladen');
    await Promise.all([page.waitForURL(/saved=1/), page.click('main button[type=submit]')]);
    expect(await page.textContent('[role=status]')).toContain('Prüfung im Medizinproduktebuch eingetragen');
    const first = page.locator('.entry').first();
    expect(await first.textContent()).toContain('Sicherheitstechnische Kontrolle');
    expect(await first.textContent()).toContain('Keine Mängel festgestellt.');
    expect(await first.textContent()).toContain('Patientenableitstrom: 12,5 µA (≤ 50 µA)');
    const img = first.locator('.photos img');
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
    await shot(page, 'phone-device-after-inspection');

    // Exactly one inspection entry was written: the refused attempt left nothing behind.
    expect(await page.locator('.entry[data-kind=inspection] >> text=Keine Mängel festgestellt.').count()).toBe(1);
    const blobs = readdirSync(join(server.dataDir, 'files'), { recursive: true }).filter((f) => String(f).length > 10);
    expect(blobs).toHaveLength(2); // the photo without metadata, and its display copy
  });

  it('a manager locks the device and prints a lock-out card whose QR opens the locked device', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'en-GB' });
    // Signed out, the device page asks for a sign-in and comes back.
    const page = await openAs(ctx, server.baseUrl, 'manager@demo.medreg', new URL(deviceUrl).pathname);
    expect(page.url()).toBe(deviceUrl);

    await Promise.all([page.waitForURL(/\/lock$/), page.click('text=Lock device')]);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button[type=submit]')]);
    await expect.poll(() => page.textContent('.field-error')).toContain('This field is required.');
    await page.fill('#reason', 'Display flickers, occlusion alarm silent – schön kaputt');
    await page.check('input[name=incidentSuspected]');
    await shot(page, 'desktop-lock');
    await Promise.all([page.waitForURL(/locked=1/), page.click('main button[type=submit]')]);
    expect(await page.textContent('.locked-banner')).toContain('LOCKED – DO NOT USE');
    expect(await page.textContent('.locked-banner')).toContain('Max Meier');
    await shot(page, 'desktop-device-locked');

    const href = await page.getAttribute('a:has-text("Lock-out card (PDF) A6")', 'href');
    const res = await ctx.request.get(`${server.baseUrl}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/pdf');
    const pdf = join(server.dataDir, 'card.pdf');
    writeFileSync(pdf, await res.body());
    const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString();
    expect(text).toContain('GESPERRT – NICHT BENUTZEN');
    expect(text).toContain('LOCKED OUT – DO NOT USE');
    expect(text).toContain('MT-10001');
    expect(text.replace(/\s+/g, ' ')).toContain('Perfusor Space');
    expect(text).toMatch(/Display flickers, occlusion alarm silent\s+–\s+schön kaputt/);
    expect(text).toContain('Max Meier');
    execFileSync('pdftoppm', ['-r', '200', '-png', '-singlefile', pdf, join(shotsDir, 'lockout-card')]);
    const qr = execFileSync('zbarimg', ['--raw', '-q', join(shotsDir, 'lockout-card.png')]).toString().trim();
    expect(qr).toBe(deviceUrl);

    // Anyone opening the card's QR URL (after signing in) sees the device marked locked.
    const phonePage = await tech.newPage();
    await phonePage.goto(qr);
    expect(await phonePage.textContent('.locked-banner')).toContain('GESPERRT – NICHT BENUTZEN');
    await shot(phonePage, 'phone-device-locked');
    await ctx.close();
  });

  it('an unknown or malformed device code gets a clear page, not an error', async () => {
    const page = await tech.newPage();
    const res = await page.goto(`${server.baseUrl}/d/not-a-code`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent('[role=alert]')).toContain('kein gültiger Gerätecode');
    await shot(page, 'phone-unknown-code');
  });
});

describe('every page at phone and desktop size', () => {
  it.each(
    looks([
      ['phone-de', phone, 'de-DE'],
      ['phone-en', phone, 'en-GB'],
      ['desktop-de', desktop, 'de-DE'],
      ['desktop-en', desktop, 'en-GB'],
    ] as const),
  )('%s: no horizontal scrolling, language switch and sign-out work', async (name, viewport, locale) => {
    const ctx = await browser.newContext({ ...viewport, locale });
    const page = await ctx.newPage();
    await page.goto(`${server.baseUrl}/login`);
    expect(await page.getAttribute('html', 'lang')).toBe(locale.slice(0, 2));
    await shot(page, `${name}-login`);
    await login(page, 'technik@demo.medreg');
    // Signing in lands on the start page; the register is one link away.
    expect(new URL(page.url()).pathname).toBe('/');
    await page.goto(`${server.baseUrl}/devices`);
    await page.waitForLoadState('networkidle');
    await page.fill('#q', 'MT-10002');
    await Promise.all([page.waitForURL(/q=MT-10002/), page.press('#q', 'Enter')]);
    await Promise.all([page.waitForURL(/\/d\//), page.click('a.device-row:visible:has-text("MT-10002")')]);
    const device = page.url();
    for (const [path, label] of [
      ['/devices', 'devices'],
      [new URL(device).pathname, 'device'],
      [`${new URL(device).pathname}/inspect`, 'inspect'],
      [`${new URL(device).pathname}/lock`, 'lock'],
      [`${new URL(device).pathname}/release`, 'release'],
      [`${new URL(device).pathname}/defect`, 'defect'],
      [`${new URL(device).pathname}/first-use`, 'first-use'],
      ['/', 'start'],
      ['/defects', 'defects'],
      ['/instructions', 'instructions'],
      ['/instructions/new', 'session'],
      ['/locks', 'locks'],
      ['/labels', 'labels'],
    ] as const) {
      await page.goto(`${server.baseUrl}${path}`);
      expect(await sideways(page), `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      await shot(page, `${name}-${label}-page`);
    }
    // Language switch keeps the page, what was typed into it, and flips every text and the document's language.
    const before = await page.textContent('h1');
    const lang = await page.getAttribute('html', 'lang');
    await page.fill('#q', 'Perfusor halb getippt');
    await page.click('header form[action="/locale"] button');
    await expect.poll(() => page.textContent('h1')).not.toBe(before);
    expect(new URL(page.url()).pathname).toBe('/labels');
    expect(['QR-Etiketten', 'QR labels']).toContain(await page.textContent('h1'));
    expect(await page.getAttribute('html', 'lang')).toBe(lang === 'de' ? 'en' : 'de');
    expect(await page.inputValue('#q')).toBe('Perfusor halb getippt');
    // A new page load says the chosen language too.
    await page.reload();
    expect(await page.getAttribute('html', 'lang')).toBe(lang === 'de' ? 'en' : 'de');
    // Signing out ends the session: the device page asks for a login again.
    await Promise.all([page.waitForURL(/\/login/), page.click('header form[action="/logout"] button')]);
    await page.goto(device);
    expect(new URL(page.url()).pathname).toBe('/login');
    await ctx.close();
  });
});
