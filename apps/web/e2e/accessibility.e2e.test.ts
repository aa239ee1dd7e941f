import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, mainPass, openAs, phone, startServer, type Server } from './harness.js';

/**
 * Every page through axe-core (Deque's rules for WCAG 2.1 A and AA and 2.2 AA: names of controls and links,
 * contrast, landmarks, ARIA used as specified, language, target sizes; and its best practices: one main landmark,
 * headings in order, content inside landmarks), as the people who use it: the admin sees every page (on a desktop),
 * the technician the pages a phone lays out differently, the nurse the device page as she gets it after a scan, and
 * anyone the login page (both sizes).
 * axe runs inside the page through the DevTools protocol (the app's CSP allows no injected script), from the
 * package on disk: nothing is loaded from other hosts. Main pass only: the pages are the same on PostgreSQL, whose
 * pass loads them all in the other specs.
 */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

async function violations(page: Page): Promise<string[]> {
  await page.waitForLoadState('networkidle');
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return found.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 3).map((n) => `    ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`).join('\n')}`,
  );
}

let server: Server;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!mainPass) return;
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

const context = async (size: typeof phone | typeof desktop, locale: string) => {
  const ctx = await browser.newContext({ ...size, locale });
  contexts.push(ctx);
  return ctx;
};

/** The first link on `path` whose address matches `pattern`: how the pages of one record are found. */
async function firstLink(page: Page, path: string, pattern: RegExp): Promise<string> {
  await page.goto(`${server.baseUrl}${path}`);
  const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.getAttribute('href')!));
  const href = hrefs.find((h) => pattern.test(h));
  if (!href) throw new Error(`no link matching ${pattern} on ${path}`);
  return href;
}

const sizes = [
  { name: 'desktop', size: desktop, locale: 'de-DE' },
  { name: 'phone', size: phone, locale: 'en-GB' },
] as const;

describe.runIf(mainPass)('accessibility (axe-core, WCAG 2.2 AA and best practices)', () => {
  it('every page as the admin, in German on a desktop', async () => {
    const page = await openAs(await context(desktop, 'de-DE'), server.baseUrl, 'admin@demo.medreg', '/devices');
    const device = await firstLink(page, '/devices?q=MT-10005', /^\/d\/[^/]+$/);
    const paths = [
      '/devices',
      '/devices?q=Perfusor',
      '/devices/new',
      '/scan',
      '/due',
      '/defects',
      '/locks',
      '/labels',
      '/import',
      '/locations',
      '/models',
      '/models/new',
      await firstLink(page, '/models', /^\/models\/(?!new$)[^/?#]+$/),
      '/instruments',
      '/inspections/types',
      '/inspections/types/new',
      await firstLink(page, '/inspections/types', /^\/inspections\/types\/(?!new$)[^/?#]+$/),
      '/instructions',
      '/instructions/new',
      '/instructions/matrix',
      '/admin/users',
      '/admin/users/new',
      await firstLink(page, '/admin/users', /^\/admin\/users\/[0-9a-f-]{36}$/),
      '/admin/integrity',
      '/admin/privacy',
      '/account/password',
      '/account/sessions',
      device,
      ...['inspect', 'measure', 'defect', 'files', 'first-use', 'obligations', 'register', 'lock'].map((p) => `${device}/${p}`),
    ];
    expect(new Set(paths).size).toBe(paths.length);
    const report: string[] = [];
    const check = async (path: string) => {
      const res = await page.goto(`${server.baseUrl}${path}`);
      expect(res?.status(), path).toBe(200);
      for (const v of await violations(page)) report.push(`${path}: ${v}`);
    };
    for (const path of paths) await check(path);
    // Forms sent empty: the messages, aria-invalid and aria-describedby the errors add.
    for (const path of ['/devices/new', `${device}/defect`, `${device}/inspect`, '/account/password']) {
      await page.goto(`${server.baseUrl}${path}`);
      await page.waitForLoadState('networkidle');
      await page.locator('main form[novalidate] button[type=submit]').first().click();
      await page.waitForSelector('main [aria-invalid=true], main [role=alert]');
      for (const v of await violations(page)) report.push(`${path}, sent empty: ${v}`);
    }
    // Locked: the device page's warning, the list of locks, the release form.
    await page.goto(`${server.baseUrl}${device}/lock`);
    await page.fill('#reason', 'Gehäuse gerissen');
    await Promise.all([page.waitForURL(/locked=1/), page.click('main button[type=submit]')]);
    for (const path of [device, '/locks', `${device}/release`]) await check(path);
    expect(report, report.join('\n')).toEqual([]);
  });

  // The markup is the same at every size; what the phone's styles change is what is hidden, stacked or shortened.
  it('the pages a phone lays out differently, in English', async () => {
    const page = await openAs(await context(phone, 'en-GB'), server.baseUrl, 'technik@demo.medreg', '/devices');
    const device = await firstLink(page, '/devices?q=MT-10006', /^\/d\/[^/]+$/);
    const report: string[] = [];
    for (const path of ['/devices', '/due', '/labels', device, `${device}/inspect`, `${device}/files`]) {
      const res = await page.goto(`${server.baseUrl}${path}`);
      expect(res?.status(), path).toBe(200);
      for (const v of await violations(page)) report.push(`${path}: ${v}`);
    }
    expect(report, report.join('\n')).toEqual([]);
  });

  // The import's answers appear after a step: the column assignment refused, then the problems of the dry run (on a
  // phone stacked as blocks, without the table's header row).
  it.each(sizes)('the import’s refusal, problem list and finished import, as a manager, $name', async ({ name, size, locale }) => {
    const page = await openAs(await context(size, locale), server.baseUrl, 'manager@demo.medreg', '/import');
    const upload = async (ward: string) => {
      const file = ['Inv.-Nr.;Hersteller;Modell;Ort;Station', `A11Y-${name};B. Braun Melsungen AG;Perfusor Space;Klinikum Nord;${ward}`];
      await page.setInputFiles('#file', { name: 'liste.csv', mimeType: 'text/csv', buffer: Buffer.from(file.join('\n')) });
      const before = page.url();
      await Promise.all([page.waitForURL((u) => u.searchParams.has('upload') && u.href !== before), page.click('form[action="?/upload"] button[type=submit]')]);
    };
    await upload('Kinderintensivüberwachungsstation');
    await page.click('button[value=check]');
    await page.waitForSelector('#mapping-error');
    const report = (await violations(page)).map((v) => `column not assigned: ${v}`);
    await page.selectOption('#map-3', 'site');
    await page.click('button[value=check]');
    await page.waitForSelector('table.problems');
    for (const v of await violations(page)) report.push(`problems: ${v}`);
    expect(report, report.join('\n')).toEqual([]);
    // Stacked as blocks on a phone, it is still a table to a screen reader: Chromium's own accessibility tree (which
    // keeps a table's roles whatever its CSS display; this holds the markup to a table with its header row).
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string } }[] };
    const roles = nodes.map((n) => n.role?.value);
    expect(nodes.find((n) => n.role?.value === 'table')?.name?.value).toBe(await page.textContent('#problems-title'));
    expect(roles.filter((r) => r === 'columnheader')).toHaveLength(3);
    expect(roles.filter((r) => r === 'row')).toHaveLength(2);
    expect(roles.filter((r) => r === 'cell')).toHaveLength(3);

    // Corrected and imported: the progress bar and the result.
    await upload('Kardiologie 3B');
    await page.selectOption('#map-3', 'site');
    await page.click('button[value=check]');
    await page.waitForSelector('button[value=start]');
    await Promise.all([page.waitForURL(/\/import\/[0-9a-f-]{36}$/), page.click('button[value=start]')]);
    await page.waitForSelector('.alert.ok');
    const done = await violations(page);
    expect(done, done.join('\n')).toEqual([]);
  });

  it.each(sizes)('the device page as a nurse, and the login page, $name', async ({ size, locale }) => {
    const anonymous = await (await context(size, locale)).newPage();
    await anonymous.goto(`${server.baseUrl}/login`);
    const report = (await violations(anonymous)).map((v) => `/login: ${v}`);

    const page = await openAs(await context(size, locale), server.baseUrl, 'pflege@demo.medreg', '/scan');
    const device = await firstLink(page, '/devices', /^\/d\/[^/]+$/);
    for (const path of ['/scan', '/devices', device]) {
      const res = await page.goto(`${server.baseUrl}${path}`);
      expect(res?.status(), path).toBe(200);
      for (const v of await violations(page)) report.push(`${path}: ${v}`);
    }
    expect(report, report.join('\n')).toEqual([]);
  });
});
