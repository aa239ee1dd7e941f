import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { sessionState } from '../context.js';
import { createTestApp, type TestApp } from '../testing.js';
import { CLIENT_IP_HEADER, withClientIp } from './auth.server.js';
import { cookieValue, verifiedCookieValue } from './session-cookie.server.js';

describe('cookieValue', () => {
  it.each([
    ['a=1; b=2', 'b', '2'],
    ['a=1;b=2', 'b', '2'],
    [' b = x%3Dy%2F ', 'b', 'x=y/'],
    ['b=first; b=second', 'b', 'first'],
    ['b="quoted"', 'b', 'quoted'],
    ['bb=1; b=2', 'b', '2'],
    ['b=%E0%A4%A', 'b', '%E0%A4%A'],
    ['a=1', 'b', null],
    ['', 'b', null],
    [null, 'b', null],
  ])('%j, %s → %j', (header, name, expected) => expect(cookieValue(header, name)).toBe(expected));
});

describe('verifiedCookieValue', () => {
  // HMAC-SHA256("token", key "secret"), base64: what better-call appends.
  const signed = 'token.6UERDj0r/oJiHw4+FDRzDXMF0QbF9oyHFl0LJ6RhGko=';
  it.each([
    [signed, 'token'],
    [signed.replace('token', 'tokem'), null],
    [signed.slice(0, -2) + 'A=', null],
    ['token.', null],
    ['.6UERDj0r/oJiHw4+FDRzDXMF0QbF9oyHFl0LJ6RhGko=', null],
    ['token', null],
    ['', null],
  ])('%s → %j', (raw, expected) => expect(verifiedCookieValue(raw, 'secret')).toBe(expected));
});

describe('withClientIp', () => {
  const ip = (url: string, headers: Record<string, string> = {}) => withClientIp(new Request(url, { headers }), '10.1.2.3').headers.get(CLIENT_IP_HEADER);
  it.each([
    ['http://x/api/auth/sign-in/email', {}, '10.1.2.3'],
    ['http://x/api/auth/sign-in/email', { [CLIENT_IP_HEADER]: '1.1.1.1' }, '10.1.2.3'],
    ['http://x/trpc/devices.get', { [CLIENT_IP_HEADER]: '1.1.1.1' }, '10.1.2.3'],
    ['http://x/trpc/devices.get', {}, null],
    ['http://x/api/auth', {}, null],
    ['http://x/trpc/x?next=/api/auth/', {}, null],
  ])('%s %j → %j', (url, headers, expected) => expect(ip(url, headers)).toBe(expected));
});

/** The session check every request makes must agree with better-auth's own `getSession` on every kind of cookie. */
describe.each(testDialects)('session check on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  const signIn = (email: string) => app.sessionCookie(email);
  async function both(cookie: string) {
    const headers = new Headers({ cookie });
    const theirs = await app.services.auth.api.getSession({ headers });
    const ours = await sessionState(app.services, headers);
    return { theirs: theirs ? { user: theirs.user.id, session: theirs.session.id } : null, ours: ours.user ? { user: ours.user.id, session: ours.user.sessionId } : null };
  }

  it('reads a valid cookie as better-auth does, with the person and their departments', async () => {
    const cookie = await signIn('pflege@demo.medreg');
    const { theirs, ours } = await both(cookie);
    expect(theirs).not.toBeNull();
    expect(ours).toEqual(theirs);
    const { user } = await sessionState(app.services, new Headers({ cookie: `medreg_locale=en; ${cookie}` }));
    const departments = await app.services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', user!.id).execute();
    expect(user!.departmentIds.sort()).toEqual(departments.map((d) => d.department_id).sort());
    expect(user!.departmentIds.length).toBeGreaterThan(0);
  });

  it('refuses what better-auth refuses: a changed token, a changed signature, no signature, another name', async () => {
    const cookie = await signIn('technik@demo.medreg');
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))];
    const dot = value.lastIndexOf('.');
    const token = value.slice(0, dot);
    const signature = value.slice(dot + 1);
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      `${name}=${encodeURIComponent(`${flip(token)}.${signature}`)}`,
      `${name}=${encodeURIComponent(`${token}.${flip(signature)}`)}`,
      `${name}=${encodeURIComponent(token)}`,
      `other.session_token=${encodeURIComponent(value)}`,
    ]) {
      const { theirs, ours } = await both(forged);
      expect({ forged, theirs }).toEqual({ forged, theirs: null });
      expect({ forged, ours }).toEqual({ forged, ours: null });
    }
  });

  it('ends a session past its lifetime and refuses a blocked person', async () => {
    const cookie = await signIn('manager@demo.medreg');
    const id = (await sessionState(app.services, new Headers({ cookie }))).user!.sessionId!;
    await app.services.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
    expect(await sessionState(app.services, new Headers({ cookie }))).toEqual({ user: null, expired: false });
    expect(await app.services.db.selectFrom('sessions').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();

    const other = await signIn('technik@demo.medreg');
    const technician = (await sessionState(app.services, new Headers({ cookie: other }))).user!;
    await app.services.db.updateTable('users').set({ blocked_at: new Date().toISOString() }).where('id', '=', technician.id).execute();
    try {
      expect((await sessionState(app.services, new Headers({ cookie: other }))).user).toBeNull();
    } finally {
      await app.services.db.updateTable('users').set({ blocked_at: null }).where('id', '=', technician.id).execute();
    }
  });
});
