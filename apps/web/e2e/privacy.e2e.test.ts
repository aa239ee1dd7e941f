import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, login, looks, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The personal-data page in a real browser against the real server: an admin finds a person, downloads the JSON
 * export, sees it in the access log, then blocks and pseudonymises the person, who can no longer sign in.
 */
let server: Server;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('personal data', () => {
  it('an admin exports a person’s data and pseudonymises the departed person', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'de-DE', acceptDownloads: true });
    const page = await openAs(ctx, server.baseUrl, 'admin@demo.medreg', '/');
    await Promise.all([page.waitForURL(/\/admin\/privacy$/), page.click('main a[href="/admin/privacy"]')]);
    expect(await page.textContent('h1')).toBe('Personenbezogene Daten');

    await page.fill('#q', 'techniker');
    await Promise.all([page.waitForURL(/q=techniker/), page.click('form[role=search] button')]);
    await Promise.all([page.waitForURL(/person=/), page.click('.people a:has-text("Tom Techniker")')]);
    expect(await page.textContent('#person-title')).toContain('Tom Techniker');

    // The export: a JSON file with the account and the logbook entries the person recorded, no password hash.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/export.json"]')]);
    expect(download.suggestedFilename()).toMatch(/^personal-data-technik-\d{4}-\d\d-\d\d\.json$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const data = JSON.parse(text) as { person: { email: string; name: string }; records: { logbook_entries: { recorded_by: unknown[] }; accounts: { user_id: Record<string, unknown>[] } } };
    expect(data.person).toMatchObject({ email: 'technik@demo.medreg', name: 'Tom Techniker' });
    expect(data.records.logbook_entries.recorded_by.length).toBeGreaterThan(10);
    expect(data.records.accounts.user_id[0]).not.toHaveProperty('password');
    expect(text).not.toMatch(/scrypt|"password"/);

    // The export is in the access log: the person's own log, newest first, after the views of the person's page.
    await page.reload();
    await Promise.all([page.waitForURL(/subject=technik/), page.click('a:has-text("Zugriffsprotokoll dieser Person")')]);
    const rows = await page.locator('.log li').allTextContents();
    const exportRow = rows.findIndex((row) => row.includes('Anna Admin hat alle personenbezogenen Daten exportiert: Tom Techniker'));
    expect(exportRow, rows.join('\n')).toBeGreaterThan(0);
    expect(rows.slice(0, exportRow).every((row) => row.includes('Anna Admin hat die')), rows.join('\n')).toBe(true);

    for (const [size, locale, name] of looks([[phone, 'de-DE', 'phone-de'], [phone, 'en-GB', 'phone-en'], [desktop, 'en-GB', 'desktop-en']] as const)) {
      const c = await browser.newContext({ ...size, locale });
      const p = await openAs(c, server.baseUrl, 'admin@demo.medreg', new URL(page.url()).pathname + new URL(page.url()).search);
      expect(await p.isVisible('#pseudonymise-title')).toBe(true);
      expect(await sideways(p)).toBeLessThanOrEqual(0);
      await shot(p, `privacy-${name}`);
      await c.close();
    }

    // A wrong confirmation is refused at its field and changes nothing.
    expect(await page.textContent('#legal-remains')).toContain('MPBetreibV');
    await page.fill('#confirmation', 'Tom Techniker');
    await page.click('form[action^="?/pseudonymise"] button');
    await page.waitForSelector('#confirmation-error');
    expect(await page.textContent('#confirmation-error')).toContain('nicht die E-Mail-Adresse');
    expect(await page.textContent('#person-title')).toContain('Tom Techniker');

    await page.fill('#confirmation', 'technik@demo.medreg');
    await Promise.all([page.waitForURL(/pseudonymised=1/), page.click('form[action^="?/pseudonymise"] button')]);
    const done = await page.textContent('[role=status] .alert');
    const pseudonym = /„(Person [0-9A-Z]{6})“/.exec(done ?? '')?.[1];
    expect(pseudonym, done ?? '').toBeTruthy();
    expect(await page.textContent('#person-title')).toContain(pseudonym!);
    expect(await page.textContent('#person-title')).toContain('pseudonymisiert');
    expect(await page.isVisible('#pseudonymise-title')).toBe(false);
    await shot(page, 'privacy-done-desktop-de');

    // The user administration shows the account as it stays: no role, ward or unblock form, and why.
    const personId = new URL(page.url()).searchParams.get('person')!;
    await page.goto(`${server.baseUrl}/admin/users/${personId}`);
    expect(await page.textContent('main .alert.warn')).toContain('pseudonymisiert und bleibt gesperrt');
    expect(await page.locator('main form').count()).toBe(0);
    await shot(page, 'privacy-user-pseudonymised-desktop-de');

    // The departed person cannot sign in any more.
    const gone = await browser.newContext(phone);
    const login_ = await gone.newPage();
    await login_.goto(`${server.baseUrl}/login`);
    await login(login_, 'technik@demo.medreg');
    expect(new URL(login_.url()).pathname).toBe('/login');

    // Other roles get no such page, and no export.
    const manager = await openAs(await browser.newContext(desktop), server.baseUrl, 'manager@demo.medreg', '/admin/privacy');
    expect(await manager.textContent('h1')).not.toContain('Personenbezogene');
    const exported = await manager.request.get(`${server.baseUrl}/api/people/${new URL(page.url()).searchParams.get('person')}/export.json`);
    expect(exported.status()).toBe(403);
  }, 240_000);
});
