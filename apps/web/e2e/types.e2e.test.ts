import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, looks, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * Inspection types, device obligations and test instruments in a real browser: the demo manager tightens a
 * limit and the interval of the STK and gives one device its own interval and an exemption; a technician adds
 * a test instrument. Every new page is photographed on a phone and a desktop, in German and English.
 */
let server: Server;
let browser: Browser;
const contexts: BrowserContext[] = [];
let code = '';
let stkId = '';

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

describe('inspection types, obligations and instruments', () => {
  it('the manager tightens the STK’s earth limit and interval; a limit without bounds is refused, naming the field', async () => {
    const page = await signedIn(await context(desktop, 'de-DE'), 'manager@demo.medreg', '/');
    await Promise.all([page.waitForURL(/\/inspections\/types$/), page.click('main a[href="/inspections/types"]')]);
    expect(await page.textContent('h1')).toBe('Prüfarten');
    await Promise.all([page.waitForURL(/\/inspections\/types\/[^/]+$/), page.click('a.type:has(strong.code:text-is("STK"))')]);
    stkId = page.url().split('/').pop()!;
    // The seeded STK's second field is the protective earth resistance, limit ≤ 300 mΩ for class I.
    expect(await page.inputValue('#form-1-key')).toBe('protective_earth');
    expect(await page.inputValue('#form-1-limits-0-max')).toBe('300');
    // Its fields have recorded values: the key is fixed and the field cannot be removed.
    expect(await page.getAttribute('#form-1-key', 'readonly')).not.toBeNull();
    expect(await page.isDisabled('#field-1-remove')).toBe(true);

    await page.fill('#form-1-limits-0-max', '');
    await page.click('form.editor button[type=submit]');
    await page.waitForSelector('#form-1-limits-0-min-error');
    const message = 'Feld 2 „Schutzleiterwiderstand“, Grenzwert 1: Bitte einen Mindest- oder Höchstwert eingeben, oder beide.';
    expect(await page.textContent('#form-1-limits-0-min-error')).toBe(message);
    expect(await page.textContent('main [role=alert]')).toBe(message);
    // The focus is on the input to fix.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('form-1-limits-0-min');
    await shot(page, 'types-editor-error-desktop-de');

    await page.fill('#form-1-limits-0-max', '200');
    await page.fill('#intervalMonths', '12');
    await submit(page, 'form.editor', /saved=1/);
    expect((await page.textContent('main [role=status] .alert'))?.trim()).toMatch(/^Änderungen gespeichert; Fälligkeiten von \d+ Geräten neu berechnet\.$/);
    expect(await page.inputValue('#form-1-limits-0-max')).toBe('200');
    expect(await page.inputValue('#intervalMonths')).toBe('12');
  });

  it('fields are added, moved and removed in the editor; a new type is created with them', async () => {
    const page = await signedIn(await context(phone, 'en-GB'), 'manager@demo.medreg', '/inspections/types/new');
    expect(await page.textContent('h1')).toBe('New inspection type');
    await page.fill('#code', 'it-sec');
    await page.fill('#nameDe', 'IT-Sicherheitsprüfung');
    await page.fill('#nameEn', 'IT security check');
    await page.fill('#legalReference', 'MPBetreibV 2025 §17');
    await page.fill('#form-0-key', 'backup');
    await page.fill('#form-0-label-de', 'Datensicherung geprüft');
    await page.fill('#form-0-label-en', 'Backup checked');
    await page.click('#add-field');
    // The new field's key has the focus.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('form-1-key');
    await page.fill('#form-1-key', 'patch_level');
    await page.selectOption('#form-1-kind', 'choice');
    await page.fill('#form-1-label-de', 'Patchstand');
    await page.fill('#form-1-label-en', 'Patch level');
    await page.fill('#form-1-options', 'current\noutdated');
    await page.click('#field-1-up');
    expect(await page.inputValue('#form-0-key')).toBe('patch_level');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-0-down');
    await page.click('#add-field');
    await page.click('#field-2-remove');
    expect(await page.locator('ol.fields > li').count()).toBe(2);
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await submit(page, 'form.editor', /created=1/);
    expect(await page.textContent('h1')).toBe('Inspection type IT-SEC');
    expect(await page.inputValue('#form-0-options')).toBe('current\noutdated');
  });

  it('the manager gives one device its own interval and exempts it from another obligation, with a reason', async () => {
    const page = await signedIn(await context(phone, 'de-DE'), 'manager@demo.medreg', '/devices');
    // A device with both STK and electrical safety: the link on its page leads to its obligations.
    for (const href of await page.locator('a.device-row:visible').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
      await page.goto(`${server.baseUrl}${href}`);
      const due = (await page.textContent('#due + ul')) ?? '';
      if (due.includes('Sicherheitstechnische Kontrolle') && due.includes('Elektrische Sicherheit')) {
        code = href.split('/')[2]!;
        break;
      }
    }
    expect(code).not.toBe('');
    await Promise.all([page.waitForURL(/\/obligations$/), page.click('a:text("Prüfpflichten und Ausnahmen")')]);
    const stk = page.locator(`#type-${stkId}`);
    // The interval the manager set on the type a moment ago.
    expect(await stk.textContent()).toContain('Es gilt: 12 Monate');
    await stk.locator('input[name=intervalMonths]').fill('6');
    await stk.locator('textarea[name=reason]').fill('Hohe Nutzung auf der Intensivstation');
    await Promise.all([page.waitForURL(/saved=1/), stk.locator('button[type=submit]', { hasText: 'Speichern' }).click()]);
    expect(await page.locator(`#type-${stkId}`).textContent()).toContain('Es gilt: 6 Monate');

    const el = page.locator('section.obligation', { hasText: 'Elektrische Sicherheit' });
    await el.locator('input[name=mode][value=exempt]').check();
    // The interval input goes; an exemption without a reason is refused, next to the reason.
    expect(await el.locator('input[name=intervalMonths]').count()).toBe(0);
    await el.locator('button[type=submit]', { hasText: 'Speichern' }).click();
    await page.waitForSelector('section.obligation .field-error');
    expect(await el.locator('.field-error').textContent()).toBe('Dieses Feld ist erforderlich.');
    await shot(page, 'obligations-error-phone-de');
    await el.locator('textarea[name=reason]').fill('Eingelagert, nicht in Gebrauch');
    // The address already says saved=1 from the first change: wait for the exemption itself.
    await el.locator('button[type=submit]', { hasText: 'Speichern' }).click();
    await page.waitForSelector('section.obligation .badge.exempt');
    const exempted = page.locator('section.obligation', { hasText: 'Elektrische Sicherheit' });
    expect(await exempted.locator('.badge.exempt').count()).toBe(1);
    expect(await exempted.textContent()).toContain('Ausgenommen von Max Meier');
    expect(await sideways(page)).toBeLessThanOrEqual(0);

    // Both changes are notes in the device's logbook.
    await page.goto(`${server.baseUrl}/d/${code}`);
    const notes = await page.locator('li.entry[data-kind=note] .text').allTextContents();
    expect(notes[0]).toContain('ist ausgenommen. Begründung: Eingelagert, nicht in Gebrauch');
    expect(notes[1]).toContain('Intervall für dieses Gerät 6 Monate (bisher 12 Monate). Begründung: Hohe Nutzung');
  });

  it('a technician adds a test instrument; a serial number already in the register is refused', async () => {
    const page = await signedIn(await context(phone, 'de-DE'), 'technik@demo.medreg', '/');
    await Promise.all([page.waitForURL(/\/instruments$/), page.click('main a[href="/instruments"]')]);
    // The demo's old tester is past its calibration date.
    expect(await page.locator('.instrument', { hasText: 'PM3-0099812' }).locator('.badge.overdue').textContent()).toBe('Kalibrierung abgelaufen');
    await page.click('details.add summary');
    await page.fill('#new-name', 'Fluke ESA612');
    await page.fill('#new-kind', 'Sicherheitstester IEC 62353');
    await page.fill('#new-serialNumber', 'ESA615-4471023');
    await page.fill('#new-calibrationDueOn', '2030-06-30');
    await page.click('details.add button[type=submit]');
    await page.waitForSelector('#new-serialNumber-error');
    expect(await page.textContent('#new-serialNumber-error')).toBe('Ein anderes Prüfgerät hat schon die Seriennummer „ESA615-4471023“.');
    expect(await page.inputValue('#new-name')).toBe('Fluke ESA612');
    await shot(page, 'instruments-error-phone-de');
    await page.fill('#new-serialNumber', 'ESA612-3000117');
    await submit(page, 'details.add', /created=1/);
    const added = page.locator('.instrument', { hasText: 'ESA612-3000117' });
    expect(await added.locator('.badge.ok').textContent()).toBe('kalibriert');
    expect(await sideways(page)).toBeLessThanOrEqual(0);
  });

  it('every new page fits a phone and a desktop, in German and English', async () => {
    for (const [size, name] of looks([[phone, 'phone'], [desktop, 'desktop']] as const))
      for (const locale of looks(['de-DE', 'en-GB'] as const)) {
        const lang = locale.slice(0, 2);
        const page = await signedIn(await context(size, locale), 'manager@demo.medreg', '/inspections/types');
        for (const [path, shotName] of [
          ['/inspections/types', 'types-list'],
          ['/inspections/types/new', 'types-new'],
          [`/inspections/types/${stkId}`, 'types-editor'],
          [`/d/${code}/obligations`, 'obligations'],
          ['/instruments', 'instruments'],
        ] as const) {
          await page.goto(`${server.baseUrl}${path}`);
          expect(await sideways(page), `${path} ${name} ${lang}`).toBeLessThanOrEqual(0);
          await shot(page, `${shotName}-${name}-${lang}`);
        }
      }
  });
});
