import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { sessionUser } from '../context.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { phoneCodeAccount, redeemPhoneCode, signInWithPhoneCode } from './phone-sign-in.server.js';
import { judgePhoneCode } from './phone-sign-in.js';
import { describeUserAgent } from './sessions.js';

const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const DESK_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';

describe('judgePhoneCode', () => {
  const now = new Date('2026-12-04T10:00:00.000Z');
  const code = (over: Partial<{ expires_at: string; used_at: string | null; blocked_at: string | null }> = {}) => ({
    expires_at: '2026-12-04T10:01:00.000Z',
    used_at: null,
    blocked_at: null,
    ...over,
  });
  it.each([
    ['no such code', undefined, 'unknown'],
    ['unused, a minute left', code(), 'valid'],
    ['a millisecond left', code({ expires_at: '2026-12-04T10:00:00.001Z' }), 'valid'],
    ['expiring this very moment', code({ expires_at: '2026-12-04T10:00:00.000Z' }), 'expired'],
    ['expired', code({ expires_at: '2026-12-04T09:59:00.000Z' }), 'expired'],
    ['used', code({ used_at: '2026-12-04T09:59:30.000Z' }), 'used'],
    ['used and expired: "used" tells more', code({ used_at: '2026-12-04T09:58:30.000Z', expires_at: '2026-12-04T09:59:00.000Z' }), 'used'],
    ['the user was blocked', code({ blocked_at: '2026-12-04T09:59:50.000Z' }), 'blocked'],
    ['blocked and used', code({ blocked_at: '2026-12-04T09:59:50.000Z', used_at: '2026-12-04T09:59:30.000Z' }), 'blocked'],
  ] as const)('%s', (_name, row, expected) => {
    expect(judgePhoneCode(row, now)).toBe(expected);
  });
});

