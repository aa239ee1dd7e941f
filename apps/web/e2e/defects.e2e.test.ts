import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The defect loop in a real browser: a nurse on a phone reports a defect (suspected incident, with a photo)
 * from a device of her ward; a technician at a desk finds it first in the queue, takes it on and closes it
 * with what was done.
 */
let server: Server;
let browser: Browser;
let nurse: BrowserContext;
let tech: BrowserContext;
let techEn: BrowserContext;
let code = '';
let photo = '';
const report = 'Display flackert, Alarmton bleibt aus. Gerät am Bett 4 abgestellt.';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  photo = join(server.dataDir, 'defect.jpg');
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900"><rect width="100%" height="100%" fill="#dde"/><rect x="200" y="150" width="800" height="500" rx="30" fill="#223"/><text x="260" y="420" font-size="80" fill="#f44">ERR 42</text></svg>',
  );
  writeFileSync(photo, await sharp(svg).jpeg().withExif({ IFD0: { Make: 'PhoneCam' } }).toBuffer());
  nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
  tech = await browser.newContext({ ...desktop, locale: 'de-DE' });
  techEn = await browser.newContext({ ...phone, locale: 'en-GB' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, email: string, path: string) => openAs(ctx, server.baseUrl, email, path);

/** Submits the page's form and waits for the refusal to be shown (the form posts in the background). */
async function submitRefused(page: Page, button = 'main button[type=submit]') {
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click(button)]);
}

