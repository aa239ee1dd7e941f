import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClientIp } from '@medreg/core';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import { testDialects } from '@medreg/db/testing';
import { createApiApp, type ApiApp } from './app.js';

const ORIGIN = 'http://localhost:3000';

/** Each sign-in from its own documentation address, as distinct phones would (3 sign-ins per 10 s per client). */
let clients = 0;

/** The iCal feed over HTTP: a calendar app sends no cookie, only the address with its secret token. */
describe.each(testDialects)('GET /api/calendar/:token on %s', (dialect) => {
  let app: TestApp;
  let api: ApiApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
  });
  afterAll(() => app?.close());

  const send = (path: string, init: RequestInit = {}) => api.fetch(new Request(ORIGIN + path, init));

  async function cookieOf(email: string) {
    const res = await api.fetch(
      withClientIp(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
          body: JSON.stringify({ email, password: 'demo-passwort' }),
        }),
        `198.51.100.${++clients}`,
      ),
    );
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }

  const mutate = (cookie: string, path: string, input?: unknown) =>
    send(`/trpc/${path}`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json', 'Accept-Language': 'en' }, body: JSON.stringify(input ?? {}) });

  it('a technician creates a feed address; fetched without any cookie it is an iCal calendar', async () => {
    const cookie = await cookieOf('technik@demo.medreg');
    const res = await mutate(cookie, 'reminders.createToken');
    expect(res.status).toBe(200);
    const { id, url } = ((await res.json()) as { result: { data: { id: string; url: string } } }).result.data;
    expect(url).toMatch(/^http:\/\/localhost:3000\/api\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    const path = new URL(url).pathname;

    const feed = await send(path);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(feed.headers.get('cache-control')).toBe('no-store');
    const ics = await feed.text();
    expect(ics.startsWith('BEGIN:VCALENDAR')).toBe(true);
    expect(ics.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    expect(ics.match(/BEGIN:VEVENT/g)!.length).toBeGreaterThan(10);
    expect(ics).toMatch(/SUMMARY:Überfällig: [A-Z0-9-]+ · MT-\d+ /);
    expect(ics).toContain('URL;VALUE=URI:http://localhost:3000/d/');
    // Also without the .ics ending, which some calendar apps drop.
    expect((await send(path.replace(/\.ics$/, ''))).status).toBe(200);

    // Revoked: the same address now answers a bare 404.
    const revoke = await mutate(cookie, 'reminders.revokeToken', { id });
    expect(revoke.status).toBe(200);
    const gone = await send(path);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('');
  });

  it('unknown and malformed tokens get a bare 404; nothing else under /api opens without a session', async () => {
    for (const path of [`/api/calendar/${'A'.repeat(43)}.ics`, '/api/calendar/x.ics', '/api/calendar/%00.ics']) {
      const res = await send(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toBe('');
    }
    expect((await send('/api/labels.pdf')).status).toBe(401);
  });

  it('a nurse cannot create a feed address', async () => {
    const before = (await app.services.db.selectFrom('calendar_tokens').select('id').execute()).length;
    const res = await mutate(await cookieOf('pflege@demo.medreg'), 'reminders.createToken');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Your role may not do this.');
    expect((await app.services.db.selectFrom('calendar_tokens').select('id').execute()).length).toBe(before);
  });
});