describe('describeUserAgent', () => {
  it.each([
    ['Android phone', PHONE_UA, { browser: 'Chrome', system: 'Android', mobile: true }],
    [
      'iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      { browser: 'Safari', system: 'iPhone', mobile: true },
    ],
    ['Edge on Windows', DESK_UA, { browser: 'Microsoft Edge', system: 'Windows', mobile: false }],
    ['Firefox on a Mac', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0', { browser: 'Firefox', system: 'macOS', mobile: false }],
    ['a program', 'curl/8.5.0', { browser: null, system: null, mobile: false }],
    ['nothing recorded', null, { browser: null, system: null, mobile: false }],
    ['blank', '  ', { browser: null, system: null, mobile: false }],
  ] as const)('%s', (_name, ua, expected) => {
    expect(describeUserAgent(ua)).toEqual(expected);
  });
});

describe.each(testDialects)('phone sign-in and sessions on %s', (dialect) => {
  let app: TestApp;
  let clock = new Date();
  const later = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  const phone = new Headers({ 'user-agent': PHONE_UA });
  const tokenOf = (url: string) => url.split('/login/qr/')[1]!;
  const sessionsOf = async (userId: string) =>
    Number((await app.services.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => clock });
  });
  afterAll(() => app?.close());

  it('a code is 32 random bytes in the QR address, stored only as its SHA-256, valid for two minutes', async () => {
    clock = new Date();
    const tech = await app.as('technician');
    const code = await tech.sessions.phoneCode();
    expect(code.url).toMatch(/^http:\/\/localhost:3000\/login\/qr\/[\w-]{43}$/);
    const token = tokenOf(code.url);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const row = await app.services.db.selectFrom('phone_sign_ins').selectAll().where('id', '=', code.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBe(120_000);
    expect(row.user_id).toBe(await app.userId('technician'));
    expect(await tech.sessions.phoneCodeState({ id: code.id })).toEqual({ state: 'waiting', expiresAt: row.expires_at });
  });

  it('a code taken by a phone whose session is not yet noted on it still shows as waiting, so the list reloads with the phone as a phone', async () => {
    clock = new Date();
    const tech = await app.as('technician');
    const code = await tech.sessions.phoneCode();
    await redeemPhoneCode(app.services, tokenOf(code.url));
    expect(await tech.sessions.phoneCodeState({ id: code.id })).toMatchObject({ state: 'waiting' });
  });

  it('asking whom a code signs in names the account and spends nothing: the code still signs in afterwards', async () => {
    clock = new Date();
    const userId = await app.userId('technician');
    const tech = await app.as('technician');
    const code = await tech.sessions.phoneCode();
    const before = await sessionsOf(userId);

    expect(await phoneCodeAccount(app.services, tokenOf(code.url))).toEqual({ name: 'Tom Techniker' });
    expect(await phoneCodeAccount(app.services, tokenOf(code.url))).toEqual({ name: 'Tom Techniker' });
    expect(await sessionsOf(userId)).toBe(before);
    expect(await tech.sessions.phoneCodeState({ id: code.id })).toMatchObject({ state: 'waiting' });

    await signInWithPhoneCode(app.services, tokenOf(code.url), phone);
    expect(await sessionsOf(userId)).toBe(before + 1);
    // Once used, asking is refused like signing in.
    expect((await rejection(phoneCodeAccount(app.services, tokenOf(code.url)))).message).toMatch(/already been used/);
    expect((await rejection(phoneCodeAccount(app.services, 'x'.repeat(43)))).message).toMatch(/not valid/);
  });

  it('the code signs a phone in once, as the user who showed it; a second use is refused and creates nothing', async () => {
    clock = new Date();
    const userId = await app.userId('manager');
    const manager = await app.as('manager');
    const code = await manager.sessions.phoneCode();
    const before = await sessionsOf(userId);
    later(100);

    const headers = await signInWithPhoneCode(app.services, tokenOf(code.url), phone);
    const cookie = headers.get('set-cookie')!;
    expect(cookie).toMatch(/^medreg\.session_token=[^;]+;.*HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const signedIn = await sessionUser(app.services, new Headers({ cookie: cookie.split(';')[0]! }));
    expect(signedIn?.id).toBe(userId);
    expect(await sessionsOf(userId)).toBe(before + 1);
    expect(await manager.sessions.phoneCodeState({ id: code.id })).toEqual({ state: 'used' });

    const again = await rejection(signInWithPhoneCode(app.services, tokenOf(code.url), phone));
    expect(again.message).toBe('This sign-in code has already been used. Each code signs in one phone once: show a new code on your computer.');
    expect(await sessionsOf(userId)).toBe(before + 1);

    // The list shows the phone as a phone, in plain words.
    const listed = await manager.sessions.list();
    const phoneSession = listed.find((s) => s.byPhoneCode)!;
    expect(phoneSession).toMatchObject({ browser: 'Chrome', system: 'Android', mobile: true });
    expect(JSON.stringify(listed)).not.toMatch(/token/i);
  });

  it('of two phones racing with one code, exactly one is signed in', async () => {
    clock = new Date();
    const userId = await app.userId('admin');
    const code = await (await app.as('admin')).sessions.phoneCode();
    const before = await sessionsOf(userId);
    const results = await Promise.allSettled([0, 1].map(() => signInWithPhoneCode(app.services, tokenOf(code.url), phone)));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await sessionsOf(userId)).toBe(before + 1);
  });

  it('an expired code is refused with what to do; so is a wrong or malformed token', async () => {
    clock = new Date();
    const tech = await app.as('technician');
    const code = await tech.sessions.phoneCode();
    later(120);
    expect((await rejection(signInWithPhoneCode(app.services, tokenOf(code.url), phone))).message).toBe(
      'This sign-in code has expired (codes are valid for two minutes). Show a new code on your computer.',
    );
    expect(await tech.sessions.phoneCodeState({ id: code.id })).toEqual({ state: 'expired' });

    clock = new Date();
    const fresh = await tech.sessions.phoneCode();
    const wrong = tokenOf(fresh.url).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    for (const token of [wrong, 'abc', '', `${tokenOf(fresh.url)}x`]) {
      const refused = await rejection(signInWithPhoneCode(app.services, token, phone), 'de');
      expect(refused.message, token).toBe('Dieser Anmelde-Code ist ungültig. Zeigen Sie am Computer einen neuen Code an und scannen Sie ihn erneut.');
    }
    // The right token still works after the wrong ones.
    expect((await signInWithPhoneCode(app.services, tokenOf(fresh.url), phone)).get('set-cookie')).toMatch(/^medreg\.session_token=/);
  });

  it('showing a new code voids the unused one before it', async () => {
    clock = new Date();
    const tech = await app.as('technician');
    const first = await tech.sessions.phoneCode();
    const second = await tech.sessions.phoneCode();
    expect((await rejection(signInWithPhoneCode(app.services, tokenOf(first.url), phone))).message).toMatch(/^This sign-in code is not valid/);
    expect(await tech.sessions.phoneCodeState({ id: first.id })).toEqual({ state: 'expired' });
    expect(await tech.sessions.phoneCodeState({ id: second.id })).toMatchObject({ state: 'waiting' });
  });

  it('a code of a user blocked after showing it is refused; a blocked user gets no code', async () => {
    clock = new Date();
    const userId = await app.userId('nurse');
    const nurse = await app.as('nurse');
    const code = await nurse.sessions.phoneCode();
    const before = await sessionsOf(userId);
    await app.services.db.updateTable('users').set({ blocked_at: clock.toISOString() }).where('id', '=', userId).execute();
    try {
      expect((await rejection(signInWithPhoneCode(app.services, tokenOf(code.url), phone))).message).toBe('This account is blocked. Ask an administrator.');
      expect(await sessionsOf(userId)).toBe(before);
      const row = await app.services.db.selectFrom('phone_sign_ins').select('used_at').where('id', '=', code.id).executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
      // The caller made before the block still carries the user: the code is refused all the same.
      expect((await rejection(nurse.sessions.phoneCode())).message).toBe('This account is blocked. Ask an administrator.');
    } finally {
      await app.services.db.updateTable('users').set({ blocked_at: null }).where('id', '=', userId).execute();
    }
  });

  it('a user sees only their own codes and sessions, and signs out only their own', async () => {
    clock = new Date();
    const tech = await app.as('technician');
    const manager = await app.as('manager');
    const techCode = await tech.sessions.phoneCode();
    expect(await manager.sessions.phoneCodeState({ id: techCode.id })).toEqual({ state: 'expired' });

    const techSessions = await tech.sessions.list();
    const managerSessions = await manager.sessions.list();
    expect(techSessions.length).toBeGreaterThan(0);
    expect(techSessions.map((s) => s.id).filter((id) => managerSessions.some((m) => m.id === id))).toEqual([]);

    const target = techSessions[0]!;
    const refused = await rejection(manager.sessions.revoke({ sessionId: target.id }));
    expect(refused.message).toBe('That session no longer exists: it was signed out or has expired.');
    expect((await tech.sessions.list()).map((s) => s.id)).toContain(target.id);
  });

  it('signing a phone session out ends it: its cookie no longer signs in', async () => {
    clock = new Date();
    const userId = await app.userId('technician');
    const tech = await app.as('technician');
    const code = await tech.sessions.phoneCode();
    const cookie = (await signInWithPhoneCode(app.services, tokenOf(code.url), phone)).get('set-cookie')!.split(';')[0]!;
    expect((await sessionUser(app.services, new Headers({ cookie })))?.id).toBe(userId);
    const row = await app.services.db.selectFrom('phone_sign_ins').select('session_id').where('id', '=', code.id).executeTakeFirstOrThrow();
    expect(row.session_id).not.toBeNull();
    expect((await tech.sessions.list()).find((s) => s.id === row.session_id)).toMatchObject({ byPhoneCode: true });
    await tech.sessions.revoke({ sessionId: row.session_id! });
    expect(await sessionUser(app.services, new Headers({ cookie }))).toBeNull();
    expect((await tech.sessions.list()).map((s) => s.id)).not.toContain(row.session_id);
    expect((await rejection(tech.sessions.revoke({ sessionId: row.session_id! }))).message).toMatch(/no longer exists/);
  });

  it('refuses malformed input with translated messages', async () => {
    const tech = await app.as('technician', 'de');
    expect((await rejection(tech.sessions.revoke({ sessionId: '' }), 'de')).message).toBe(
      'Diese Sitzung gibt es nicht mehr: Sie wurde abgemeldet oder ist abgelaufen.',
    );
    expect((await rejection(tech.sessions.phoneCodeState({ id: 'nope' }), 'de')).message).toMatch(/^Dieser Anmelde-Code ist ungültig/);
    expect((await rejection(app.anonymous().sessions.list())).message).toBeTruthy();
  });
});
