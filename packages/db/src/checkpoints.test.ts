import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointInBackground } from './checkpoints.js';
import { createDb } from './connection.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const newFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'medreg-checkpoints-'));
  dirs.push(dir);
  return join(dir, 'medreg.sqlite');
};
const size = (f: string) => statSync(f).size;
const until = async (done: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  return done();
};
const MB = 1024 * 1024;

describe('checkpoints in a worker thread (SQLite)', () => {
  it('a commit leaves the log for the worker, which copies it into the database file soon after', async () => {
    // The worker runs on its own core every 200 ms: now and then it starts between the commit and the look at the
    // file (CI once saw 2.8 MB copied). A commit that copied the log itself would be caught in each of three tries.
    let leftForWorker = false;
    for (let attempt = 0; attempt < 3 && !leftForWorker; attempt++) {
      const file = newFile();
      const { db, close } = createDb({ sqliteFile: file, checkpointInBackground: true });
      try {
        await sql`create table t (id integer primary key, v blob)`.execute(db);
        // 8 MB in one commit: a connection that checkpoints itself copies it into the file before the commit returns.
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < 2000; i++) await sql`insert into t (v) values (randomblob(4096))`.execute(trx);
        });
        leftForWorker = size(file) < MB;
        expect(size(`${file}-wal`)).toBeGreaterThan(8 * MB);
        expect(await until(() => size(file) > 8 * MB, 5000)).toBe(true);
        expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]!.n).toBe(2000);
      } finally {
        await close();
      }
    }
    expect(leftForWorker).toBe(true);
  });

  it('under steady writes the log starts again from its beginning instead of growing without end', async () => {
    const file = newFile();
    const { db, close } = createDb({ sqliteFile: file, checkpointInBackground: true });
    try {
      await sql`create table t (id integer primary key, v blob)`.execute(db);
      // 20,000 commits of two or three log pages each (about 200 MB of log in all), as fast as requests would come
      // (the event loop turns between them).
      let peak = 0;
      for (let i = 0; i < 20_000; i++) {
        await sql`insert into t (v) values (randomblob(4096))`.execute(db);
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
        if (i % 100 === 0) peak = Math.max(peak, size(`${file}-wal`));
      }
      peak = Math.max(peak, size(`${file}-wal`));
      expect(size(file)).toBeGreaterThan(60 * MB);
      expect(peak).toBeLessThan(64 * MB);
    } finally {
      await close();
    }
  });

  it('stops with the connection, and the file then holds every row', async () => {
    const file = newFile();
    const { db, close } = createDb({ sqliteFile: file, checkpointInBackground: true });
    await sql`create table t (id integer primary key)`.execute(db);
    await sql`insert into t (id) values (1), (2), (3)`.execute(db);
    await close();
    const again = new SQLite(file, { readonly: true });
    expect(again.prepare('select count(*) as n from t').get()).toEqual({ n: 3 });
    again.close();
  });

  it('lets a script that closes the connection last finish its await and exit cleanly', () => {
    // The worker does not keep a process alive; while it stops, it must, or the process ends inside `close()`.
    const script = `const { createDb } = await import(${JSON.stringify(resolve(import.meta.dirname, 'connection.ts'))});
const d = createDb({ sqliteFile: ${JSON.stringify(newFile())}, checkpointInBackground: true });
await d.close();
console.log('closed');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: 'closed' });
  });

  it('gives checkpoints back to the connection when the worker cannot run', async () => {
    const file = newFile();
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    const checkpoints = checkpointInBackground(database, join(file, 'missing', 'medreg.sqlite'));
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    expect(await until(() => database.pragma('wal_autocheckpoint', { simple: true }) === 1000, 5000)).toBe(true);
    await checkpoints.stop();
    database.close();
  });
});
