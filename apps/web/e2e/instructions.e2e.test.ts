import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, looks, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The story in a real browser: a nurse on a phone opens a device as a QR scan would, is told she
 * is not instructed and asks for it; a manager records a session with her; she reloads and may use it.
 */
let server: Server;
let browser: Browser;
let nurse: BrowserContext;
let manager: BrowserContext;
let code = '';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
  manager = await browser.newContext({ ...desktop, locale: 'de-DE' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, email: string, path: string) => openAs(ctx, server.baseUrl, email, path);

const reasons = (page: Page) => page.locator('.verdict .verdict-reasons li').allTextContents();

describe('instruction: scan, request, session, verdict', () => {
  it('a nurse scanning a device she is not instructed on is told so, and whom to ask', async () => {
    const page = await signedIn(nurse, 'pflege@demo.medreg', '/devices');
    const hrefs = await page.locator('a.device-row:visible').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    // A device whose only obstacle is the missing instruction, so that the instruction alone changes the answer.
    for (const href of hrefs) {
      await page.goto(`${server.baseUrl}${href}`);
      const r = await reasons(page);
      if (r.length === 1 && r[0]!.includes('nicht eingewiesen')) {
        code = href.split('/')[2]!;
        break;
      }
    }
    expect(code).not.toBe('');
    expect(await page.textContent('#verdict-title')).toBe('Dieses Gerät nicht benutzen');
    expect(await page.textContent('.verdict .ask')).toContain('Tom Techniker');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'phone-verdict-not-instructed');

    await Promise.all([page.waitForURL(/requested=1/), page.click('.verdict .ask button')]);
    expect(await page.textContent('.verdict .requested')).toContain('Einweisung angefordert am');
    await shot(page, 'phone-verdict-requested');

    // Her start page lists it among the instructions she lacks, marked as requested.
    await page.goto(`${server.baseUrl}/`);
    expect(await page.locator('.requested').count()).toBeGreaterThan(0);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'phone-start-nurse');
  });

  it('a manager plans the session from the request and records it', async () => {
    const page = await signedIn(manager, 'manager@demo.medreg', '/');
    expect(await page.textContent('#requests-title')).toBe('Offene Einweisungsanfragen');
    await shot(page, 'desktop-start-manager');
    const plan = page.locator('section:has(#requests-title) li', { hasText: 'Paula Pflege' }).locator('a', { hasText: 'Einweisung planen' });
    await Promise.all([page.waitForURL(/\/instructions\/new\?/), plan.click()]);
    // The link brings model, site and the people who asked, ticked.
    expect(await page.locator('#modelId').inputValue()).not.toBe('');
    const paula = page.locator('.people label', { hasText: 'Paula Pflege' }).locator('input');
    expect(await paula.isChecked()).toBe(true);

    // An instruction dated tomorrow is refused, with the field named and nothing lost.
    const tomorrow = new Date(Date.now() + 36 * 3600_000).toISOString().slice(0, 10);
    await page.locator('#instructedOn').evaluate((el, v) => ((el as HTMLInputElement).max = '', (el as HTMLInputElement).value = v), tomorrow);
    await page.locator('#instructorUserId').selectOption({ label: 'Tom Techniker (beauftragte Person)' });
    await Promise.all([page.waitForLoadState('networkidle'), page.click('main button[type=submit]')]);
    expect(await page.textContent('#instructedOn-error')).toContain('Zukunft');
    expect(await page.locator('.people label', { hasText: 'Paula Pflege' }).locator('input').isChecked()).toBe(true);
    await shot(page, 'desktop-session-error');

    await page.fill('#instructedOn', new Date().toISOString().slice(0, 10));
    await Promise.all([page.waitForURL(/\/instructions\?saved=/), page.click('main button[type=submit]')]);
    expect(await page.textContent('main .alert.ok')).toMatch(/Einweisung für \d+ Person/);
    await shot(page, 'desktop-instructions');
  });

  it('the nurse reloads and may use the device', async () => {
    const page = await signedIn(nurse, 'pflege@demo.medreg', `/d/${code}`);
    expect(await page.textContent('#verdict-title')).toBe('Sie dürfen dieses Gerät benutzen');
    expect(await page.textContent('.verdict')).toContain('Ihre Einweisung auf dieses Modell gilt bis');
    await shot(page, 'phone-verdict-may-use');
    // She confirms the instruction from her start page.
    await page.goto(`${server.baseUrl}/`);
    await Promise.all([page.waitForURL(/confirmed=1/), page.locator('#confirm-title + ul form button').first().click()]);
    expect(await page.textContent('main .alert.ok')).toContain('bestätigt');
  });

  it('the manager sees the training matrix, exports it, and the session in the model’s record', async () => {
    const page = await signedIn(manager, 'manager@demo.medreg', '/instructions/matrix');
    await page.selectOption('#scope', { label: 'Intensivstation 1' });
    await Promise.all([page.waitForURL(/scope=department/), page.click('form.filters button')]);
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(5);
    expect(await page.locator('.coverage li').count()).toBeGreaterThan(0);
    await shot(page, 'desktop-matrix');
    const csv = await page.request.get(`${server.baseUrl}${await page.locator('a', { hasText: 'CSV' }).getAttribute('href')}`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('Paula Pflege');
    const pdf = await page.request.get(`${server.baseUrl}${await page.locator('a', { hasText: 'PDF' }).first().getAttribute('href')}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');

    await page.goto(`${server.baseUrl}/d/${code}`);
    const sessions = page.locator('#instructions + p + p + ul li, #instructions ~ ul li').first();
    expect(await sessions.textContent()).toContain('Tom Techniker');

    // Phone, English: the matrix scrolls inside its frame, never the page.
    const en = await browser.newContext({ ...phone, locale: 'en-US' });
    const small = await signedIn(en, 'manager@demo.medreg', '/instructions/matrix');
    expect(await small.textContent('h1')).toBe('Training matrix');
    expect(await sideways(small)).toBeLessThanOrEqual(0);
    await shot(small, 'phone-matrix-en');
    await small.goto(`${server.baseUrl}/instructions/new`);
    expect(await sideways(small)).toBeLessThanOrEqual(0);
    await shot(small, 'phone-session-form-en');
    await small.goto(`${server.baseUrl}/`);
    await shot(small, 'phone-start-manager-en');
    await en.close();

    // The manager's pages in the other two of the four looks: phone in German, desk in English.
    for (const [name, options] of looks([['phone-de', { ...phone, locale: 'de-DE' }], ['desktop-en', { ...desktop, locale: 'en-US' }]] as const)) {
      const ctx = await browser.newContext(options);
      const p = await signedIn(ctx, 'manager@demo.medreg', '/instructions/matrix');
      for (const [path, label] of [['/instructions/matrix', 'matrix'], ['/', 'start-manager'], ['/instructions', 'instructions-manager'], ['/instructions/new', 'session-form']] as const) {
        await p.goto(`${server.baseUrl}${path}`);
        expect(await sideways(p), `${path} scrolls sideways`).toBeLessThanOrEqual(0);
        await shot(p, `${name}-${label}`);
      }
      await ctx.close();
    }
  });

  it('a technician’s start page shows what is due', async () => {
    const ctx = await browser.newContext({ ...phone, locale: 'de-DE' });
    const page = await signedIn(ctx, 'technik@demo.medreg', '/');
    expect(await page.textContent('#due-title')).toBe('Fällige Prüfungen');
    expect(await page.locator('#due-title ~ ul li').count()).toBeGreaterThan(0);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await shot(page, 'phone-start-technician');
    await ctx.close();
  });
});
