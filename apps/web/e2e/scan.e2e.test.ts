import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, looks, openAs, phone, shot, sideways, startServer, type Server } from './harness.js';

/**
 * The scan page in a real browser: Chromium's fake camera films a printed QR label, the page decodes it
 * on the phone (ZXing in WebAssembly, served by the app) and opens the device; without camera access the
 * typed inventory number or code does the same.
 */
let server: Server;
let browser: Browser; // no camera at all
let labelCamera: Browser; // films the QR label of MT-10005
let otherCamera: Browser; // films a QR code that is no device label
let code = '';

/** A Y4M video of one picture, QR code centred on white, which Chromium's fake camera plays in a loop. */
async function filming(text: string, path: string): Promise<string> {
  const [w, h] = [640, 480];
  const qr = await QRCode.toBuffer(text, { type: 'png', margin: 4, width: 360 });
  const { data, info } = await sharp({ create: { width: w, height: h, channels: 3, background: '#fff' } })
    .composite([{ input: qr, gravity: 'centre' }])
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  const chroma = Buffer.alloc((w / 2) * (h / 2) * 2, 128); // U and V planes: no colour
  const frame = Buffer.concat([Buffer.from('FRAME\n'), data, chroma]);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`), ...Array<Buffer>(5).fill(frame)]));
  return path;
}

/** A browser whose camera films the video; a page may use it only where the context grants `camera`. */
const cameraBrowser = (video: string) =>
  launchChromium(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);

async function signedIn(b: Browser, options: Parameters<Browser['newContext']>[0]): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await b.newContext(options);
  const page = await openAs(ctx, server.baseUrl, 'technik@demo.medreg', '/');
  return { ctx, page };
}

const path = (page: Page) => new URL(page.url()).pathname;
const width = (page: Page) => page.viewportSize()!.width;
/** Every header link on one line and inside the viewport. */
const headerFits = (page: Page) =>
  page.evaluate(
    (w) =>
      [...document.querySelectorAll('header .brand, header nav > *')].every((e) => {
        const box = e.getBoundingClientRect();
        return box.height <= 48 && box.right <= w;
      }),
    width(page),
  );

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
  const { ctx, page } = await signedIn(browser, { ...phone, locale: 'de-DE' });
  await page.goto(`${server.baseUrl}/devices?q=MT-10005`);
  await Promise.all([page.waitForURL(/\/d\//), page.click('a.device-row:visible:has-text("MT-10005")')]);
  code = path(page).split('/')[2]!;
  await ctx.close();
  [labelCamera, otherCamera] = await Promise.all([
    filming(`${server.baseUrl}/d/${code}`, join(server.dataDir, 'label.y4m')).then(cameraBrowser),
    filming('https://example.org/cafeteria-menu', join(server.dataDir, 'other.y4m')).then(cameraBrowser),
  ]);
});

afterAll(async () => {
  await Promise.all([browser, labelCamera, otherCamera].map((b) => b?.close()));
  await server?.stop();
});

describe('scan a device label', () => {
  it("the phone's camera reads the label and opens the device; nothing goes to another host", async () => {
    const { ctx, page } = await signedIn(labelCamera, { ...phone, locale: 'de-DE' });
    await ctx.grantPermissions(['camera'], { origin: server.baseUrl });
    const requests: { url: string; method: string }[] = [];
    ctx.on('request', (r) => void requests.push({ url: r.url(), method: r.method() }));
    const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm'));

    await page.goto(`${server.baseUrl}/scan`);
    await page.waitForURL(`${server.baseUrl}/d/${code}`);
    expect(await page.textContent('main')).toContain('MT-10005');

    // Debian's Chromium has no native BarcodeDetector: ZXing decoded the frame, with the app's own .wasm.
    expect(await page.evaluate(() => 'BarcodeDetector' in window)).toBe(false);
    const res = await wasm;
    expect(new URL(res.url()).origin).toBe(server.baseUrl);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/wasm');
    const elsewhere = requests.filter((r) => /^(https?|wss?):/.test(r.url) && new URL(r.url).origin !== server.baseUrl);
    expect(elsewhere).toEqual([]);
    // The picture stays on the phone: the page only read (GET), it sent nothing.
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
    await ctx.close();
  });

  it('a QR code that is not a device label gets a polite message, scanning goes on, and leaving stops the camera', async () => {
    for (const [name, size, locale, message] of looks([
      ['phone-de', phone, 'de-DE', 'Dieser QR-Code ist kein Geräteetikett'],
      ['phone-en', phone, 'en-GB', 'This QR code is not a device label'],
      ['desktop-de', desktop, 'de-DE', 'Dieser QR-Code ist kein Geräteetikett'],
      ['desktop-en', desktop, 'en-GB', 'This QR code is not a device label'],
    ] as const)) {
      const { ctx, page } = await signedIn(otherCamera, { ...size, locale });
      await ctx.grantPermissions(['camera'], { origin: server.baseUrl });
      // Remembers the page's camera streams to check that leaving the page ends them.
      await ctx.addInitScript(() => {
        const streams: MediaStream[] = ((window as unknown as { streams: MediaStream[] }).streams = []);
        const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = async (c) => {
          const s = await original(c);
          streams.push(s);
          return s;
        };
      });
      await page.goto(`${server.baseUrl}/devices`);
      await Promise.all([page.waitForURL(/\/scan$/), page.click('header a[href="/scan"]')]);
      await expect.poll(() => page.textContent('[role=status]'), { timeout: 15_000 }).toContain(message);
      await page.waitForTimeout(1000);
      expect(path(page)).toBe('/scan');
      expect(await page.textContent('[role=status]')).toContain(message);
      expect(await page.evaluate(() => (document.querySelector('video') as HTMLVideoElement).videoWidth)).toBe(640);
      expect(await sideways(page), `${name}: /scan scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await headerFits(page), `${name}: the header does not fit one line`).toBe(true);
      await shot(page, `scan-${name}-camera`);

      const live = () =>
        page.evaluate(() => (window as unknown as { streams: MediaStream[] }).streams.flatMap((s) => s.getTracks()).map((t) => t.readyState));
      expect(await live()).toEqual(['live']);
      await Promise.all([page.waitForURL(/\/devices$/), page.click('header a[href="/devices"]')]);
      expect(await live()).toEqual(['ended']);
      await ctx.close();
    }
  });

  it('without camera access the typed inventory number or code opens the device, and mistakes are explained', async () => {
    // The context does not grant the camera: the browser refuses it as if the user had said no.
    for (const [name, size, locale, message] of looks([
      ['phone-de', phone, 'de-DE', 'Der Kamerazugriff ist nicht erlaubt'],
      ['phone-en', phone, 'en-GB', 'Camera access is not allowed'],
      ['desktop-de', desktop, 'de-DE', 'Der Kamerazugriff ist nicht erlaubt'],
      ['desktop-en', desktop, 'en-GB', 'Camera access is not allowed'],
    ] as const)) {
      const { ctx, page } = await signedIn(otherCamera, { ...size, locale });
      await page.goto(`${server.baseUrl}/scan`);
      // The browser refuses the camera asynchronously: about a second on a busy machine, past poll's default.
      await expect.poll(() => page.textContent('[role=status]'), { timeout: 15_000 }).toContain(message);
      expect(await page.isVisible('video')).toBe(false);
      expect(await page.isVisible('#q')).toBe(true);
      expect(await sideways(page), `${name}: /scan scrolls sideways`).toBeLessThanOrEqual(0);
      await shot(page, `scan-${name}-denied`);
      await ctx.close();
    }

    const { ctx, page } = await signedIn(browser, { ...phone, locale: 'de-DE' });
    await page.goto(`${server.baseUrl}/scan`);
    await expect.poll(() => page.textContent('[role=status]'), { timeout: 15_000 }).toContain('Keine Kamera gefunden');
    const open = async (q: string) => {
      await page.goto(`${server.baseUrl}/scan`);
      await page.fill('#q', q);
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.press('#q', 'Enter')]);
      await page.waitForLoadState('load');
    };

    await open('MT-10007');
    await page.waitForURL(/\/d\//);
    expect(await page.textContent('main')).toContain('MT-10007');

    // The printed form of the code, typed in lower case, is read too.
    await open(`${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase());
    await page.waitForURL(`${server.baseUrl}/d/${code}`);

    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const typo = alphabet[(alphabet.indexOf(code[2]!) + 1) % alphabet.length]!;
    await open(code.slice(0, 2) + typo + code.slice(3));
    await expect.poll(() => page.textContent('.field-error')).toContain('Ein Zeichen dieses Codes ist falsch');
    expect(path(page)).toBe('/scan');
    expect(await page.getAttribute('#q', 'aria-invalid')).toBe('true');
    await shot(page, 'scan-phone-de-wrong-character');

    await open('MT-99999');
    await expect.poll(() => page.textContent('.field-error')).toContain('Kein Gerät hat die Inventarnummer oder den Code „MT-99999“');

    await open('MT-1000');
    await page.waitForURL(/\/devices\?q=MT-1000$/);
    await ctx.close();
  });
});
