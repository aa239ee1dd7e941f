import { mkdtempSync, rmSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import sharp from 'sharp';
import { expect, inject } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect, Role } from '@medreg/db';
import { createTestDb, seedDay, type TestDb, type TestDbTemplate } from '@medreg/db/testing';
import { translator, type Locale } from '@medreg/i18n';
import type { Context, Services } from './context.js';
import { sessionUser } from './context.js';
import { FileStore } from './files/store.server.js';
import { ProgressBoard } from './progress.server.js';
import { createCaller } from './router.js';
import { DEMO_PASSWORD, demoUsers } from './seed/catalog.js';
import { seedDemo } from './seed/demo.server.js';
import { describeError } from './trpc/describe.js';
import { createAuth } from './users/auth.server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Per dialect a database holding the migrated demo hospital, seeded on `day` (createTestApp copies it). */
    seededDemo: { day: string; templates: Partial<Record<Dialect, TestDbTemplate>> };
  }
}

export interface TestApp {
  services: Services;
  /** A tRPC caller acting as the demo user of that role. */
  as(role: Role, locale?: Locale): Promise<ReturnType<typeof createCaller>>;
  anonymous(locale?: Locale): ReturnType<typeof createCaller>;
  userId(role: Role): Promise<string>;
  /** Signs a demo account in through better-auth and returns its session cookie (`name=value`). */
  sessionCookie(email: string): Promise<string>;
  /** A calibrated test instrument of the demo workshop (or, with `false`, the one past its calibration date). */
  instrumentId(calibrated?: boolean): Promise<string>;
  /**
   * The app as another process of it sees it (node:cluster, or another server): the same database and DATA_DIR,
   * but its own memory, auth instance, file store and progress board objects.
   */
  otherProcess(): Pick<TestApp, 'services' | 'as'>;
  close(): Promise<void>;
}

/** A migrated database of the given dialect with the demo hospital, a temp file store and real auth. */
export async function createTestApp(dialect: Dialect, opts: { now?: () => Date } = {}): Promise<TestApp> {
  // A copy of the hospital testing-setup.ts seeded today, unless the test's clock says another day (seeds count from it).
  const seeded = seededOn(seedDay(opts.now?.() ?? new Date()), dialect);
  return testAppOn(await createTestDb(dialect, seeded), { ...opts, seed: !seeded });
}

function seededOn(day: string, dialect: Dialect): TestDbTemplate | undefined {
  let seeded;
  try {
    seeded = inject('seededDemo');
  } catch {
    return undefined; // outside a test run with the global set-up (a benchmark)
  }
  return seeded?.day === day ? seeded.templates[dialect] : undefined;
}

/** The app on a test database as it is (or seeded with the demo hospital); closing it drops the database. */
export async function testAppOn(db: TestDb, opts: { now?: () => Date; seed: boolean }): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'medreg-files-'));
  const newAuth = () => createAuth({ authDb: db.authDb, dialect: db.dialect, baseUrl: 'http://localhost:3000', secret: 'test-secret-test-secret-test-secret-1234', now: opts.now });
  const services: Services = {
    db: db.db,
    dialect: db.dialect,
    files: new FileStore(dir),
    progress: new ProgressBoard(dir),
    auth: newAuth(),
    baseUrl: 'http://localhost:3000',
    now: opts.now ?? (() => new Date()),
  };
  if (opts.seed) await seedDemo(services);
  // The demo account of the role (ward staff without sign-in share the nurse role).
  const userId = async (role: Role) =>
    (await db.db.selectFrom('users').select('id').where('email', '=', demoUsers.find((u) => u.role === role)!.email).executeTakeFirstOrThrow()).id;
  const context = (on: Services, user: Context['user'], locale: Locale): Context => ({ services: on, user, locale, t: translator(locale) });
  const sessionCookie = async (email: string) => {
    const session = await services.auth.api.signInEmail({ body: { email, password: DEMO_PASSWORD }, returnHeaders: true });
    return session.headers.get('set-cookie')!.split(';')[0]!;
  };
  const cookies = new Map<string, string>();
  const callerAs = (on: Services) =>
    async function as(role: Role, locale: Locale = 'en') {
      const email = demoUsers.find((u) => u.role === role)!.email;
      // A sign-in costs a memory-hard password hash: the role's session is kept while it lasts (a test may end it).
      let cookie = cookies.get(email);
      let user = cookie ? await sessionUser(on, new Headers({ cookie })) : null;
      if (!user) {
        cookie = await sessionCookie(email);
        cookies.set(email, cookie);
        user = await sessionUser(on, new Headers({ cookie }));
      }
      return createCaller(context(on, user, locale));
    };
  return {
    services,
    userId,
    sessionCookie,
    instrumentId: async (calibrated = true) =>
      (await db.db.selectFrom('test_instruments').select('id').where('serial_number', '=', calibrated ? 'ESA615-4471023' : 'PM3-0099812').executeTakeFirstOrThrow()).id,
    as: callerAs(services),
    anonymous: (locale = 'en') => createCaller(context(services, null, locale)),
    otherProcess() {
      const other: Services = { ...services, files: new FileStore(dir), progress: new ProgressBoard(dir), auth: newAuth() };
      return { services: other, as: callerAs(other) };
    },
    async close() {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The message a user reads for a rejected call. */
export async function rejection(p: Promise<unknown>, locale: Locale = 'en') {
  const e = await p.then(() => expect.fail('the call was accepted'), (err: unknown) => err);
  return describeError(e, translator(locale));
}

/** A phone photo that gives away where it was taken. */
export async function jpegWithGps(): Promise<Uint8Array> {
  const img = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } });
  return new Uint8Array(
    await img
      .jpeg()
      .withExif({ IFD0: { Make: 'PhoneCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '50/1 56/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '6/1 57/1 0/1' } })
      .toBuffer(),
  );
}

export const photo = (bytes: Uint8Array, name = 'protocol.jpg') => new File([bytes as BlobPart], name, { type: 'image/jpeg' });

/**
 * Runs statements on the logbook the application can never run (an attacker with the database file or its
 * password): the append-only triggers are off around them.
 */
export async function behindTheBack(db: Kysely<any>, dialect: Dialect, statements: () => Promise<unknown>) {
  if (dialect === 'postgres') {
    await sql`alter table logbook_entries disable trigger logbook_no_update`.execute(db);
    await statements();
    await sql`alter table logbook_entries enable trigger logbook_no_update`.execute(db);
  } else {
    await sql`drop trigger logbook_no_update`.execute(db);
    await sql`drop trigger logbook_no_delete`.execute(db);
    await statements();
    await sql`create trigger logbook_no_update before update on logbook_entries
      begin select raise(abort, 'logbook entries are append-only'); end`.execute(db);
    await sql`create trigger logbook_no_delete before delete on logbook_entries
      begin select raise(abort, 'logbook entries are append-only'); end`.execute(db);
  }
}
