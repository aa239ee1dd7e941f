import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDb, migrateToLatest, type Db } from '@medreg/db';
import type { Services } from './context.js';
import { FileStore } from './files/store.server.js';
import { ProgressBoard } from './progress.server.js';
import { seedDemo } from './seed/demo.server.js';
import { createAuth } from './users/auth.server.js';
import { DEFAULT_SESSION_IDLE_MINUTES, idleMinutesFrom } from './users/idle-sessions.js';
import { signInLimitFrom, type SignInLimit } from './users/sign-in-limit.js';

export interface AppConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
  baseUrl: string;
  /** Session signing secret; by default generated once and kept in DATA_DIR. */
  authSecret?: string | undefined;
  /** Seed the demo hospital when the database is empty. */
  seedDemo?: boolean;
  /** Minutes without a request after which a session ends. */
  sessionIdleMinutes?: number;
  /** Sign-in attempts per client address and time. */
  signInLimit?: SignInLimit;
  /** PostgreSQL: send statements that run again as named statements (`PG_NAMED_STATEMENTS=off` turns it off). */
  pgNamedStatements?: boolean;
  now?: () => Date;
}

/** Reads the configuration from the environment, with the documented defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = env.PORT ?? '3000';
  return {
    dataDir: resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    baseUrl: (env.BASE_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    authSecret: env.AUTH_SECRET || undefined,
    seedDemo: env.SEED_DEMO !== 'false',
    sessionIdleMinutes: idleMinutesFrom(env.SESSION_IDLE_MINUTES),
    signInLimit: signInLimitFrom(env.SIGN_IN_RATE_LIMIT),
    pgNamedStatements: env.PG_NAMED_STATEMENTS !== 'off',
  };
}

function persistentSecret(dataDir: string): string {
  const file = join(dataDir, 'auth-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export interface App {
  services: Services;
  database: Db;
  close(): Promise<void>;
}

/** Opens the database, migrates it, seeds the demo hospital if empty, and wires the services. */
export async function startApp(config: AppConfig): Promise<App> {
  mkdirSync(config.dataDir, { recursive: true });
  const database = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, checkpointInBackground: true, namedStatements: config.pgNamedStatements });
  await migrateToLatest(database.db);
  const auth = createAuth({
    authDb: database.authDb,
    dialect: database.dialect,
    baseUrl: config.baseUrl,
    secret: config.authSecret ?? persistentSecret(config.dataDir),
    now: config.now,
    signInLimit: config.signInLimit,
  });
  const services: Services = {
    db: database.db,
    dialect: database.dialect,
    files: new FileStore(config.dataDir),
    progress: new ProgressBoard(config.dataDir),
    auth,
    baseUrl: config.baseUrl,
    now: config.now ?? (() => new Date()),
    sessionIdleMinutes: config.sessionIdleMinutes ?? DEFAULT_SESSION_IDLE_MINUTES,
  };
  if (config.seedDemo) await seedDemo(services);
  return { services, database, close: () => database.close() };
}
