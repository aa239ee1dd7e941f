import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { startJobs } from '../jobs.server.js';
import { DEMO_PASSWORD } from '../seed/catalog.js';
import { createTestApp, type TestApp } from '../testing.js';
import { CLIENT_IP_HEADER } from './auth.server.js';
import { signInWithPassword } from './sign-in.server.js';

/** Five wrong passwords within 15 minutes lock an account for 15 minutes, in auth.api calls and over HTTP alike. */
describe.each(testDialects)('sign-in lockout on %s', (dialect) => {
  let app: TestApp;
  let clock = new Date('2026-12-04T09:00:00.000Z');
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app.close());
  const minutes = (n: number) => (clock = new Date(clock.getTime() + n * 60_000));
  let clients = 0;
  /** The login form's sign-in, each time from another client address (the per-client rate limit is tested below). */
  const form = (email: string, password: string, locale: 'de' | 'en' = 'en') =>
    signInWithPassword(app.services, { email, password }, { address: `10.1.${dialect.length}.${++clients}`, userAgent: null }, translator(locale), locale);

  /** Signs in through auth.api (as the web login page does): 'ok' or the refusal's code. */
  async function attempt(email: string, password: string): Promise<string> {
    try {
      await app.services.auth.api.signInEmail({ body: { email, password } });
      return 'ok';
    } catch (e) {
      return (e as { body?: { code?: string } }).body?.code ?? 'thrown';
    }
  }

  it('a right password within four wrong ones starts the count again', async () => {
    const email = 'technik@demo.medreg';
    for (let i = 0; i < 4; i++) expect(await attempt(email, `wrong-${i}`)).toBe('INVALID_EMAIL_OR_PASSWORD');
    expect(await attempt(email, DEMO_PASSWORD)).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await attempt(email, `wrong-${i}`)).toBe('INVALID_EMAIL_OR_PASSWORD');
    expect(await attempt(email, DEMO_PASSWORD)).toBe('ok');
  });

  it('wrong passwords spread over more than 15 minutes do not lock', async () => {
    const email = 'manager@demo.medreg';
    for (let i = 0; i < 6; i++) {
      expect(await attempt(email, `wrong-${i}`)).toBe('INVALID_EMAIL_OR_PASSWORD');
      minutes(4);
    }
    expect(await attempt(email, DEMO_PASSWORD)).toBe('ok');
  });

  it('the fifth wrong password locks for 15 minutes; even the right one is refused until then', async () => {
    const email = 'pflege@demo.medreg';
    clock = new Date('2026-12-04T09:30:00.000Z');
    for (let i = 0; i < 4; i++) expect(await attempt(email, `wrong-${i}`)).toBe('INVALID_EMAIL_OR_PASSWORD');
    const lockedAt = clock;
    let refusal: unknown;
    await app.services.auth.api.signInEmail({ body: { email, password: 'wrong-4' } }).catch((e: unknown) => (refusal = e));
    expect((refusal as { body: { code: string; lockedUntil: string } }).body).toMatchObject({
      code: 'ACCOUNT_LOCKED',
      lockedUntil: new Date(lockedAt.getTime() + 15 * 60_000).toISOString(),
    });
    // The login page's message names the end of the lock in the reader's language and time zone.
    expect(await form(email, DEMO_PASSWORD)).toEqual({
      ok: false,
      status: 423,
      message: 'Too many wrong passwords: this account is locked until 4 Dec 2026, 10:45. Try again then, or ask your administrator.',
    });
    expect(await form(email, DEMO_PASSWORD, 'de')).toMatchObject({
      message: 'Zu viele falsche Passwörter: Dieses Konto ist bis 04.12.2026, 10:45 gesperrt. Versuchen Sie es dann erneut oder wenden Sie sich an Ihre Administration.',
    });
    minutes(14);
    expect(await attempt(email, DEMO_PASSWORD)).toBe('ACCOUNT_LOCKED');
    minutes(1);
    expect(await attempt(email, DEMO_PASSWORD)).toBe('ok');
    // Other accounts were never affected.
    expect(await attempt('admin@demo.medreg', DEMO_PASSWORD)).toBe('ok');
  });

  it('locks over HTTP too (the standalone API), counting the account whatever client guesses', async () => {
    const email = 'admin@demo.medreg';
    const post = (password: string, i: number) =>
      app.services.auth.handler(
        new Request('http://localhost:3000/api/auth/sign-in/email', {
          method: 'POST',
          // A different client each time: the per-client rate limit stays out of the way, the account count does not.
          headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', [CLIENT_IP_HEADER]: `10.0.0.${i}` },
          body: JSON.stringify({ email, password }),
        }),
      );
    for (let i = 0; i < 4; i++) expect((await post('wrong', i)).status).toBe(401);
    // The attempt that locks keeps the status of a wrong password (better-auth keeps the endpoint's) and says why.
    const res = await post('wrong', 4);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'ACCOUNT_LOCKED', lockedUntil: new Date(clock.getTime() + 15 * 60_000).toISOString() });
    const locked = await post(DEMO_PASSWORD, 5);
    expect(locked.status).toBe(423);
    expect((await locked.json()).code).toBe('ACCOUNT_LOCKED');
  });

  it('refuses a blocked account with its own message, even with the right password', async () => {
    const email = 'technik@demo.medreg';
    await app.services.db.updateTable('users').set({ blocked_at: clock.toISOString() }).where('email', '=', email).execute();
    expect(await form(email, DEMO_PASSWORD)).toEqual({ ok: false, status: 403, message: 'This account is blocked. Ask your administrator.' });
    await app.services.db.updateTable('users').set({ blocked_at: null }).where('email', '=', email).execute();
  });

  it('an unknown address is answered as an account is: a wrong password four times, then locked for 15 minutes', async () => {
    const email = 'nobody@demo.medreg';
    clock = new Date('2026-12-04T12:00:00.000Z');
    expect(await form(email, 'wrong')).toEqual({ ok: false, status: 401, message: 'Email or password is wrong. Check both and try again.' });
    for (let i = 0; i < 3; i++) expect(await attempt('Nobody@Demo.Medreg', 'wrong')).toBe('INVALID_EMAIL_OR_PASSWORD');
    expect(await attempt(email, 'wrong')).toBe('ACCOUNT_LOCKED');
    expect(await form(email, 'wrong')).toEqual({
      ok: false,
      status: 423,
      message: 'Too many wrong passwords: this account is locked until 4 Dec 2026, 13:15. Try again then, or ask your administrator.',
    });
    // Only a keyed hash of the address is kept, and only as long as it matters.
    const rows = await app.services.db.selectFrom('unknown_sign_in_failures').selectAll().execute();
    expect(rows.length).toBe(5);
    expect(JSON.stringify(rows)).not.toMatch(/nobody/i);
    minutes(15);
    expect(await attempt(email, 'wrong')).toBe('INVALID_EMAIL_OR_PASSWORD');
    minutes(31);
    await startJobs(app.services, { intervalMs: 3_600_000 }).stop();
    expect(await app.services.db.selectFrom('unknown_sign_in_failures').selectAll().execute()).toEqual([]);
  });

  it('the login form counts against the per-client rate limit of the sign-in route: three in ten seconds', async () => {
    minutes(16); // past the lock an earlier test left on this account
    const client = { address: `10.2.${dialect.length}.1`, userAgent: 'phone' };
    const viaForm = (password: string) =>
      signInWithPassword(app.services, { email: 'admin@demo.medreg', password }, client, translator('de'), 'de');
    const viaApi = () =>
      app.services.auth.handler(
        new Request('http://localhost:3000/api/auth/sign-in/email', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://localhost:3000', [CLIENT_IP_HEADER]: client.address },
          body: JSON.stringify({ email: 'admin@demo.medreg', password: 'wrong' }),
        }),
      );
    expect(await viaForm('wrong')).toMatchObject({ status: 401 });
    expect((await viaApi()).status).toBe(401);
    const signedIn = await viaForm(DEMO_PASSWORD);
    expect(signedIn.ok).toBe(true);
    expect(signedIn.ok && signedIn.headers.getSetCookie().some((c) => c.startsWith('medreg.session_token='))).toBe(true);
    // The fourth attempt of this client within ten seconds is refused before the password is looked at.
    const refused = await viaForm(DEMO_PASSWORD);
    expect(refused).toMatchObject({ ok: false, status: 429 });
    expect(!refused.ok && refused.message).toMatch(/^Zu viele Anmeldeversuche von diesem Gerät\. Bitte in \d{1,2} Sekunden? erneut versuchen\.$/);
    expect((await viaApi()).status).toBe(429);
    // Another client is not held up.
    expect((await signInWithPassword(app.services, { email: 'admin@demo.medreg', password: DEMO_PASSWORD }, { address: `10.2.${dialect.length}.2`, userAgent: null }, translator('en'), 'en')).ok).toBe(true);
  });
});
