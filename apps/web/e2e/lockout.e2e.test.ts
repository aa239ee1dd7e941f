import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLabels } from '@medreg/print/testing';
import { desktop, launchChromium, openAs, phone, shot, shotsDir, startServer, type Server } from './harness.js';

/**
 * The lock-out loop in a real browser: a failed inspection leads to a lock, the card's QR code shows a
 * nurse the device locked, a passed test releases it, and the same QR code then shows it released.
 */
let server: Server;
let browser: Browser;
let nurse: BrowserContext;
let tech: BrowserContext;
let code = '';
let cardUrl = '';
let cardHref = '';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
  tech = await browser.newContext({ ...phone, locale: 'de-DE' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, email: string, path: string) => openAs(ctx, server.baseUrl, email, path);

async function inspect(page: Page, result: 'passed' | 'failed', text: string) {
  await page.goto(`${server.baseUrl}/d/${code}/inspect`);
  // Choices made before the page is hydrated can be reset by it (slow CI hosts).
  await page.waitForLoadState('networkidle');
  if (result === 'passed') {
    // A passed inspection needs every check and measurement of the form, measured with a calibrated instrument.
    for (const check of await page.locator('main input[type=radio][name^="m."][value=pass]').all()) await check.check();
    for (const input of await page.locator('main input[inputmode=decimal]').all()) {
      const min = ((await page.textContent(`#${await input.getAttribute('id')}-hint`)) ?? '').match(/≥ (-?[\d.]+)/);
      await input.fill(min ? String(Number(min[1]) * 10) : '0');
    }
    const calibrated = page.locator('#instrument option:not([value=""]):not(:has-text("⚠"))').first();
    await page.selectOption('#instrument', (await calibrated.getAttribute('value'))!);
  }
  await page.check(`input[name=result][value=${result}]`);
  await page.fill('#text', text);
  // This loop locks from the device page afterwards, not in the same step.
  if (result === 'failed') await page.uncheck('input[name=lock]');
  await Promise.all([page.waitForURL(/saved=1/), page.click('main button[type=submit]')]);
}

describe('lock-out loop', () => {
  it('a technician records a failed inspection on a ward device and locks it from there', async () => {
    // A device on the nurse's ward, so that she can scan it later.
    const list = await signedIn(nurse, 'pflege@demo.medreg', '/devices');
    const first = list.locator('a.device-row:visible').first();
    code = (await first.getAttribute('href'))!.split('/')[2]!;

    const page = await signedIn(tech, 'technik@demo.medreg', `/d/${code}`);
    expect(await page.locator('.failed-prompt').count()).toBe(0);
    await inspect(page, 'failed', 'Alarm löst nicht aus.');
    expect(await page.textContent('.failed-prompt')).toContain('nicht bestanden');
    await shot(page, 'phone-device-failed-prompt');

    await Promise.all([page.waitForURL(/\/lock\?cause=/), page.click('.failed-prompt a')]);
    const reason = await page.inputValue('#reason');
    expect(reason).toContain('Nicht bestanden');
    expect(reason).toContain('Alarm löst nicht aus.');
    expect(await page.textContent('main form')).toContain('Wegen der nicht bestandenen Prüfung vom');
    await page.check('input[name=incidentSuspected]');
    await shot(page, 'phone-lock-from-failed');
    await Promise.all([page.waitForURL(/locked=1/), page.click('main button[type=submit]')]);
    expect(await page.textContent('.locked-banner')).toContain('GESPERRT – NICHT BENUTZEN');
    expect(await page.locator('.failed-prompt').count()).toBe(0);
    expect(await page.locator('.entry[data-kind=lock]').count()).toBe(1);
  });

  it('the card prints the device and the lock; its QR code shows the nurse the device locked', async () => {
    const page = await signedIn(tech, 'technik@demo.medreg', `/d/${code}`);
    cardHref = (await page.getAttribute('a:has-text("Sperrkarte (PDF) A5")', 'href'))!;
    const res = await tech.request.get(`${server.baseUrl}${cardHref}`);
    expect(res.status()).toBe(200);
    const pdf = join(server.dataDir, 'card-a5.pdf');
    writeFileSync(pdf, await res.body());
    const text = execFileSync('pdftotext', [pdf, '-']).toString().replace(/\s+/g, ' ');
    for (const expected of ['GESPERRT – NICHT BENUTZEN', 'Alarm löst nicht aus.', 'Tom Techniker', 'Vorkommnis vermutet']) expect(text).toContain(expected);
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdf, join(shotsDir, 'lockout-card-a5')]);
    cardUrl = execFileSync('zbarimg', ['--raw', '-q', join(shotsDir, 'lockout-card-a5.png')]).toString().trim();
    expect(cardUrl).toBe(`${server.baseUrl}/d/${code}`);

    const nursePage = await nurse.newPage();
    await nursePage.goto(cardUrl);
    expect(await nursePage.textContent('.locked-banner')).toContain('GESPERRT – NICHT BENUTZEN');
    // A nurse neither releases nor sees the BfArM workflow.
    expect(await nursePage.locator('a:has-text("Gerät freigeben")').count()).toBe(0);
    expect(await nursePage.locator('.bfarm').count()).toBe(0);
    await shot(nursePage, 'phone-nurse-locked');
    // Nor does she lock: the lock form, opened by its address, is refused before she fills it in.
    const lockForm = await nurse.newPage();
    expect((await lockForm.goto(`${server.baseUrl}/d/${code}/lock`))?.status()).toBe(403);
    expect(await lockForm.textContent('main')).toContain('Ihre Rolle darf das nicht');
    expect(await lockForm.locator('#reason').count()).toBe(0);
    await lockForm.close();
  });

  it('a manager records the BfArM report and sees the device among the locked ones', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'en-GB' });
    const page = await signedIn(ctx, 'manager@demo.medreg', `/d/${code}`);
    expect(await page.textContent('.bfarm')).toContain('Not yet recorded as reported to the BfArM.');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:has-text("Record report")')]);
    await expect.poll(() => page.locator('#reference-error').textContent()).toBeTruthy();
    await page.fill('#reference', 'BfArM 4711/26');
    await shot(page, 'desktop-bfarm-report');
    await Promise.all([page.waitForURL(/reported=1/), page.click('button:has-text("Record report")')]);
    expect(await page.textContent('.bfarm')).toContain('reference BfArM 4711/26');
    expect(await page.textContent('.entry[data-kind=incident]')).toContain('Report to the BfArM: BfArM 4711/26');

    // A manager is offered the release with a reason; no test has passed yet.
    await page.goto(`${server.baseUrl}/d/${code}/release`);
    expect(await page.textContent('main form')).toContain('Or release without a test, with a reason (device managers only)');
    expect(await page.isVisible('#reason')).toBe(true);
    await shot(page, 'desktop-en-release-officer');

    await page.goto(`${server.baseUrl}/devices`);
    await Promise.all([page.waitForURL(/\/locks$/), page.click('a.locked-link')]);
    expect(await page.textContent('.lock-list')).toContain('Alarm löst nicht aus.');
    await shot(page, 'desktop-locks');
    await ctx.close();
  });

  it('the technician can release only after a passed test; then the same QR code shows the device released', async () => {
    const page = await signedIn(tech, 'technik@demo.medreg', `/d/${code}/release`);
    expect(await page.textContent('main')).toContain('Seit der Sperrung wurde keine bestandene Prüfung erfasst.');
    expect(await page.locator('main button[type=submit]').count()).toBe(0);
    await shot(page, 'phone-release-no-test');

    await inspect(page, 'passed', 'Nach Reparatur: Alarm geprüft, in Ordnung.');
    expect(await page.textContent('.locked-banner')).toContain('GESPERRT'); // a passed test alone does not release
    await Promise.all([page.waitForURL(/\/release$/), page.click('a:has-text("Gerät freigeben")')]);
    expect(await page.isChecked('input[name=inspectionEntryId]')).toBe(true);
    await shot(page, 'phone-release');
    await Promise.all([page.waitForURL(/released=1/), page.click('main button[type=submit]')]);
    expect(await page.textContent('[role=status]')).toContain('Gerät freigegeben');
    expect(await page.locator('.locked-banner').count()).toBe(0);
    expect(await page.locator('.entry[data-kind=release]').count()).toBe(1);

    const nursePage = await nurse.newPage();
    await nursePage.goto(cardUrl);
    expect(await nursePage.locator('.locked-banner').count()).toBe(0);
    expect(await nursePage.textContent('.released')).toContain('Eine Sperrkarte am Gerät gilt nicht mehr');
    await shot(nursePage, 'phone-nurse-released');

    // The card is no longer served as if it were current.
    expect((await tech.request.get(`${server.baseUrl}${cardHref}`)).status()).toBe(404);
  });
});

