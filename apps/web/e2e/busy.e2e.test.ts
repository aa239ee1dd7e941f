import SQLite from 'better-sqlite3';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, e2eDatabase, launchChromium, openAs, phone, shot, startServer, type Server } from './harness.js';

/**
 * Saving an inspection while another connection holds SQLite's write lock past the write wait (a very large CSV
 * import does): the technician reads "busy, nothing saved, save again", sees it without scrolling back up, keeps
 * what was typed, and the next save after the lock is free goes through. The wait is cut to 1 s here (30 s by default).
 */
describe.runIf(e2eDatabase === 'sqlite')('a save refused because the database is busy', () => {
  let server: Server;
  let browser: Browser;
  let lock: SQLite.Database;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ SQLITE_WRITE_WAIT_SECONDS: '1' }), launchChromium()]);
    lock = new SQLite(join(server.dataDir, 'medreg.sqlite'));
  });
  afterAll(async () => {
    if (lock?.inTransaction) lock.exec('rollback');
    lock?.close();
    await browser?.close();
    await server?.stop();
  });

  const cases = [
    { name: 'phone-de', size: phone, locale: 'de-DE', text: 'Gehäuse gerissen', message: 'Es wurde nichts gespeichert. Bitte in einer Minute erneut speichern.' },
    { name: 'desktop-en', size: desktop, locale: 'en-GB', text: 'Housing cracked', message: 'Nothing was saved. Please save again in a minute.' },
  ];
  for (const c of cases)
    it(`says so and keeps the form (${c.name})`, async () => {
      const ctx: BrowserContext = await browser.newContext({ ...c.size, locale: c.locale });
      const page = await openAs(ctx, server.baseUrl, 'technik@demo.medreg', '/devices?q=MT-10001');
      const code = (await page.locator('a.device-row:visible').first().getAttribute('href'))!.split('/')[2]!;
      await page.goto(`${server.baseUrl}/d/${code}/inspect`);
      await page.waitForLoadState('networkidle');
      await page.selectOption('#type', { label: (await page.locator('#type option', { hasText: /Sicherheitstechnische|STK/ }).first().textContent())! });
      await page.check('input[name=result][value=failed]');
      if (await page.isChecked('input[name=lock]')) await page.uncheck('input[name=lock]');
      await page.fill('#text', c.text);
      const entries = () => (lock.prepare('select count(*) as n from logbook_entries').get() as { n: number }).n;
      const before = entries();

      lock.exec('begin immediate');
      await page.click('main button[type=submit]');
      const alert = page.locator('main [role=alert]').first();
      await alert.waitFor();
      expect(await alert.textContent()).toContain(c.message);
      // In view without scrolling back up from the submit button.
      expect(await alert.isVisible()).toBe(true);
      const box = (await alert.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(c.size.viewport.height);
      expect(await page.inputValue('#text')).toBe(c.text);
      await shot(page, `busy-${c.name}`);
      lock.exec('rollback');
      expect(entries()).toBe(before);

      await Promise.all([page.waitForURL(/\?saved=1/), page.click('main button[type=submit]')]);
      expect(entries()).toBe(before + 1);
      await ctx.close();
    });
});
