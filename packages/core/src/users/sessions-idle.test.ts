import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { createDb, type Database } from '@medreg/db';
import { TEST_PG_URL, testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { createContext, sessionState } from '../context.js';
import { createCaller } from '../router.js';
import { createTestApp, rejection, type TestApp } from '../testing.js';

const sqliteFileOf = async (db: Kysely<Database>) => (await sql<{ name: string; file: string }>`pragma database_list`.execute(db)).rows.find((r) => r.name === 'main')!.file;
const pgUrlOf = async (db: Kysely<Database>) =>
  Object.assign(new URL(TEST_PG_URL), { pathname: `/${(await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]!.name}` }).href;

/** Sessions end after 30 idle minutes (on top of better-auth's 12 h), and "sign out everywhere" ends them all. */
describe.each(testDialects)('sessions on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect);
  });
  afterAll(() => app.close());

  const signIn = async (email: string) => new Headers({ cookie: await app.sessionCookie(email) });
  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
  const sessionRow = (id: string) => app.services.db.selectFrom('sessions').select(['last_active_at', 'expires_at', 'created_at']).where('id', '=', id).executeTakeFirst();

  it('keeps an active session, writing its activity at most once a minute, and never extends the 12 h lifetime', async () => {
    const headers = await signIn('technik@demo.medreg');
    const first = await sessionState(app.services, headers);
    expect(first).toMatchObject({ expired: false, user: { email: 'technik@demo.medreg' } });
    const id = first.user!.sessionId!;
    const initial = (await sessionRow(id))!;
    expect(initial.last_active_at).toBeNull();
    expect(Math.abs(new Date(initial.expires_at).getTime() - new Date(initial.created_at).getTime() - 12 * 3600_000)).toBeLessThan(1000);
    await app.services.db.updateTable('sessions').set({ last_active_at: minutesAgo(29), created_at: minutesAgo(11 * 60) }).where('id', '=', id).execute();
    expect((await sessionState(app.services, headers)).user?.id).toBe(first.user!.id);
    const touched = (await sessionRow(id))!;
    expect(Date.now() - new Date(touched.last_active_at!).getTime()).toBeLessThan(10_000);
    expect(touched.expires_at).toBe(initial.expires_at);
    await sessionState(app.services, headers);
    expect((await sessionRow(id))!.last_active_at).toBe(touched.last_active_at);
  });

  it('does not wait for a long write elsewhere (an import) to note activity: it notes it at the next request', async () => {
    const headers = await signIn('technik@demo.medreg');
    const { user } = await sessionState(app.services, headers);
    const id = user!.sessionId!;
    await app.services.db.updateTable('sessions').set({ last_active_at: minutesAgo(5) }).where('id', '=', id).execute();
    const before = (await sessionRow(id))!.last_active_at;
    // What a CSV import holds while it writes, on a connection of its own.
    const other = createDb(dialect === 'sqlite' ? { sqliteFile: await sqliteFileOf(app.services.db) } : { databaseUrl: await pgUrlOf(app.services.db) });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const importing = other.db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await sql`lock table devices in share row exclusive mode`.execute(trx);
      await trx.updateTable('devices').set({ notes: 'Import läuft' }).where('id', '=', (await trx.selectFrom('devices').select('id').limit(1).executeTakeFirstOrThrow()).id).execute();
      locked();
      await held;
    });
    await holding;
    const t0 = Date.now();
    expect((await sessionState(app.services, headers)).user?.id).toBe(user!.id);
    expect(Date.now() - t0).toBeLessThan(1000);
    release();
    await importing;
    await other.close();
    // SQLite skipped the write while the lock was held; PostgreSQL's sessions were never locked.
    if (dialect === 'sqlite') expect((await sessionRow(id))!.last_active_at).toBe(before);
    await sessionState(app.services, headers);
    expect(Date.now() - new Date((await sessionRow(id))!.last_active_at!).getTime()).toBeLessThan(10_000);
  });

  it('ends a session idle for more than 30 minutes, and says so once', async () => {
    const headers = await signIn('technik@demo.medreg');
    const { user } = await sessionState(app.services, headers);
    await app.services.db.updateTable('sessions').set({ last_active_at: minutesAgo(31) }).where('id', '=', user!.sessionId!).execute();
    const ctx = await createContext(app.services, headers);
    expect(ctx.user).toBeNull();
    expect(ctx.sessionExpired).toBe(true);
    expect(await sessionRow(user!.sessionId!)).toBeUndefined();
    expect(await createContext(app.services, headers)).toMatchObject({ user: null, sessionExpired: false });
  });

  it('takes the idle limit from the configuration', async () => {
    const headers = await signIn('manager@demo.medreg');
    const { user } = await sessionState(app.services, headers);
    await app.services.db.updateTable('sessions').set({ last_active_at: minutesAgo(31) }).where('id', '=', user!.sessionId!).execute();
    expect((await sessionState({ ...app.services, sessionIdleMinutes: 60 }, headers)).user?.id).toBe(user!.id);
    await app.services.db.updateTable('sessions').set({ last_active_at: minutesAgo(6) }).where('id', '=', user!.sessionId!).execute();
    expect((await sessionState({ ...app.services, sessionIdleMinutes: 5 }, headers)).expired).toBe(true);
  });

  it('signs out everywhere: every session of the user ends, other users keep theirs', async () => {
    const phone = await signIn('pflege@demo.medreg');
    const desk = await signIn('pflege@demo.medreg');
    const someoneElse = await signIn('admin@demo.medreg');
    const { user } = await sessionState(app.services, desk);
    const nurse = createCaller({ services: app.services, user, locale: 'en', t: translator('en') });
    expect(await nurse.users.signOutEverywhere()).toEqual({ ended: 2 });
    expect((await sessionState(app.services, phone)).user).toBeNull();
    expect((await sessionState(app.services, desk)).user).toBeNull();
    expect((await sessionState(app.services, someoneElse)).user?.email).toBe('admin@demo.medreg');
    expect((await rejection(app.anonymous().users.signOutEverywhere())).code).toBe('UNAUTHORIZED');
  });
});
