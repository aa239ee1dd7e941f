import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createCaller } from '../router.js';
import { sessionUser } from '../context.js';
import { DEMO_PASSWORD } from '../seed/catalog.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { translator } from '@medreg/i18n';

/** Changing one's own password through the API: the rules, the history of three, other sessions ended. */
describe.each(testDialects)('passwords on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  /** Signs the technician in with a password; the session cookie, or the error better-auth gave. */
  async function signIn(password: string) {
    const r = await app.services.auth.api.signInEmail({ body: { email: 'technik@demo.medreg', password }, returnHeaders: true });
    return r.headers.get('set-cookie')!.split(';')[0]!;
  }
  async function callerFor(cookie: string) {
    const user = await sessionUser(app.services, new Headers({ cookie }));
    return createCaller({ services: app.services, user, locale: 'en', t: translator('en') });
  }
  const history = async (userId: string) =>
    Number((await app.services.db.selectFrom('password_history').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);

  it('refuses a wrong current password, a rule break or a mismatch, and changes nothing', async () => {
    const tech = await callerFor(await signIn(DEMO_PASSWORD));
    const account = app.services.db.selectFrom('accounts').select('password').where('user_id', '=', await app.userId('technician'));
    const hashBefore = (await account.executeTakeFirstOrThrow()).password;
    const cases: [Record<string, string>, string, string][] = [
      [{ current: 'wrong-password', next: 'Kaffee Stethoskop Laterne', confirm: 'Kaffee Stethoskop Laterne' }, 'current', 'The current password is wrong. Type the password you signed in with.'],
      [{ current: DEMO_PASSWORD, next: 'kurz', confirm: 'kurz' }, 'next', 'Use at least 12 characters. A few unrelated words make a long password that is easy to remember.'],
      [{ current: DEMO_PASSWORD, next: 'password1234', confirm: 'password1234' }, 'next', 'This password is on a list of passwords that are widely used or were published in data breaches (also with digits or symbols added). Choose another one.'],
      [{ current: DEMO_PASSWORD, next: 'Tim Technik Werkstatt', confirm: 'Tim Technik Werkstatt' }, 'next', 'Do not use your name, the name part of your email address or the name of this application in your password.'],
      [{ current: DEMO_PASSWORD, next: 'Kaffee Stethoskop Laterne', confirm: 'Kaffee Stethoskop Lampe' }, 'confirm', 'The two new passwords differ. Type the same new password twice.'],
      [{ current: DEMO_PASSWORD, next: DEMO_PASSWORD, confirm: DEMO_PASSWORD }, 'next', 'You have used this password recently. Choose one that differs from your last 3 passwords.'],
    ];
    for (const [input, field, message] of cases) {
      const r = await rejection(tech.users.changePassword(input as never));
      expect(r.fieldErrors?.[field], JSON.stringify(input)).toBe(message);
    }
    expect((await account.executeTakeFirstOrThrow()).password).toBe(hashBefore);
    expect(await signIn(DEMO_PASSWORD)).toMatch(/^medreg\.session_token=/);
  });

  it('changes the password, ends the other sessions, and refuses the last three passwords', async () => {
    const userId = await app.userId('technician');
    const other = await signIn(DEMO_PASSWORD);
    const mine = await signIn(DEMO_PASSWORD);
    const tech = await callerFor(mine);
    const pw = ['Kaffee Stethoskop Laterne', 'Birke Anker Zimtstern 7', 'Leuchtturm Pinsel Quarz'];
    await tech.users.changePassword({ current: DEMO_PASSWORD, next: pw[0]!, confirm: pw[0]! });
    expect(await sessionUser(app.services, new Headers({ cookie: other }))).toBeNull();
    expect((await sessionUser(app.services, new Headers({ cookie: mine })))?.id).toBe(userId);
    await expect(signIn(DEMO_PASSWORD)).rejects.toThrow();
    await tech.users.changePassword({ current: pw[0]!, next: pw[1]!, confirm: pw[1]! });
    await tech.users.changePassword({ current: pw[1]!, next: pw[2]!, confirm: pw[2]! });
    expect(await history(userId)).toBe(3);
    // The current one and the two before are refused; the history keeps three hashes.
    for (const again of pw) {
      const r = await rejection(tech.users.changePassword({ current: pw[2]!, next: again, confirm: again }));
      expect(r.fieldErrors?.next).toBe('You have used this password recently. Choose one that differs from your last 3 passwords.');
    }
    // A fourth password pushes the first out of the history: it may come back.
    await tech.users.changePassword({ current: pw[2]!, next: 'Regenschirm Kompass Dattel', confirm: 'Regenschirm Kompass Dattel' });
    expect(await history(userId)).toBe(3);
    await tech.users.changePassword({ current: 'Regenschirm Kompass Dattel', next: pw[0]!, confirm: pw[0]! });
    expect(await signIn(pw[0]!)).toMatch(/^medreg\.session_token=/);
  });

  it('keeps better-auth’s own password endpoints closed (they would skip the rules)', async () => {
    const cookie = await signIn('Kaffee Stethoskop Laterne');
    await expect(
      app.services.auth.api.changePassword({ body: { currentPassword: 'Kaffee Stethoskop Laterne', newPassword: 'abcdefghijkl' }, headers: new Headers({ cookie }) }),
    ).rejects.toThrow(/application/);
    const res = await app.services.auth.handler(
      new Request('http://localhost:3000/api/auth/change-password', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({ currentPassword: 'Kaffee Stethoskop Laterne', newPassword: 'abcdefghijkl' }),
      }),
    );
    expect(res.status).toBe(403);
    expect(await signIn('Kaffee Stethoskop Laterne')).toMatch(/^medreg\.session_token=/);
  });

  it('closes every better-auth endpoint the application does not use: a nurse cannot rename herself', async () => {
    const nurseId = await app.userId('nurse');
    const nameOf = async () => (await app.services.db.selectFrom('users').select('name').where('id', '=', nurseId).executeTakeFirstOrThrow()).name;
    const name = await nameOf();
    const cookie = await app.sessionCookie('pflege@demo.medreg');
    const send = (method: string, path: string, body?: unknown) =>
      app.services.auth.handler(
        new Request(`http://localhost:3000/api/auth${path}`, {
          method,
          headers: { cookie, 'content-type': 'application/json', origin: 'http://localhost:3000' },
          body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
        }),
      );

    const rename = await send('POST', '/update-user', { name: 'Dr. Paula Pflege, Chefärztin' });
    expect(rename.status).toBe(403);
    expect(((await rename.json()) as { code?: string }).code).toBe('USE_THE_APP');
    await expect(app.services.auth.api.updateUser({ body: { name: 'Dr. Paula Pflege' }, headers: new Headers({ cookie }) })).rejects.toThrow(/application/);
    expect(await nameOf()).toBe(name);

    // Closed by default: every endpoint better-auth routes, except the few the application uses, answers 403 before
    // it runs (whatever its body), so an endpoint a better-auth update adds is closed too.
    const open = new Set(['/sign-in/email', '/sign-out', '/get-session', '/sign-in/phone-code']);
    const refused: string[] = [];
    for (const endpoint of Object.values(app.services.auth.api) as { path?: string; options?: { method?: string | string[]; metadata?: { SERVER_ONLY?: boolean } } }[]) {
      if (!endpoint.path || open.has(endpoint.path) || endpoint.options?.metadata?.SERVER_ONLY) continue;
      const method = [endpoint.options?.method].flat()[0];
      const res = await send(method === 'GET' ? 'GET' : 'POST', endpoint.path.replace(/:\w+/g, 'x'));
      const code = ((await res.json().catch(() => null)) as { code?: string } | null)?.code;
      if (res.status !== 403 || code !== 'USE_THE_APP') refused.push(`${endpoint.path}: ${res.status} ${code}`);
    }
    expect(refused).toEqual([]);
    for (const path of ['/update-user', '/update-session', '/delete-user', '/change-email', '/list-sessions', '/revoke-sessions'])
      expect(Object.values(app.services.auth.api).some((e) => (e as { path?: string }).path === path), path).toBe(true);

    // The endpoints the application uses still answer: the session is intact, and signs out.
    const session = await send('GET', '/get-session');
    expect(((await session.json()) as { user?: { id: string; name: string } }).user).toMatchObject({ id: nurseId, name });
    expect((await send('POST', '/sign-out')).status).toBe(200);
    expect(await sessionUser(app.services, new Headers({ cookie }))).toBeNull();
  });

  it('refuses anonymous callers', async () => {
    const r = await rejection(app.anonymous().users.changePassword({ current: 'x', next: 'Kaffee Stethoskop Laterne', confirm: 'Kaffee Stethoskop Laterne' }));
    expect(r.code).toBe('UNAUTHORIZED');
  });
});
