import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, looks, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * Register management in a real browser: the demo manager registers a device, corrects it, is refused a stale
 * form with the conflict message, moves the device, and its logbook shows the relocation. Every register page is
 * photographed on a phone and a desktop, in German and English.
 */
let server: Server;
let browser: Browser;
const contexts: BrowserContext[] = [];
let code = '';
let modelId = '';

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function context(size: typeof phone | typeof desktop, locale: 'de-DE' | 'en-GB') {
  const ctx = await browser.newContext({ ...size, locale });
  contexts.push(ctx);
  return ctx;
}

async function signedIn(ctx: BrowserContext, email: string, path: string): Promise<Page> {
  const page = await openAs(ctx, server.baseUrl, email, path);
  expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
  return page;
}

const submit = (page: Page, form: string, url: RegExp) => Promise.all([page.waitForURL(url), page.click(`${form} button[type=submit]`)]);

describe('register management', () => {
  let ctx: BrowserContext;
  let page: Page;

  it('the manager registers a device; a commissioning date in the future is refused at the field, the input kept', async () => {
    ctx = await context(desktop, 'de-DE');
    page = await signedIn(ctx, 'manager@demo.medreg', '/devices/new');
    expect(await page.textContent('h1')).toBe('Gerät aufnehmen');
    await page.fill('#new-inventoryNumber', 'E2E-REG-001');
    await page.selectOption('#new-modelId', { label: 'Perfusor Space (8713030)' });
    await page.fill('#new-serialNumber', 'PS-778899');
    await page.fill('#new-acquiredYear', '2025');
    await page.fill('#new-commissionedOn', '2099-01-01');
    await page.selectOption('#new-siteId', { label: 'Klinikum Nord' });
    await page.selectOption('#new-departmentId', { label: 'Intensivstation 1' });
    await page.selectOption('#new-roomId', { label: 'Raum 1.01' });
    await page.click('main form button[type=submit]');
    await page.waitForSelector('#new-commissionedOn-error');
    expect(await page.textContent('#new-commissionedOn-error')).toBe('Das Datum darf nicht in der Zukunft liegen.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-commissionedOn');
    // What was typed stays.
    expect(await page.inputValue('#new-inventoryNumber')).toBe('E2E-REG-001');
    expect(await page.inputValue('#new-serialNumber')).toBe('PS-778899');
    await shot(page, 'register-new-error-desktop-de');

    await page.fill('#new-commissionedOn', '2025-02-10');
    await submit(page, 'main form', /\/register\?created=1$/);
    code = new URL(page.url()).pathname.split('/')[2]!;
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    expect(await page.textContent('main [role=status] .alert')).toContain(code);
    expect(await page.inputValue('#edit-serialNumber')).toBe('PS-778899');
  });

  it('two open forms: the first save wins, the stale one is refused with the conflict message and keeps its input', async () => {
    const stale = await ctx.newPage();
    await stale.goto(`${server.baseUrl}/d/${code}/register`);
    await page.fill('#edit-serialNumber', 'PS-000111');
    await submit(page, 'form[action="?/update"]', /saved=1/);
    expect((await page.textContent('main [role=status] .alert'))?.trim()).toBe('Gespeichert: 1 Angabe geändert.');
    expect(await page.textContent('#history-title + ol')).toContain('PS-000111');

    await stale.fill('#edit-notes', 'Von der anderen Registerkarte');
    await stale.click('form[action="?/update"] button[type=submit]');
    await stale.waitForSelector('main [role=alert]');
    expect(await stale.textContent('main [role=alert]')).toContain(
      'Jemand anderes hat das inzwischen geändert. Laden Sie die Seite neu, um die Änderung zu sehen, und versuchen Sie es dann erneut.',
    );
    expect(await stale.inputValue('#edit-notes')).toBe('Von der anderen Registerkarte');
    expect(await stale.inputValue('#edit-serialNumber')).toBe('PS-778899');
    await shot(stale, 'register-conflict-desktop-de');
    // Nothing of the stale form was saved.
    await page.reload();
    expect(await page.inputValue('#edit-serialNumber')).toBe('PS-000111');
    expect(await page.inputValue('#edit-notes')).toBe('');
    await stale.close();
  });

  it('moves the device; its logbook shows the relocation and its history the old and new ward', async () => {
    await page.selectOption('#move-siteId', { label: 'Klinikum Süd' });
    await page.selectOption('#move-departmentId', { label: 'Neonatologie' });
    await page.selectOption('#move-roomId', { label: 'Raum 1.02' });
    await submit(page, 'form[action="?/move"]', /moved=1/);
    expect(await page.textContent('main [role=status] .alert')).toBe('Gerät umgesetzt. Die Umsetzung steht im Medizinproduktebuch.');
    const history = await page.textContent('#history-title + ol');
    expect(history).toContain('Intensivstation 1');
    expect(history).toContain('Neonatologie');
    await Promise.all([page.waitForURL(new RegExp(`/d/${code}$`)), page.click(`main a[href="/d/${code}"]`)]);
    expect(await page.textContent('.logbook')).toContain('Umgesetzt von Klinikum Nord › Intensivstation 1 › Raum 1.01 nach Klinikum Süd › Neonatologie › Raum 1.02.');
  });

  it('a model is added with its inspection types; the models list finds it', async () => {
    await page.goto(`${server.baseUrl}/models/new`);
    await page.selectOption('#model-manufacturerId', { label: 'Drägerwerk AG & Co. KGaA' });
    await page.fill('#model-name', 'Atlan A350');
    await page.fill('#model-kind', 'Anästhesiegerät');
    await page.fill('#model-typeDesignation', '8620000');
    await page.fill('#model-instructionValidityMonths', 'zwölf');
    await page.check('input[name=anlage1]');
    await page.check('input[name=typeIds] >> nth=0');
    await page.click('main form button[type=submit]');
    await page.waitForSelector('#model-instructionValidityMonths-error');
    expect(await page.textContent('#model-instructionValidityMonths-error')).toBe('Ganze Monate zwischen 1 und 120 eingeben oder leer lassen.');
    expect(await page.isChecked('input[name=anlage1]')).toBe(true);
    await page.fill('#model-instructionValidityMonths', '12');
    await submit(page, 'main form', /\/models\/[^/]+\?created=1$/);
    modelId = new URL(page.url()).pathname.split('/')[2]!;
    await page.goto(`${server.baseUrl}/models?q=atlan`);
    expect(await page.textContent('.models')).toContain('Atlan A350');
  });

  it('without JavaScript: a refused form comes back with its input and message; registering and decommissioning work', async () => {
    const plain = await browser.newContext({ ...phone, locale: 'en-GB', javaScriptEnabled: false, storageState: await ctx.storageState() });
    contexts.push(plain);
    const p = await plain.newPage();
    await p.goto(`${server.baseUrl}/devices/new`);
    await p.fill('#new-inventoryNumber', 'E2E-NOJS-1');
    await p.selectOption('#new-modelId', { label: 'Centrella Smart+ (P7900)' });
    await p.selectOption('#new-siteId', { label: 'Klinikum Süd' });
    // Without JavaScript every ward is offered: one of the other site is refused by the server.
    await p.selectOption('#new-departmentId', { label: 'Notaufnahme' });
    await p.fill('#new-commissionedOn', '2024-05-02');
    await Promise.all([p.waitForLoadState('load'), p.click('main form button[type=submit]')]);
    expect(await p.textContent('#new-departmentId-error')).toBe('This ward or department is not at Klinikum Süd.');
    expect(await p.inputValue('#new-inventoryNumber')).toBe('E2E-NOJS-1');
    expect(await p.inputValue('#new-commissionedOn')).toBe('2024-05-02');
    await shot(p, 'register-new-nojs-error-phone-en');
    await p.selectOption('#new-departmentId', { label: 'Geriatrie 4' });
    await submit(p, 'main form', /\/register\?created=1$/);
    expect(await p.inputValue('#edit-inventoryNumber')).toBe('E2E-NOJS-1');

    await p.fill('#decommissionedOn', '2026-01-01');
    await p.fill('#reason', 'Beyond economic repair');
    await submit(p, 'form[action="?/decommission"]', /decommissioned=1/);
    expect(await p.textContent('main [role=status] .alert')).toBe('Device decommissioned.');
    expect(await p.textContent('main .badge')).toBe('Decommissioned');
    // Gone from the forms: a decommissioned device is not moved or decommissioned again.
    expect(await p.$('form[action="?/move"]')).toBeNull();
    expect(await p.textContent('#history-title + ol')).toContain('decommissioned');
  });

  it('technicians and nurses may not open the register pages', async () => {
    for (const email of ['technik@demo.medreg', 'pflege@demo.medreg']) {
      const p = await signedIn(await context(phone, 'de-DE'), email, '/');
      for (const path of ['/devices/new', `/d/${code}/register`, '/models', '/models/new', '/locations']) {
        const res = await p.goto(`${server.baseUrl}${path}`);
        expect(res?.status(), `${email} ${path}`).toBe(403);
      }
    }
  });

  it('every register page on a phone and a desktop, in German and English', async () => {
    const pages = [
      ['new', '/devices/new'],
      ['device', `/d/${code}/register`],
      ['models', '/models'],
      ['model-new', '/models/new'],
      ['model', `/models/${modelId}`],
      ['locations', '/locations'],
    ] as const;
    for (const [size, sizeName] of looks([[phone, 'phone'], [desktop, 'desktop']] as const)) {
      for (const [locale, lang] of looks([['de-DE', 'de'], ['en-GB', 'en']] as const)) {
        const p = await signedIn(await context(size, locale), 'manager@demo.medreg', '/');
        for (const [name, path] of pages) {
          const res = await p.goto(`${server.baseUrl}${path}`);
          expect(res?.status(), path).toBe(200);
          expect(await sideways(p), `${path} ${sizeName}`).toBeLessThanOrEqual(0);
          await shot(p, `register-${name}-${sizeName}-${lang}`);
        }
        if (lang === 'en') expect(await p.textContent('h1')).toBe('Locations');
      }
    }
  });
});
