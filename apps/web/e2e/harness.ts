import { inject } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createDb, type Db } from '@medreg/db';
import { createPgDatabase, freePort, seedDay } from '@medreg/db/testing';
import { serve, serverProcesses, webRoot } from './serve.js';

export { webRoot };

/** The database the suite runs on: `E2E_DATABASE=postgres` gives every server a fresh database on the test server. */
export const e2eDatabase = process.env.E2E_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
/** The pass that checks every look in every size and language and keeps its screenshots: SQLite, one process. */
export const mainPass = e2eDatabase === 'sqlite' && serverProcesses <= 1;
/** Screenshots and downloads; the other passes (which `npm run test:e2e` runs alongside) keep theirs apart. */
export const shotsDir = join(webRoot, 'test-results', ...(e2eDatabase === 'postgres' ? ['postgres'] : mainPass ? [] : ['processes']));
mkdirSync(shotsDir, { recursive: true });


export interface Server {
  baseUrl: string;
  dataDir: string;
  /** The server's PostgreSQL database, when the suite runs on PostgreSQL. */
  databaseUrl: string | undefined;
  /** A connection of the test's own to the server's database (SQLite file or PostgreSQL); close it after use. */
  openDb(): Db;
  stop(): Promise<void>;
}

/** Servers this spec file started: stopped after it even when its own set-up failed before it could keep them. */
const started = new Set<Server>();
let specDone = false;
/**
 * Called by setup.ts around every spec file. The files share this module (vitest `isolate: false`: loading
 * playwright and the database drivers again for each of 22 files cost a pass a minute of a busy CI host).
 */
export const specFile = {
  begin() {
    specDone = false;
  },
  async end() {
    specDone = true;
    for (const server of started) await server.stop();
  },
};

/** Starts the built app exactly as `npm start` serves it, on a free port with its own data directory (and database). */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'medreg-e2e-'));
  const baseUrl = `http://localhost:${port}`;
  // The demo hospital as global-setup.ts seeded it for this pass, unless the day changed since (due dates count from it).
  const template = inject('e2eTemplate');
  const seeded = template?.day === seedDay() ? template : undefined;
  if (seeded) cpSync(seeded.dataDir, dataDir, { recursive: true });
  const pgDb = e2eDatabase === 'postgres' ? await createPgDatabase('medreg_e2e', seeded?.database) : undefined;
  const databaseUrl = pgDb?.url;
  if (specDone) {
    // The spec ended (its set-up failed) while this database was being made: start nothing.
    rmSync(dataDir, { recursive: true, force: true });
    await pgDb?.drop();
    throw new Error('the spec ended before its server started');
  }
  // With several processes (MEDREG_PROCESSES, the e2e-both.sh pass that runs the specs whose state they share):
  // ready once all of them listen, so that requests are spread over them.
  const processes = Number(extraEnv.MEDREG_PROCESSES ?? serverProcesses);
  const serving = serve({ PORT: String(port), DATA_DIR: dataDir, BASE_URL: baseUrl, DATABASE_URL: databaseUrl ?? '', ...extraEnv }, processes);
  let stopping: Promise<void> | undefined;
  const server: Server = {
    baseUrl,
    dataDir,
    databaseUrl,
    openDb: () => createDb({ databaseUrl, dataDir }),
    // Once, however often it is called (by the spec, by a failed start, by setup.ts after the spec file).
    stop: () =>
      (stopping ??= (async () => {
        started.delete(server);
        await serving.stop();
        rmSync(dataDir, { recursive: true, force: true });
        await pgDb?.drop();
      })()),
  };
  // Kept from the start: a spec whose set-up fails while this server is still starting must not leave it running.
  started.add(server);
  try {
    await serving.ready(() => stopping !== undefined);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Debian's Chromium, never a downloaded browser (STACK.md). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * A phone's viewport, drawn at 1x in every pass: at its real density (2x) the main pass cost 12 % more CPU (measured on
 * two specs), which CI's 30 minutes on a slow 2-core host cannot spare; the layout is the same.
 */
export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
export const desktop = { viewport: { width: 1280, height: 800 } };

/** Signs in on the login page the browser is on; waits until it leaves /login or shows an error. */
export async function login(page: Page, email: string, password = 'demo-passwort') {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await Promise.race([page.waitForURL((u) => u.pathname !== '/login'), page.waitForSelector('main [role=alert]')]);
}

/** A new page of the context at `path`, signing in first if the app asks (login returns to `path`). */
export async function openAs(ctx: BrowserContext, baseUrl: string, email: string, path: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${baseUrl}${path}`);
  if (new URL(page.url()).pathname === '/login') {
    await login(page, email);
    if (new URL(page.url()).pathname === '/login') throw new Error(`${email} was not signed in: ${await page.textContent('main [role=alert]')}`);
  }
  return page;
}

/**
 * A full-page screenshot into test-results/, for people to look at after the run (nothing compares them). The
 * PostgreSQL pass renders the same pages and keeps none (its checks all run). Nor does CI, unless MEDREG_SHOTS=1:
 * it runs on a fresh clone that nobody opens, and the main pass's 252 shots cost 1.1-1.4 s each.
 */
const keepShots = mainPass && (!process.env.CI || process.env.MEDREG_SHOTS === '1');
export const shot = async (page: Page, name: string) => {
  if (!keepShots) return;
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
};

/**
 * The sizes and languages a look is checked in: all of them in the main pass; in the others (PostgreSQL, two
 * processes) the first, which loads the same pages through the same queries (layout depends on neither, and CI's
 * 30 minutes hold all passes only so).
 */
export const looks = <T,>(all: readonly T[]): readonly T[] => (mainPass ? all : all.slice(0, 1));

/** Width beyond the viewport (a phone context zooms out rather than scroll, so innerWidth would grow too). */
export const sideways = (page: Page) => page.evaluate((w) => document.documentElement.scrollWidth - w, page.viewportSize()!.width);
