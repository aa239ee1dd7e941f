import { createServer, get as httpGet, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktop, launchChromium, login, openAs, phone, shot, startServer, type Server } from './harness.js';

/**
 * The web entry point (the one port people open, which forwards /trpc and /api to the API): writes from another
 * origin's page are refused although the browser sends the session cookie along, and every response carries the
 * security headers.
 */
let server: Server;
let httpsServer: Server; // BASE_URL https: served here over http, but HSTS must be announced
let browser: Browser;
let desk: BrowserContext;
let page: Page;
let cookie = '';
let deviceId = '';
/** Another web application on the same host (same site, another origin): the intranet case. */
let otherApp: HttpServer;
let otherOrigin = '';
let otherPage = '';

const q = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(input))}`;
const myDevices = async () => {
  const res = await fetch(`${server.baseUrl}/trpc/devices.list${q({ mine: true })}`, { headers: { Cookie: cookie } });
  return ((await res.json()) as { result: { data: { total: number } } }).result.data.total;
};

beforeAll(async () => {
  [server, httpsServer, browser] = await Promise.all([
    startServer({ SIGN_IN_RATE_LIMIT: '3/10' }), // the default limit; the rest of the suite raises it
    startServer({ BASE_URL: 'https://medreg.klinikum.example' }),
    launchChromium(),
  ]);
  otherApp = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(otherPage);
  });
  await new Promise<void>((r) => otherApp.listen(0, 'localhost', r));
  otherOrigin = `http://localhost:${(otherApp.address() as AddressInfo).port}`;

  desk = await browser.newContext({ ...desktop, locale: 'de-DE' });
  page = await openAs(desk, server.baseUrl, 'technik@demo.medreg', '/devices');
  cookie = (await desk.cookies(server.baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
  const list = await fetch(`${server.baseUrl}/trpc/devices.list${q({ q: 'MT-10005' })}`, { headers: { Cookie: cookie } });
  deviceId = ((await list.json()) as { result: { data: { items: { id: string }[] } } }).result.data.items[0]!.id;
});

afterAll(async () => {
  await browser?.close();
  if (otherApp) await new Promise((r) => otherApp.close(r));
  await Promise.all([server?.stop(), httpsServer?.stop()]);
});

describe('writes from another origin', () => {
  it("another intranet application's page cannot use the signed-in browser's cookie to change anything", async () => {
    expect(otherOrigin).not.toBe(server.baseUrl);
    // The browser sends the SameSite=Lax cookie along: the two origins are the same site (only the port differs).
    otherPage = `<!doctype html><title>other</title>
      <form id="logout" method="POST" action="${server.baseUrl}/logout"></form>
      <script>
        fetch('${server.baseUrl}/trpc/devices.setFavourite', {
          method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify({ deviceId: '${deviceId}', favourite: true }),
        }).then(() => { document.title = 'sent'; document.getElementById('logout').submit(); });
      </script>`;
    const other = await desk.newPage();
    const statuses: Record<string, { status: number; cookie: boolean }> = {};
    other.on('response', async (r) => {
      const path = new URL(r.url()).pathname;
      if (r.url().startsWith(server.baseUrl)) statuses[path] = { status: r.status(), cookie: /medreg\.session_token/.test((await r.request().allHeaders()).cookie ?? '') };
    });
    await other.goto(otherOrigin);
    await other.waitForURL(`${server.baseUrl}/logout`);
    expect(statuses['/trpc/devices.setFavourite']).toEqual({ status: 403, cookie: true });
    expect(statuses['/logout']).toEqual({ status: 403, cookie: true });
    expect(await other.textContent('body')).toContain('Cross-site POST form submissions are forbidden');
    await other.close();

    // Nothing changed: no favourite, and the session is still signed in.
    expect(await myDevices()).toBe(0);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/devices');
  });

  it('through the web port, tRPC and auth writes naming another origin get the translated 403; the own origin works', async () => {
    const setFavourite = (origin: string) =>
      fetch(`${server.baseUrl}/trpc/devices.setFavourite`, {
        method: 'POST',
        headers: { Cookie: cookie, Origin: origin, 'Content-Type': 'application/json', 'Accept-Language': 'de' },
        body: JSON.stringify({ deviceId, favourite: true }),
      });
    const refused = await setFavourite(otherOrigin);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: `Abgelehnt: Diese Anfrage kam von einer anderen Website (${otherOrigin}). Änderungen werden nur von Seiten unter ${server.baseUrl} angenommen. Integrationen senden ihre Anfragen ohne Browser oder von dieser Adresse.`,
    });
    const signOut = await fetch(`${server.baseUrl}/api/auth/sign-out`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: otherOrigin, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(signOut.status).toBe(403);
    expect(await myDevices()).toBe(0);

    expect((await setFavourite(server.baseUrl)).status).toBe(200);
    expect(await myDevices()).toBe(1);
  });

  it("a form action posted from another origin is refused by SvelteKit's origin check; from the own origin it runs", async () => {
    const post = (origin: string) =>
      fetch(`${server.baseUrl}/locale`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookie, Origin: origin, Accept: 'text/html', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'locale=en&next=/devices',
      });
    const refused = await post(otherOrigin);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const ok = await post(server.baseUrl);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(/medreg_locale=en/);
  });
});

