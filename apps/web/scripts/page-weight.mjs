// What a phone downloads for the pages a nurse opens, with an empty cache, from a running app with the demo data
// (`npm start`): bytes on the wire by kind and their encoding, as Chromium's DevTools protocol counts them.
//   node apps/web/scripts/page-weight.mjs [http://localhost:3000]
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://localhost:3000';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
const page = await context.newPage();
await page.goto(`${base}/login`);
await page.fill('#email', 'pflege@demo.medreg');
await page.fill('#password', 'demo-passwort');
await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button[type=submit]')]);
await page.goto(`${base}/devices`);
const device = await page.$$eval('main a[href^="/d/"]', (links) => links[0].getAttribute('href'));

for (const path of ['/scan', device, '/devices']) {
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const responses = new Map();
  const kinds = new Map();
  cdp.on('Network.responseReceived', (e) => {
    const encoding = Object.entries(e.response.headers).find(([name]) => name.toLowerCase() === 'content-encoding')?.[1];
    responses.set(e.requestId, { kind: e.type, encoding: encoding ?? 'none' });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = responses.get(e.requestId);
    if (!r) return;
    const k = kinds.get(r.kind) ?? { requests: 0, bytes: 0, encodings: new Set() };
    k.requests++;
    k.bytes += e.encodedDataLength;
    k.encodings.add(r.encoding);
    kinds.set(r.kind, k);
  });
  await tab.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  const total = [...kinds.values()].reduce((sum, k) => sum + k.bytes, 0);
  console.log(`${path}: ${(total / 1024).toFixed(1)} KiB`);
  for (const [kind, k] of kinds) console.log(`  ${kind}: ${k.requests} requests, ${(k.bytes / 1024).toFixed(1)} KiB (${[...k.encodings].join(', ')})`);
  await tab.close();
}
await browser.close();