describe('QR labels', () => {
  it('a manager prints the labels of a ward on a part-used sheet; each QR code opens its own device', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'de-DE' });
    const page = await signedIn(ctx, 'manager@demo.medreg', '/labels');
    // The ward is chosen but not yet applied: choosing the start position submits it with the position.
    await page.selectOption('#departmentId', { label: 'Klinikum Nord › Intensivstation 1' });
    await Promise.all([page.waitForURL(/skip=4/), page.click('.sheet label:has(input[aria-label="Bei Etikett 5 beginnen"])')]);
    expect(new URL(page.url()).searchParams.get('departmentId')).toBeTruthy();
    expect(await page.getAttribute('.sheet input:checked', 'aria-label')).toBe('Bei Etikett 5 beginnen');
    expect(await page.$eval('#departmentId', (s: HTMLSelectElement) => s.options[s.selectedIndex]!.text)).toBe('Klinikum Nord › Intensivstation 1');
    const count = Number(/Ausgewählt: (\d+) Geräte/.exec((await page.textContent('.result'))!)![1]);
    expect(count).toBeGreaterThan(0);
    await shot(page, 'desktop-labels-ward');

    const res = await ctx.request.get(`${server.baseUrl}${await page.getAttribute('a:has-text("PDF erstellen")', 'href')}`);
    expect(res.status()).toBe(200);
    const pdf = join(server.dataDir, 'labels.pdf');
    writeFileSync(pdf, await res.body());
    execFileSync('pdftoppm', ['-r', '80', '-png', '-f', '1', '-l', '1', '-singlefile', pdf, join(shotsDir, 'labels-sheet')]);
    const urls = scanLabels(pdf, '3x8');
    expect(urls).toHaveLength(count);

    // The nurse of that ward opens one of the scanned addresses and lands on that device.
    const nursePage = await nurse.newPage();
    await nursePage.goto(urls[0]!);
    expect(new URL(nursePage.url()).pathname).toBe(new URL(urls[0]!).pathname);
    expect(await nursePage.textContent('p.inv')).toMatch(/^MT-\d+/);
    await ctx.close();
  });
});
