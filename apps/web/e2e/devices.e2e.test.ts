import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The device list in a real browser: the demo manager searches with a typo on a phone, filters at the desk and
 * by a bar of the chart, stars a device (with and without JavaScript) and finds it under "my devices";
 * phone and desktop screenshots in German and English.
 */
let server: Server;
let browser: Browser;
let dePhone: BrowserContext;
let deDesk: BrowserContext;
let enPhone: BrowserContext;
let enDesk: BrowserContext;
let noJs: BrowserContext;

const MANAGER = 'manager@demo.medreg';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  dePhone = await browser.newContext({ ...phone, locale: 'de-DE' });
  await (await openAs(dePhone, server.baseUrl, MANAGER, '/devices')).close();
  // One sign-in shared by all looks.
  const storageState = await dePhone.storageState();
  deDesk = await browser.newContext({ ...desktop, locale: 'de-DE', storageState });
  enPhone = await browser.newContext({ ...phone, locale: 'en-GB', storageState });
  enDesk = await browser.newContext({ ...desktop, locale: 'en-GB', storageState });
  noJs = await browser.newContext({ ...phone, locale: 'de-DE', javaScriptEnabled: false, storageState });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const open = async (ctx: BrowserContext, path: string) => {
  const page = await ctx.newPage();
  await page.goto(`${server.baseUrl}${path}`);
  return page;
};
const total = async (page: Page) => Number((await page.textContent('p.total'))!.match(/\d+/)![0]);
const cardNames = (page: Page) => page.locator('.device-cards .device-card .name').allTextContents();
const tableInventory = (page: Page) => page.locator('.devices-table tbody th a').allTextContents();

describe('device list', () => {
  it('finds a model typed with a typo on a phone, as cards', async () => {
    const page = await open(dePhone, '/devices');
    expect(await page.textContent('h1')).toBe('Geräte');
    const all = await total(page);
    expect(all).toBe(200);
    await page.fill('#q', 'Perfusr');
    await Promise.all([page.waitForURL(/q=Perfusr/), page.click('form[role=search] .search button[type=submit]')]);
    expect(await page.textContent('p.total')).toMatch(/^\s*\d+ Geräte? zu „Perfusr“/);
    const names = await cardNames(page);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.includes('Perfusor'))).toBe(true);
    expect(await total(page)).toBe(names.length);
    // Cards on the phone, the table hidden; nothing wider than the screen.
    expect(await page.isVisible('.devices-table')).toBe(false);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    // The manager's toolbar.
    expect(await page.getAttribute('.toolbar a[href="/devices/new"]', 'class')).toContain('btn');
    expect(await page.locator('.toolbar a[href^="/api/register/sites/"]').count()).toBe(2);
    await shot(page, 'search-devices-phone-de');

    // An inventory number by its start in lower case.
    await page.goto(`${server.baseUrl}/devices?q=mt-1000`);
    expect(await total(page)).toBe(9);
    await page.close();
  });

  it('filters at the desk, by the annex and by a bar of the chart, and carries filters into the CSV export', async () => {
    const page = await open(deDesk, '/devices');
    expect(await page.isVisible('.devices-table')).toBe(true);
    expect(await page.isVisible('.device-cards')).toBe(false);
    // Hydration sets the disclosure's state from the data: a click before it would be undone.
    await page.waitForLoadState('networkidle');
    await page.click('details.filters summary');
    expect(await page.locator('details.filters').getAttribute('open')).not.toBeNull();
    await page.selectOption('#f-anlage', '2');
    await page.selectOption('#f-status', 'in_service');
    await Promise.all([page.waitForURL(/anlage=2/), page.click('details.filters .actions button[type=submit]')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('status')).toBe('in_service');
    const n = await total(page);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(200);
    const kinds = await page.locator('.device-cards .meta').allTextContents();
    expect(kinds.length).toBeGreaterThan(0);
    // Counts by kind add up to the total; the chart's bars are links that filter by kind.
    const counts = (await page.locator('figure.kinds .kind-count').allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(await page.getAttribute('.toolbar a[download]', 'href')).toBe('/api/register/devices.csv?status=in_service');
    await shot(page, 'search-devices-desktop-de');
    const firstKind = (await page.textContent('figure.kinds li:first-child .kind-name'))!;
    await Promise.all([page.waitForURL(/kind=/), page.click('figure.kinds li:first-child a')]);
    expect(new URL(page.url()).searchParams.get('kind')).toBe(firstKind);
    expect(await total(page)).toBe(counts[0]);
    expect(new URL(page.url()).searchParams.get('anlage')).toBe('2'); // the other filters stay
    // A hand-edited address with an unknown filter value: the message at the filter, not an error page.
    await page.goto(`${server.baseUrl}/devices?status=kaputt`);
    expect(await page.textContent('[role=alert]')).toBe('Bitte eine der angebotenen Optionen wählen.');
    expect(await page.getAttribute('#f-status', 'aria-invalid')).toBe('true');
    await page.close();
  });

  it('stars a device with JavaScript and without, and lists it under "my devices"', async () => {
    const page = await open(dePhone, '/devices?q=MT-1001');
    const star = page.locator('.device-cards .device-card').first().locator('button.star');
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    const label = (await star.getAttribute('aria-label'))!;
    expect(label).toMatch(/^MT-1001\d? .+ zu meinen Geräten hinzufügen$/);
    await star.click();
    await page.waitForFunction(() => document.querySelector('.device-cards .device-card button.star')?.getAttribute('aria-pressed') === 'true');
    const inv = (await page.locator('.device-cards .device-card .inv').first().textContent())!;
    await page.goto(`${server.baseUrl}/devices?mine=1`);
    expect(await total(page)).toBe(1);
    expect(await page.locator('.device-cards .inv').allTextContents()).toEqual([inv]);
    await shot(page, 'search-devices-mine-phone-de');

    // Without JavaScript: the star posts the form and comes back to the same list.
    const plain = await open(noJs, '/devices?mine=1');
    await plain.locator('.device-cards button.star').first().click();
    await plain.waitForLoadState();
    expect(new URL(plain.url()).searchParams.get('mine')).toBe('1');
    expect(await total(plain)).toBe(0);
    await plain.goto(`${server.baseUrl}/devices?q=${inv}`);
    await plain.locator('.device-cards button.star').first().click();
    await plain.waitForLoadState();
    expect(await plain.locator('.device-cards button.star').first().getAttribute('aria-pressed')).toBe('true');
    await page.close();
    await plain.close();
  });

  it('reads in English on a phone and at the desk', async () => {
    const p = await open(enPhone, '/devices?q=pumpe');
    expect(await p.textContent('h1')).toBe('Devices');
    expect(await p.textContent('p.total')).toMatch(/devices? for "pumpe"/);
    expect(await sideways(p)).toBeLessThanOrEqual(0);
    await shot(p, 'search-devices-phone-en');
    const d = await open(enDesk, '/devices?due=overdue');
    expect(await d.locator('.devices-table .due.overdue').count()).toBeGreaterThan(0);
    expect(await tableInventory(d)).toHaveLength(Math.min(25, await total(d)));
    await shot(d, 'search-devices-desktop-en');
    await p.close();
    await d.close();
  });
});