describe('security headers on every response', () => {
  function expectHeaders(res: Response, what: string, https = false) {
    const h = res.headers;
    expect(h.get('x-frame-options'), what).toBe('DENY');
    expect(h.get('x-content-type-options'), what).toBe('nosniff');
    expect(h.get('referrer-policy'), what).toBe('same-origin');
    expect(h.get('permissions-policy'), what).toMatch(/^camera=\(self\), microphone=\(\), geolocation=\(\)/);
    expect(h.get('strict-transport-security'), what).toBe(https ? 'max-age=31536000' : null);
  }

  /** The page, a redirect, a static script, the API's JSON, a PDF and a refusal, from one server. */
  async function responses(base: string, withCookie: string) {
    const login = await fetch(`${base}/login`);
    const html = await login.clone().text();
    const script = html.match(/\/_app\/immutable\/[^"']+\.js/)![0];
    const out: [string, Response][] = [
      ['login page', login],
      ['redirect to the login', await fetch(`${base}/devices`, { redirect: 'manual' })],
      ['static script', await fetch(`${base}${script}`)],
      ['API JSON', await fetch(`${base}/api/health`)],
      ['refused form post', await fetch(`${base}/login`, { method: 'POST', headers: { Origin: 'http://elsewhere.example', 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=x' })],
    ];
    if (withCookie) out.push(['label PDF', await fetch(`${base}/api/labels.pdf?deviceId=${deviceId}&layout=single`, { headers: { Cookie: withCookie } })]);
    return out;
  }

  it('pages keep their hashed CSP with frame-ancestors none; API, PDF, static files and refusals carry the headers; no HSTS over http', async () => {
    const all = await responses(server.baseUrl, cookie);
    expect(all.map(([what, r]) => [what, r.status])).toEqual([
      ['login page', 200],
      ['redirect to the login', 303],
      ['static script', 200],
      ['API JSON', 200],
      ['refused form post', 403],
      ['label PDF', 200],
    ]);
    for (const [what, res] of all) expectHeaders(res, what);
    const csp = all[0]![1].headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[\w+/=]+'/);
    expect(csp).not.toMatch(/script-src[^;]*('unsafe-inline'| 'unsafe-eval')/);
    expect(all[5]![1].headers.get('content-type')).toBe('application/pdf');
    expect(all[5]![1].headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  });

  it('with an https BASE_URL every response announces HSTS', async () => {
    for (const [what, res] of await responses(httpsServer.baseUrl, '')) expectHeaders(res, what, true);
  });
});

describe('the sign-in form', () => {
  it('keeps what was typed before the page’s scripts arrived (slow hospital Wi-Fi) and signs in with it', async () => {
    const ctx = await browser.newContext({ ...phone, locale: 'de-DE' });
    const early = await ctx.newPage();
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await early.route('**/_app/immutable/**/*.js', async (route) => {
      await held;
      await route.continue();
    });
    await early.goto(`${server.baseUrl}/login`, { waitUntil: 'domcontentloaded' });
    await early.fill('#email', 'pflege@demo.medreg');
    await early.fill('#password', 'demo-passwort');
    release();
    await early.waitForLoadState('networkidle');
    // Hydration has run over the typed fields: they still hold what was typed.
    expect(await early.inputValue('#email')).toBe('pflege@demo.medreg');
    await Promise.all([early.waitForURL((u) => u.pathname === '/'), early.click('main button[type=submit]')]);
    await ctx.close();
  });

  it('counts the form against the per-client limit (3 per 10 s) and says when to try again', async () => {
    const ctx = await browser.newContext({ ...desktop, locale: 'en-GB' });
    const page = await ctx.newPage();
    const messages: string[] = [];
    for (let attempt = 0; attempt < 4 && !messages.at(-1)?.startsWith('Too many'); attempt++) {
      await page.goto(`${server.baseUrl}/login`);
      await login(page, 'manager@demo.medreg', `wrong-${attempt}`);
      messages.push((await page.textContent('main [role=alert]')) ?? '');
    }
    expect(messages[0]).toBe('Email or password is wrong. Check both and try again.');
    expect(messages.at(-1)).toMatch(/^Too many sign-in attempts from this device\. Try again in \d{1,2} seconds?\.$/);
    await shot(page, 'login-rate-limited-desktop-en');
    // The API's sign-in route is closed to this client too: one count for both entry points.
    const api = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.baseUrl },
      body: JSON.stringify({ email: 'manager@demo.medreg', password: 'demo-passwort' }),
    });
    expect(api.status).toBe(429);
    await ctx.close();
  });
});

describe('compressed answers (shared hospital Wi-Fi)', () => {
  /** A GET through plain node:http, so the bytes are those on the wire (fetch would unpack them). */
  const raw = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      httpGet(`${server.baseUrl}${path}`, { headers: { cookie, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });

  it('pages, their data, the API’s JSON and the register’s CSV are gzipped where the browser accepts it, and unpack to the same text', async () => {
    const sizes: string[] = [];
    // The register's CSV is written while it is sent (a stream without a length): it is gzipped as it streams.
    for (const path of ['/devices', '/devices/__data.json', `/trpc/devices.list${q({ pageSize: 50 })}`, '/api/register/devices.csv']) {
      const plain = await raw(path, {});
      const packed = await raw(path, { 'accept-encoding': 'gzip, deflate, br' });
      expect([plain.status, packed.status], path).toEqual([200, 200]);
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      expect(packed.headers['content-encoding'], path).toBe('gzip');
      expect(packed.headers.vary, path).toMatch(/Accept-Encoding/i);
      const text = gunzipSync(packed.body).toString('utf8');
      // The page's nonce-free HTML and the JSON are the same with and without gzip (the list is not changing meanwhile).
      expect(text, path).toBe(plain.body.toString('utf8'));
      expect(packed.body.length, path).toBeLessThan(plain.body.length / 3);
      sizes.push(`${path}: ${plain.body.length} -> ${packed.body.length} bytes`);
    }
    console.log(sizes.join('\n'));
  });

  it('a browser that refuses gzip gets plain text; small answers, PDFs and the pages holding sign-in secrets stay plain', async () => {
    expect((await raw('/devices', { 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding']).toBeUndefined();
    expect((await raw('/api/health', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
    const pdf = await raw(`/api/labels.pdf?deviceId=${deviceId}&layout=single`, { 'accept-encoding': 'gzip' });
    expect([pdf.status, pdf.headers['content-type'], pdf.headers['content-encoding']]).toEqual([200, 'application/pdf', undefined]);
    // The phone sign-in page's QR code holds a sign-in token (a compressed length could give it away: BREACH).
    const sessions = await raw('/account/sessions', { 'accept-encoding': 'gzip' });
    expect([sessions.status, sessions.headers['content-encoding']]).toEqual([200, undefined]);
  });

  it('a page the browser already has is answered 304 when asked with its ETag and gzip accepted', async () => {
    const first = await raw('/devices', { 'accept-encoding': 'gzip' });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"/);
    const again = await raw('/devices', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect([again.status, again.body.length]).toEqual([304, 0]);
  });
});
