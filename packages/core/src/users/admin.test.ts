import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { sessionUser } from '../context.js';
import { createCaller } from '../router.js';
import { DEMO_PASSWORD } from '../seed/catalog.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { initialPassword } from './admin.server.js';
import { passwordProblem } from './password-rules.js';

describe('initial passwords', () => {
  it('are four groups of five readable characters, keep the rules, and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const pw = initialPassword();
      expect(pw).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{5}(-[a-km-np-zA-HJ-NP-Z2-9]{5}){3}$/);
      expect(passwordProblem(pw)).toBeNull();
      seen.add(pw);
    }
    expect(seen.size).toBe(200);
  });
});

/** User management by administrators: list, invite, first sign-in, role and departments, block and unblock. */
describe.each(testDialects)('user management on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  const count = async (table: 'users' | 'access_log' | 'sessions') =>
    Number((await app.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  async function signIn(email: string, password: string) {
    const r = await app.services.auth.api.signInEmail({ body: { email, password }, returnHeaders: true });
    const headers = new Headers({ cookie: r.headers.get('set-cookie')!.split(';')[0]! });
    const user = await sessionUser(app.services, headers);
    return { user, headers, api: createCaller({ services: app.services, user, locale: 'en', t: translator('en') }) };
  }
  const wards = async () => (await (await app.as('admin')).users.departments()).slice(0, 2);

  it('is for administrators only', async () => {
    for (const role of ['manager', 'technician', 'nurse'] as const) {
      const caller = await app.as(role);
      expect((await rejection(caller.users.list({ q: '' }))).code).toBe('FORBIDDEN');
      expect((await rejection(caller.users.invite({ name: 'X', email: 'x@demo.medreg', role: 'nurse', departmentIds: [] }))).code).toBe('FORBIDDEN');
      expect((await rejection(caller.users.block({ id: await app.userId('nurse') }))).code).toBe('FORBIDDEN');
    }
    expect((await rejection(app.anonymous().users.list({ q: '' }))).code).toBe('UNAUTHORIZED');
  });

  it('lists and searches users with role, departments and state, and logs the access', async () => {
    const admin = await app.as('admin');
    const logged = await count('access_log');
    const all = await admin.users.list({ q: '' });
    expect(all.total).toBeGreaterThan(4);
    const nurse = all.users.find((u) => u.email === 'pflege@demo.medreg')!;
    expect(nurse).toMatchObject({ role: 'nurse', blockedAt: null, lockedUntil: null, mustChangePassword: false });
    expect(nurse.departments.length).toBe(2);
    const found = await admin.users.list({ q: 'PFLEGE@demo' });
    expect(found.users.map((u) => u.email)).toEqual(['pflege@demo.medreg']);
    expect((await admin.users.list({ q: '100%_' })).total).toBe(0);
    expect(await count('access_log')).toBe(logged + 3);
    await admin.users.get({ id: nurse.id });
    const last = await app.services.db.selectFrom('access_log').select(['action', 'subject', 'subject_user_id']).where('action', '=', 'users.get').executeTakeFirstOrThrow();
    expect(last).toEqual({ action: 'users.get', subject: `user:${nurse.id}`, subject_user_id: nurse.id });
    // So the person's access log shows it.
    expect((await admin.privacy.accessLog({ subject: 'pflege@demo.medreg' })).rows.map((r) => r.action)).toContain('users.get');
  });

  it('refuses an invite with a taken address, unknown departments or a bad field, and writes nothing', async () => {
    const admin = await app.as('admin');
    const users = await count('users');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'Doppelt', email: 'PFLEGE@demo.medreg', role: 'nurse', departmentIds: [] }, 'email', 'An account with this email address already exists.'],
      [{ name: 'Neu', email: 'neu@demo.medreg', role: 'nurse', departmentIds: [crypto.randomUUID()] }, 'departmentIds', 'Choose departments from the list.'],
      [{ name: 'Neu', email: 'keine-adresse', role: 'nurse', departmentIds: [] }, 'email', 'Enter a valid email address.'],
      [{ name: '', email: 'neu@demo.medreg', role: 'nurse', departmentIds: [] }, 'name', 'This field is required.'],
      [{ name: 'Neu', email: 'neu@demo.medreg', role: 'chief', departmentIds: [] }, 'role', 'Choose one of the offered options.'],
    ];
    for (const [input, field, message] of cases) {
      const r = await rejection(admin.users.invite(input as never));
      expect(r.fieldErrors?.[field], JSON.stringify(input)).toBe(message);
    }
    expect(await count('users')).toBe(users);
  });

  it('invites a user who must replace the initial password before anything else', async () => {
    const admin = await app.as('admin');
    const ws = await wards();
    const { id, initialPassword: pw } = await admin.users.invite({ name: 'Nina Neu', email: ' Nina.Neu@Demo.Medreg ', role: 'nurse', departmentIds: ws.map((w) => w.id) });
    expect((await admin.users.get({ id })).departmentIds.sort()).toEqual(ws.map((w) => w.id).sort());
    const logged = await app.services.db.selectFrom('access_log').select(['action', 'subject', 'subject_user_id']).where('subject_user_id', '=', id).orderBy('action').execute();
    expect(logged).toEqual([
      { action: 'users.get', subject: `user:${id}`, subject_user_id: id },
      { action: 'users.invite', subject: `user:${id}`, subject_user_id: id },
    ]);
    const first = await signIn('nina.neu@demo.medreg', pw);
    expect(first.user).toMatchObject({ id, mustChangePassword: true, role: 'nurse' });
    const refused = await rejection(first.api.devices.list({}));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: 'You signed in with an initial password. Choose your own password before you continue.' });
    // The initial password cannot be kept.
    const same = await rejection(first.api.users.changePassword({ current: pw, next: pw, confirm: pw }));
    expect(same.fieldErrors?.next).toBe('You have used this password recently. Choose one that differs from your last 3 passwords.');
    await first.api.users.changePassword({ current: pw, next: 'Tulpe Fahrrad Nordlicht', confirm: 'Tulpe Fahrrad Nordlicht' });
    await expect(signIn('nina.neu@demo.medreg', pw)).rejects.toThrow();
    const again = await signIn('nina.neu@demo.medreg', 'Tulpe Fahrrad Nordlicht');
    expect(again.user?.mustChangePassword).toBe(false);
    expect((await again.api.devices.list({})).items.length).toBeGreaterThan(0);
  });

  it('changes role and departments; an administrator keeps their own role', async () => {
    const admin = await app.as('admin');
    const id = await app.userId('technician');
    const ws = await wards();
    await admin.users.update({ id, role: 'manager', departmentIds: [ws[0]!.id] });
    const u = await admin.users.get({ id });
    expect(u).toMatchObject({ role: 'manager', departmentIds: [ws[0]!.id] });
    await admin.users.update({ id, role: 'technician', departmentIds: [] });
    const self = await rejection(admin.users.update({ id: await app.userId('admin'), role: 'manager', departmentIds: [] }));
    expect(self.fieldErrors?.role).toBe('You cannot block yourself or take away your own administrator role.');
    expect((await admin.users.get({ id: await app.userId('admin') })).role).toBe('admin');
  });

  it('corrects a name and an e-mail address; an address another account has is refused and nothing changes', async () => {
    const admin = await app.as('admin');
    const { id } = await admin.users.invite({ name: 'Petra Tippfehler', email: 'petra.tipfehler@demo.medreg', role: 'nurse', departmentIds: [] });
    await admin.users.update({ id, name: ' Petra Tippfehler-Groß ', email: 'Petra.Tippfehler@demo.medreg', role: 'nurse', departmentIds: [] });
    expect(await admin.users.get({ id })).toMatchObject({ name: 'Petra Tippfehler-Groß', email: 'petra.tippfehler@demo.medreg' });
    const taken = await rejection(admin.users.update({ id, name: 'Jemand', email: 'technik@demo.medreg', role: 'manager', departmentIds: [] }));
    expect(taken.fieldErrors?.email).toBe('An account with this email address already exists.');
    expect(await admin.users.get({ id })).toMatchObject({ name: 'Petra Tippfehler-Groß', email: 'petra.tippfehler@demo.medreg', role: 'nurse' });
  });

  it('issues a new one-time password for a forgotten one: the old one stops, sessions and a lockout end, the new one must be replaced', async () => {
    const admin = await app.as('admin');
    const { id, initialPassword: first } = await admin.users.invite({ name: 'Vera Vergesslich', email: 'vera@demo.medreg', role: 'nurse', departmentIds: [] });
    const session = await signIn('vera@demo.medreg', first);
    await session.api.users.changePassword({ current: first, next: 'Sonnenblume Gartenhaus', confirm: 'Sonnenblume Gartenhaus' });
    const signedIn = await signIn('vera@demo.medreg', 'Sonnenblume Gartenhaus');
    await app.services.db.updateTable('users').set({ locked_until: new Date(Date.now() + 600_000).toISOString() }).where('id', '=', id).execute();

    const { initialPassword: pw } = await admin.users.resetPassword({ id });
    expect(pw).toMatch(/^[\w]{5}(-[\w]{5}){3}$/);
    expect(await sessionUser(app.services, signedIn.headers)).toBeNull();
    await expect(signIn('vera@demo.medreg', 'Sonnenblume Gartenhaus')).rejects.toThrow();
    const fresh = await signIn('vera@demo.medreg', pw);
    expect(fresh.user?.mustChangePassword).toBe(true);
    // Not for one's own password, nor by anyone but an administrator.
    expect((await rejection(admin.users.resetPassword({ id: await app.userId('admin') }))).message).toMatch(/your own password/);
    expect((await rejection((await app.as('manager')).users.resetPassword({ id }))).code).toBe('FORBIDDEN');
  });

  it('blocks: every session ends at once, sign-in is refused; unblocking lets the person in again', async () => {
    const admin = await app.as('admin');
    const id = await app.userId('nurse');
    await signIn('pflege@demo.medreg', DEMO_PASSWORD);
    const session = await signIn('pflege@demo.medreg', DEMO_PASSWORD);
    await admin.users.block({ id });
    expect(Number((await app.services.db.selectFrom('sessions').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', id).executeTakeFirstOrThrow()).n)).toBe(0);
    expect(session.user?.id).toBe(id);
    expect(await sessionUser(app.services, session.headers)).toBeNull();
    await expect(signIn('pflege@demo.medreg', DEMO_PASSWORD)).rejects.toMatchObject({ body: { code: 'ACCOUNT_BLOCKED' } });
    expect((await admin.users.list({ q: 'pflege@' })).users[0]!.blockedAt).not.toBeNull();
    expect((await rejection(admin.users.block({ id: await app.userId('admin') }))).message).toBe('You cannot block yourself or take away your own administrator role.');
    await admin.users.unblock({ id });
    expect((await signIn('pflege@demo.medreg', DEMO_PASSWORD)).user?.id).toBe(id);
  });

  it('writes every change to an account into the access log with the administrator who made it; a refused one writes nothing', async () => {
    const admin = await app.as('admin');
    const adminId = await app.userId('admin');
    const { id } = await admin.users.invite({ name: 'Rita Rolle', email: 'rita@demo.medreg', role: 'nurse', departmentIds: [] });
    const changes = () =>
      app.services.db.selectFrom('access_log').select(['user_id', 'action']).where('subject_user_id', '=', id).where('action', 'not in', ['users.get', 'users.invite']).orderBy('action').execute();
    await admin.users.update({ id, role: 'manager', departmentIds: [] });
    await admin.users.resetPassword({ id });
    await admin.users.block({ id });
    await admin.users.unblock({ id });
    await rejection(admin.users.update({ id, email: 'technik@demo.medreg', role: 'admin', departmentIds: [] }));
    expect(await changes()).toEqual(
      ['users.block', 'users.reset_password', 'users.unblock', 'users.update'].map((action) => ({ user_id: adminId, action })),
    );
    expect((await admin.users.get({ id })).role).toBe('manager');
  });
});