describe('defect reports', () => {
  it('a nurse on a phone reports a suspected incident with a photo from a device of her ward', async () => {
    const list = await signedIn(nurse, 'pflege@demo.medreg', '/devices');
    code = (await list.locator('a.device-row:visible').first().getAttribute('href'))!.split('/')[2]!;

    const page = await nurse.newPage();
    await page.goto(`${server.baseUrl}/d/${code}/defect`);
    expect(await page.textContent('h1')).toBe('Mangel melden');
    expect(await page.textContent('p.inv')).toMatch(/^MT-\d+/);
    expect(await page.getAttribute('#photo-camera', 'capture')).toBe('environment');
    expect(await page.getAttribute('#photo-camera', 'accept')).toBe('image/*');
    expect(await sideways(page), 'defect form scrolls sideways').toBeLessThanOrEqual(0);
    await shot(page, 'phone-defect-form');

    // Empty: the German message at the top and at the field.
    await submitRefused(page);
    await expect.poll(() => page.textContent('main [role=alert]')).toContain('Beschreiben Sie den Mangel (mindestens 5 Zeichen).');
    expect(await page.getAttribute('#text', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#text', 'aria-describedby')).toBe('text-error');
    expect(await page.textContent('#text-error')).toContain('mindestens 5 Zeichen');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('text');
    expect(await sideways(page), 'defect form with error scrolls sideways').toBeLessThanOrEqual(0);
    await shot(page, 'phone-defect-error');

    // Too short: refused again, and what she typed is still there.
    await page.fill('#text', 'Akku');
    await submitRefused(page);
    await expect.poll(() => page.textContent('#text-error')).toContain('mindestens 5 Zeichen');
    expect(await page.inputValue('#text')).toBe('Akku');

    // Ticking "suspected incident" turns its hint into a warning: stop using, leave unaltered.
    const hint = page.locator('#incident-hint');
    const quiet = await hint.evaluate((el) => getComputedStyle(el).backgroundColor);
    await page.fill('#text', report);
    await page.check('input[name=incidentSuspected]');
    expect(await hint.textContent()).toContain('nicht weiter benutzen und unverändert lassen');
    expect(await hint.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(quiet);
    await page.setInputFiles('#photo-gallery', photo);
    const thumb = page.locator('.previews img');
    await expect.poll(() => thumb.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
    expect(await thumb.getAttribute('alt')).toBe('defect.jpg');
    expect(await sideways(page), 'filled defect form scrolls sideways').toBeLessThanOrEqual(0);
    await shot(page, 'phone-defect-filled');

    await Promise.all([page.waitForURL(/\?defect=1$/), page.click('main button[type=submit]')]);
    const landed = new URL(page.url());
    expect(landed.pathname).toBe(`/d/${code}`);
    expect(landed.search).toBe('?defect=1');
    await shot(page, 'phone-device-after-defect');
  });

  it('the queue is for technicians: a nurse gets a 403 page', async () => {
    const page = await nurse.newPage();
    const res = await page.goto(`${server.baseUrl}/defects`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent('main [role=alert]')).toBeTruthy();
  });

  it('the form at desk size, and in English', async () => {
    const page = await signedIn(tech, 'technik@demo.medreg', `/d/${code}/defect`);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'desktop-defect-form');
    await submitRefused(page);
    await expect.poll(() => page.textContent('main [role=alert]')).toContain('Beschreiben Sie den Mangel');
    await page.check('input[name=incidentSuspected]');
    await shot(page, 'desktop-defect-error');

    const en = await signedIn(techEn, 'technik@demo.medreg', `/d/${code}/defect`);
    expect(await en.textContent('h1')).toBe('Report a defect');
    await submitRefused(en);
    await expect.poll(() => en.textContent('main [role=alert]')).toContain('Describe the defect (at least 5 characters).');
    expect(await sideways(en)).toBeLessThanOrEqual(0);
    await shot(en, 'phone-en-defect-error');
  });

  it('a technician at a desk sees the report first, takes it on and closes it with a resolution', async () => {
    const page = await signedIn(tech, 'technik@demo.medreg', '/defects');
    expect(await page.textContent('h1')).toContain('Mangelmeldungen');
    const card = page.locator('li.report', { hasText: report });
    expect(await card.count()).toBe(1);
    // Suspected incidents come first, and in the card the incident badge comes first.
    expect(await page.locator('li.report').first().getAttribute('data-id')).toBe(await card.getAttribute('data-id'));
    expect(await card.locator('.badge').first().textContent()).toContain('Verdacht auf Vorkommnis');
    expect(await card.locator('h2 a').getAttribute('href')).toBe(`/d/${code}`);
    expect(await card.textContent()).toContain('Gemeldet von');
    expect(await card.locator('.badge.open').textContent()).toBe('offen');
    expect(await sideways(page), '/defects scrolls sideways').toBeLessThanOrEqual(0);
    await shot(page, 'desktop-defects-queue');

    // The same queue on an English phone.
    const en = await signedIn(techEn, 'technik@demo.medreg', '/defects');
    expect(await en.textContent('h1')).toContain('Defect reports');
    expect(await en.locator('li.report').first().locator('.badge').first().textContent()).toContain('Suspected incident');
    expect(await sideways(en), '/defects (phone) scrolls sideways').toBeLessThanOrEqual(0);
    await shot(en, 'phone-en-defects-queue');

    // Take it on.
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), card.locator('button:has-text("Übernehmen")').click()]);
    await expect.poll(() => card.locator('.badge.in_progress').count()).toBe(1);
    expect(await card.locator('button:has-text("Übernehmen")').count()).toBe(0);
    expect(await card.textContent()).toContain('Tom Techniker');

    // Closing needs a resolution: the message sits at this report's field, which gets the focus.
    await submitRefused(page, `li.report[data-id="${await card.getAttribute('data-id')}"] button:has-text("Abschließen")`);
    const field = card.locator('textarea[name=resolution]');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await card.locator('.field-error').textContent()).toContain('Beschreiben Sie, was gefunden oder getan wurde');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await shot(page, 'desktop-defects-close-error');

    await field.fill('Displaykabel getauscht, Alarm geprüft: in Ordnung.');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), card.locator('button:has-text("Abschließen")').click()]);
    await expect.poll(() => card.count()).toBe(0);
    expect(await page.textContent('[role=status]')).toContain('Meldung aktualisiert.');
    await shot(page, 'desktop-defects-after-close');

    await en.reload();
    expect(await en.locator('li.report').count()).toBe(0);
    expect(await en.textContent('main')).toContain('No open defect reports.');
    await shot(en, 'phone-en-defects-empty');

    // Both the report and its closing are in the device's logbook.
    await page.goto(`${server.baseUrl}/d/${code}`);
    expect(await page.locator('.entry[data-kind=defect_report]').count()).toBe(2);
  });
});
