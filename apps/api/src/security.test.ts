import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from './app.js';
import { fromAnotherOrigin, securityHeaders } from './security.js';

const ORIGIN = 'http://localhost:3000';
const EVIL = 'http://intranet-tool.example';

describe('fromAnotherOrigin', () => {
  it.each([
    ['no browser headers (a program)', {}, false],
    ['own origin', { origin: ORIGIN }, false],
    ['own origin, same-origin fetch', { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }, false],
    ['only Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }, false],
    ['another origin', { origin: EVIL }, true],
    ['another origin, cross-site fetch', { origin: EVIL, 'sec-fetch-site': 'cross-site' }, true],
    ['a sibling host of the same site', { origin: 'http://localhost:4000', 'sec-fetch-site': 'same-site' }, true],
    ['an opaque origin (sandboxed frame, data: page)', { origin: 'null' }, true],
    ['only Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, true],
    ['own host over https instead of http', { origin: 'https://localhost:3000' }, true],
  ])('%s', (_name, headers, expected) => {
    expect(fromAnotherOrigin(new Headers(headers), ORIGIN)).toBe(expected);
  });
});

describe('securityHeaders', () => {
  it('sends HSTS only when the app is reached over https', () => {
    expect(securityHeaders('https://medreg.klinikum.example')['Strict-Transport-Security']).toBe('max-age=31536000');
    expect(securityHeaders('http://medreg.intranet:3000')).not.toHaveProperty('Strict-Transport-Security');
  });
});

describe.each(testDialects)('cross-origin requests on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  let clients = 0;
  let cookie = '';
  let userId = '';
  let deviceId = '';

  const send = (path: string, init: RequestInit = {}) =>
    api.fetch(withClientIp(new Request(ORIGIN + path, init), `198.51.100.${++clients}`));
  const favourites = async () =>
    Number((await app.services.db.selectFrom('favourites').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);
  const setFavourite = (headers: Record<string, string>, body: BodyInit = JSON.stringify({ deviceId, favourite: true })) =>
    send('/trpc/devices.setFavourite', { method: 'POST', headers: { Cookie: cookie, ...headers }, body });

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    const res = await send('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
      body: JSON.stringify({ email: 'technik@demo.medreg', password: 'demo-passwort' }),
    });
    expect(res.status).toBe(200);
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    userId = await app.userId('technician');
    deviceId = (await app.services.db.selectFrom('devices').select('id').where('inventory_number', '=', 'MT-10005').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => app?.close());

  it('a tRPC mutation from another origin with a valid session cookie changes nothing and gets a translated 403', async () => {
    const json = { 'Content-Type': 'application/json' };
    for (const [lang, headers] of [
      ['en', { ...json, Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Accept-Language': 'en' }],
      ['de', { ...json, Origin: EVIL, 'Accept-Language': 'de' }],
      // A "simple" request a foreign page can send without a CORS preflight.
      ['en', { 'Content-Type': 'text/plain', Origin: EVIL, 'Accept-Language': 'en' }],
    ] as const) {
      const res = await setFavourite(headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const { error } = (await res.json()) as { error: string };
      expect(error).toBe(
        lang === 'de'
          ? `Abgelehnt: Diese Anfrage kam von einer anderen Website (${EVIL}). Änderungen werden nur von Seiten unter ${ORIGIN} angenommen. Integrationen senden ihre Anfragen ohne Browser oder von dieser Adresse.`
          : `Refused: this request came from another website (${EVIL}). Changes are accepted only from pages of ${ORIGIN}. Integrations send their requests without a browser, or from that address.`,
      );
    }
    expect(await favourites()).toBe(0);
  });

  it('a multipart form naming no origin is refused as a browser form would be; from the own origin it passes', async () => {
    const form = () => {
      const fd = new FormData();
      fd.set('deviceId', deviceId);
      fd.set('favourite', 'true');
      return fd;
    };
    const refused = await setFavourite({ 'Accept-Language': 'en' }, form());
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^Refused: this request came from another website \(unknown address\)/);
    expect(await favourites()).toBe(0);
  });

  it('the same mutation from the own origin, or from a program sending JSON without browser headers, works', async () => {
    const ok = await setFavourite({ 'Content-Type': 'application/json', Origin: ORIGIN, 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(200);
    expect(await favourites()).toBe(1);
    const program = await setFavourite({ 'Content-Type': 'application/json' }, JSON.stringify({ deviceId, favourite: false }));
    expect(program.status).toBe(200);
    expect(await favourites()).toBe(0);
  });

  it('sign-in and sign-out from another origin are refused; the session stays valid', async () => {
    const signIn = await send('/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: EVIL },
      body: JSON.stringify({ email: 'technik@demo.medreg', password: 'demo-passwort' }),
    });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.get('set-cookie')).toBeNull();
    const signOut = await send('/api/auth/sign-out', { method: 'POST', headers: { Cookie: cookie, Origin: EVIL, 'Content-Type': 'application/json' }, body: '{}' });
    expect(signOut.status).toBe(403);
    const me = await send('/trpc/users.me', { headers: { Cookie: cookie } });
    expect(((await me.json()) as { result: { data: { id: string } } }).result.data.id).toBe(userId);
  });

  it('every other /api write is refused before its route runs; reading from another origin is not a change', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await send('/api/files/anything', { method, headers: { Cookie: cookie, Origin: EVIL, 'Content-Type': 'application/json' }, body: '{}' });
      expect(res.status, method).toBe(403);
    }
    const read = await send('/api/health', { headers: { Origin: EVIL } });
    expect(read.status).toBe(200);
  });

  /** What every API response must carry, whatever it is. */
  function expectSecurityHeaders(res: Response, what: string, https = false) {
    const h = res.headers;
    expect(h.get('x-frame-options'), what).toBe('DENY');
    expect(h.get('content-security-policy'), what).toBe("frame-ancestors 'none'");
    expect(h.get('x-content-type-options'), what).toBe('nosniff');
    expect(h.get('referrer-policy'), what).toBe('same-origin');
    expect(h.get('permissions-policy'), what).toMatch(/^camera=\(self\), microphone=\(\), geolocation=\(\)/);
    // Only features Chromium recognises (an unknown one is a console warning on every page).
    expect(h.get('permissions-policy'), what).not.toMatch(/bluetooth/);
    expect(h.get('strict-transport-security'), what).toBe(https ? 'max-age=31536000' : null);
  }

  it('every kind of API response carries the security headers; HSTS only with an https BASE_URL', async () => {
    const pdf = await send(`/api/labels.pdf?deviceId=${deviceId}&layout=single`, { headers: { Cookie: cookie } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const responses: [string, Response][] = [
      ['health JSON', await send('/api/health')],
      ['tRPC query', await send('/trpc/users.me', { headers: { Cookie: cookie } })],
      ['label PDF', pdf],
      ['401 without a session', await send('/api/files/x')],
      ['404', await send('/nothing-here')],
      ['cross-origin 403', await setFavourite({ 'Content-Type': 'application/json', Origin: EVIL })],
      ['auth endpoint', await send('/api/auth/get-session', { headers: { Cookie: cookie } })],
    ];
    for (const [what, res] of responses) expectSecurityHeaders(res, what);

    const overHttps = createApiApp({ ...app.services, baseUrl: 'https://medreg.klinikum.example' });
    const health = await overHttps.fetch(new Request('https://medreg.klinikum.example/api/health'));
    expect(health.status).toBe(200);
    expectSecurityHeaders(health, 'health over https', true);
  });
});
