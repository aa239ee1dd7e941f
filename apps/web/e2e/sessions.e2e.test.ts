import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, looks, openAs, phone, shot, shotsDir, sideways, startServer, type Server } from './harness.js';

/**
 * Signing a phone in by QR code: the desktop shows the code, the test reads it from a screenshot with zbarimg (as
 * a phone camera would), the phone opens the address and lands signed in; the desktop sees the phone in its list
 * and signs it out, and the phone's next page load goes to the login page.
 */
let server: Server;
let browser: Browser;
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36';
const path = (url: string) => new URL(url).pathname;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('signing a phone in by QR code', () => {
  it('desktop shows the code, the phone opens it signed in, the desktop sees and signs out the phone', async () => {
    const desk = await browser.newContext({ ...desktop, locale: 'de-DE' });
    const page = await openAs(desk, server.baseUrl, 'technik@demo.medreg', '/account/sessions');
    expect(path(page.url())).toBe('/account/sessions');
    await page.waitForLoadState('networkidle');
    const sessions = page.locator('li.session');
    await expect.poll(() => sessions.count()).toBe(1);
    expect(await sessions.first().textContent()).toContain('dieses Gerät');

    await page.click('button:has-text("Anmelde-Code anzeigen")');
    const qr = page.locator('.qr');
    await qr.waitFor();
    await expect.poll(() => page.textContent('.countdown')).toMatch(/^\s*Gültig noch 1[01]\d s\s*$/);
    const png = join(shotsDir, 'sessions-qr-only.png');
    await qr.screenshot({ path: png });
    const url = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
    expect(url).toMatch(new RegExp(`^${server.baseUrl}/login/qr/[\\w-]{43}$`));
    await shot(page, 'sessions-desktop-qr');

    // The phone: a fresh browser with no session, a phone's viewport and user agent.
    const phoneCtx = await browser.newContext({ ...phone, locale: 'de-DE', userAgent: ANDROID });
    const mobile = await phoneCtx.newPage();
    // Opening the address only asks, naming the account; the button signs in. Opened alone, it spends no code.
    await mobile.goto(url);
    expect(await mobile.textContent('h1')).toContain('Auf diesem Handy anmelden?');
    expect(await mobile.textContent('main form')).toContain('als Tom Techniker an');
    expect(await sideways(mobile)).toBeLessThanOrEqual(0);
    await shot(mobile, 'sessions-phone-confirm');
    await mobile.reload();
    await Promise.all([mobile.waitForURL((u) => path(u.href) === '/'), mobile.click('main button[type=submit]')]);
    expect(await mobile.textContent('.whoami')).toContain('Angemeldet als');
    await shot(mobile, 'sessions-phone-start-page');

    // The desktop notices (polling) and lists the phone as a phone, in plain words.
    await page.waitForSelector('text=Ein Handy hat sich mit diesem Code angemeldet');
    await expect.poll(() => sessions.count()).toBe(2);
    const phoneRow = sessions.filter({ hasText: 'Handy (QR-Code)' });
    expect(await phoneRow.textContent()).toContain('Chrome auf Android');
    expect(await phoneRow.textContent()).not.toContain('dieses Gerät');
    await shot(page, 'sessions-desktop-phone-listed');

    // The same page on the phone, at 390 px: its own session is "this device".
    await mobile.goto(`${server.baseUrl}/account/sessions`);
    expect(await mobile.locator('li.session', { hasText: 'dieses Gerät' }).textContent()).toContain('Handy (QR-Code)');
    expect(await sideways(mobile)).toBeLessThanOrEqual(0);
    await shot(mobile, 'sessions-phone-list');

    // A second use of the code is refused with what to do; nobody is signed in by it.
    const other = await (await browser.newContext({ ...phone, locale: 'de-DE' })).newPage();
    const again = await other.goto(url);
    expect(again!.status()).toBe(400);
    expect(await other.locator('main button[type=submit]').count()).toBe(0);
    expect(await other.textContent('[role=alert]')).toContain('Dieser Anmelde-Code wurde bereits benutzt');
    await shot(other, 'sessions-phone-code-used');
    await other.goto(`${server.baseUrl}/`);
    expect(path(other.url())).toBe('/login');

    // The desktop signs the phone out; the phone's next page load asks it to sign in.
    await phoneRow.locator('button').click();
    await page.waitForSelector('text=Die Sitzung wurde abgemeldet');
    await expect.poll(() => sessions.count()).toBe(1);
    await mobile.reload();
    expect(path(mobile.url())).toBe('/login');
    await page.reload();
    expect(path(page.url())).toBe('/account/sessions');

    // Signing out "this device" is a sign-out: the desktop lands on the login page and stays signed out.
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), sessions.filter({ hasText: 'dieses Gerät' }).locator('button').click()]);
    await page.goto(`${server.baseUrl}/account/sessions`);
    expect(path(page.url())).toBe('/login');
    await desk.close();
    await phoneCtx.close();
  });

  it('reads in English at phone and desktop size, the sign-in code included', async () => {
    for (const [name, size] of looks([
      ['desktop-en', desktop],
      ['phone-en', phone],
    ] as const)) {
      const ctx = await browser.newContext({ ...size, locale: 'en-GB' });
      const page = await openAs(ctx, server.baseUrl, 'technik@demo.medreg', '/account/sessions');
      expect(path(page.url())).toBe('/account/sessions');
      expect(await page.textContent('h1')).toContain('Where you are signed in');
      expect(await page.locator('li.session', { hasText: 'this device' }).count()).toBe(1);
      await page.click('button:has-text("Show sign-in code")');
      await page.locator('.qr').waitFor();
      await expect.poll(() => page.textContent('.countdown')).toMatch(/^\s*Valid for 1[01]\d s\s*$/);
      expect(await sideways(page), `${name}: /account/sessions scrolls sideways`).toBeLessThanOrEqual(0);
      await shot(page, `sessions-${name}`);
      await ctx.close();
    }
  });
});
