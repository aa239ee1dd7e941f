import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { desktop, launchChromium, openAs, phone, shot, shotsDir, sideways, startServer, type Server } from './harness.js';

/**
 * The due list in a real browser: the demo technician on a phone filters by a ward, sees the inspections
 * grouped by ward and room, subscribes to the calendar feed and fetches it as a calendar app would; the same
 * page at desk size and in English; nurses are refused; the filter form works without JavaScript.
 */
let server: Server;
let browser: Browser;
let techPhone: BrowserContext;
let techDesk: BrowserContext;
let techEnPhone: BrowserContext;
let techEnDesk: BrowserContext;
let noJs: BrowserContext;
let nurse: BrowserContext;

const TECH = 'technik@demo.medreg';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  techPhone = await browser.newContext({ ...phone, locale: 'de-DE' });
  await techPhone.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
  await (await openAs(techPhone, server.baseUrl, TECH, '/due')).close();
  // The other looks share that session.
  const storageState = await techPhone.storageState();
  techDesk = await browser.newContext({ ...desktop, locale: 'de-DE', storageState });
  techEnPhone = await browser.newContext({ ...phone, locale: 'en-GB', storageState });
  techEnDesk = await browser.newContext({ ...desktop, locale: 'en-GB', storageState });
  noJs = await browser.newContext({ ...phone, locale: 'de-DE', javaScriptEnabled: false, storageState });
  nurse = await browser.newContext({ ...phone, locale: 'de-DE' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const signedIn = (ctx: BrowserContext, path: string, email = TECH) => openAs(ctx, server.baseUrl, email, path);
const groupHeadings = (page: Page) => page.locator('.due-list .group h3').allTextContents();

describe('due list', () => {
  it('a technician on a phone sees counts, wards, the chart and the list grouped by ward', async () => {
    const page = await signedIn(techPhone, '/due');
    expect(await page.textContent('h1')).toBe('Fällige Prüfungen');
    expect(await page.getAttribute('nav a[href="/due"]', 'aria-current')).toBe('page');
    const tiles = await page.locator('.tiles .tile strong').allTextContents();
    expect(tiles).toHaveLength(5);
    expect(Number(tiles[0])).toBeGreaterThan(0); // the demo has overdue inspections
    expect(tiles[4]).toMatch(/^\d+(,\d)? %$/);
    expect(await page.locator('table.wards tbody tr').count()).toBe(6);
    // The chart: a caption in words and every value in a table.
    expect(await page.textContent('figcaption')).toMatch(/Die Prüfkonformität ging von [\d,]+ % am .+ auf [\d,]+ % am /);
    expect(await page.locator('details table.values tbody tr').count()).toBeGreaterThanOrEqual(13);
    expect(await page.locator('figure svg path.line').getAttribute('d')).toMatch(/^M0\.00,/);

    const headings = await groupHeadings(page);
    expect(headings.length).toBeGreaterThan(1);
    expect(headings[0]).toMatch(/^Klinikum .+ › .+/);
    expect(await page.locator('.item .badge.overdue').count()).toBeGreaterThan(0);
    const record = page.locator('.item a.record').first();
    expect(await record.getAttribute('href')).toMatch(/^\/d\/[0-9A-Z]{8}\/inspect\?type=[0-9a-f-]{36}$/);
    expect(await record.getAttribute('aria-label')).toMatch(/ für MT-\d+ erfassen$/);
    // More than one page of open inspections: server-side pages, the current one marked.
    expect(await page.textContent('.pager .hint')).toMatch(/^Seite 1 von \d+$/);
    expect(await page.getAttribute('.pager a[aria-current=page]', 'href')).toBe('?');
    await shot(page, 'phone-due');
    expect(await sideways(page), '/due scrolls sideways on a phone').toBeLessThanOrEqual(0);

    await page.click('.pager a[rel=next]');
    await page.waitForURL(/page=2/);
    expect(await page.textContent('.pager a[aria-current=page]')).toBe('2');
  });

  it('filters by a ward: only that ward is listed and counted', async () => {
    const page = await signedIn(techPhone, '/due');
    await page.selectOption('#f-ward', { label: 'Intensivstation 1' });
    await Promise.all([page.waitForURL(/ward=/), page.click('.filters button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('window')).toBe('open');
    const headings = await groupHeadings(page);
    expect(headings.length).toBeGreaterThan(0);
    for (const h of headings) expect(h).toBe('Klinikum Nord › Intensivstation 1');
    expect(await page.locator('table.wards tbody th a').allTextContents()).toEqual(['Intensivstation 1']);
    // The filter stays chosen, and the overdue tile narrows the list to what is late.
    expect(await page.locator('#f-ward option:checked').textContent()).toBe('Intensivstation 1');
    await Promise.all([page.waitForURL(/window=overdue/), page.click('.tiles a.tile >> nth=0')]);
    expect(await page.getAttribute('.tiles a.tile >> nth=0', 'aria-current')).toBe('true');
    const badges = await page.locator('.item .badge').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    for (const b of badges) expect(['überfällig', 'nicht bestanden']).toContain(b);
    await shot(page, 'phone-due-ward');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
  });

  it('the filter form works without JavaScript', async () => {
    const page = await signedIn(noJs, '/due');
    // "This month", which the demo always has items in (this week may have none).
    await page.selectOption('#f-window', 'month');
    await Promise.all([page.waitForURL(/window=month/), page.click('.filters button[type=submit]')]);
    expect(await page.textContent('.due-list h2')).toContain('Diesen Monat fällig');
    const badges = await page.locator('.item .badge').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    for (const b of badges) expect(['diese Woche', 'diesen Monat']).toContain(b);
    // The settings forms post and come back to the same filtered list.
    await Promise.all([page.waitForURL(/window=month/), page.click('button:has-text("Kalenderadresse erstellen")')]);
    expect(await page.inputValue('#feed-url')).toMatch(/\/api\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    expect(await page.textContent('.due-list h2')).toContain('Diesen Monat fällig');
    await page.click('.tokens button:has-text("Widerrufen")');
    expect(await page.textContent('.reminders')).toContain('wurde widerrufen');
  });

  it('subscribes to the calendar: the address is shown once, copied, fetched, and revoked', async () => {
    const page = await signedIn(techPhone, '/due#reminders');
    expect(await page.textContent('.reminders .alert.warn')).toContain('kein Mailserver eingerichtet');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:has-text("Kalenderadresse erstellen")')]);
    const field = page.locator('#feed-url');
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${server.baseUrl}/api/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
    expect(await page.getAttribute('.created a.btn', 'href')).toBe(url.replace(/^http:/, 'webcal:'));
    await page.click('.created button:has-text("Kopieren")');
    await expect.poll(() => page.textContent('.copy-state')).toBe('In die Zwischenablage kopiert.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    expect(await page.locator('.tokens li').count()).toBe(1);
    await page.locator('#reminders').screenshot({ path: join(shotsDir, 'phone-due-calendar.png') });
    expect(await sideways(page), 'calendar section scrolls sideways').toBeLessThanOrEqual(0);

    // A calendar app: no cookie, just the address.
    const feed = await fetch(url);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await feed.text();
    expect(ics).toContain('X-WR-CALNAME:MedReg: fällige Prüfungen');
    expect(ics).toMatch(/SUMMARY:Überfällig: [A-Z0-9-]+ · MT-\d+ /);
    expect(ics).toContain(`URL;VALUE=URI:${server.baseUrl}/d/`);

    // Reloaded, the secret is gone from the page; the list says when it was fetched.
    await page.reload();
    expect(await page.locator('#feed-url').count()).toBe(0);
    expect(await page.content()).not.toContain(url.split('/').pop()!.replace('.ics', ''));
    expect(await page.textContent('.tokens li')).toContain('zuletzt abgerufen');

    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('.tokens button:has-text("Widerrufen")')]);
    await expect.poll(() => page.locator('.tokens li').count()).toBe(0);
    expect(await page.textContent('.reminders [role=status]')).toContain('wurde widerrufen');
    expect((await fetch(url)).status).toBe(404);
  });

  it('turns the weekly e-mail on', async () => {
    const page = await signedIn(techPhone, '/due#reminders');
    await page.check('input[name=weeklyDigest]');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button:has-text("Speichern")')]);
    await expect.poll(() => page.textContent('.digest-save [role=status]')).toContain('Die wöchentliche E-Mail ist eingeschaltet.');
    await page.reload();
    expect(await page.isChecked('input[name=weeklyDigest]')).toBe(true);
  });

  it('nurses get a 403 page', async () => {
    const page = await signedIn(nurse, '/due', 'pflege@demo.medreg');
    const res = await page.goto(`${server.baseUrl}/due`);
    expect(res?.status()).toBe(403);
  });

  it('at desk size and in English, on a phone and at a desk', async () => {
    const desk = await signedIn(techDesk, '/due');
    await shot(desk, 'desktop-due');
    expect(await sideways(desk)).toBeLessThanOrEqual(0);

    const en = await signedIn(techEnPhone, '/due');
    expect(await en.textContent('h1')).toBe('Due inspections');
    expect(await en.textContent('figcaption')).toMatch(/^\s*Compliance went from /);
    expect(await en.locator('.item a.record').first().textContent()).toBe('Record');
    await shot(en, 'phone-en-due');
    expect(await sideways(en), '/due (English phone) scrolls sideways').toBeLessThanOrEqual(0);

    const enDesk = await signedIn(techEnDesk, '/due');
    await shot(enDesk, 'desktop-en-due');
    expect(await sideways(enDesk)).toBeLessThanOrEqual(0);
  });
});
