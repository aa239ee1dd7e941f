import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from './connection.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two connections to one SQLite file in one process, as the CSV import has (it writes through its own): a write on
 * one while the other's transaction is open must wait without blocking the event loop, and never answer
 * "database is locked". better-sqlite3's busy timeout waits synchronously, so the other transaction, waiting for
 * the event loop, could never finish.
 */
describe('SQLite writers on two connections of one process', () => {
  let dir: string;
  let a: Db;
  let b: Db;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medreg-busy-'));
    const file = join(dir, 'busy.sqlite');
    a = createDb({ sqliteFile: file });
    b = createDb({ sqliteFile: file });
    await sql`create table t (id integer primary key, who text not null)`.execute(a.db);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async () => (await sql<{ who: string }>`select who from t order by id`.execute(a.db)).rows.map((r) => r.who);

  it('a transaction and a single statement wait for the other connection’s open transaction', async () => {
    // The longest the event loop stood still: a synchronous busy wait froze it for the whole 5 s busy timeout.
    let last = Date.now();
    let longestStill = 0;
    const clock = setInterval(() => {
      longestStill = Math.max(longestStill, Date.now() - last);
      last = Date.now();
    }, 10);
    const long = a.db.transaction().execute(async (trx) => {
      await sql`insert into t (who) values ('a1')`.execute(trx);
      await pause(400); // holds the write lock across an await, as the import does between its batches
      await sql`insert into t (who) values ('a2')`.execute(trx);
    });
    await pause(50);
    // A transaction that reads before it writes, and a statement outside any transaction.
    const tx = b.db.transaction().execute(async (trx) => {
      const n = (await sql<{ n: number }>`select count(*) as n from t`.execute(trx)).rows[0]!.n;
      await sql`insert into t (who) values (${`b-after-${n}`})`.execute(trx);
    });
    const single = sql`insert into t (who) values ('b-single')`.execute(b.db);
    await Promise.all([long, tx, single]);
    clearInterval(clock);
    const order = await rows();
    expect(order.slice(0, 2)).toEqual(['a1', 'a2']);
    // b's two writers take turns in either order (each retries on its own); the transaction counted what was before it.
    const after = order.findIndex((w) => w.startsWith('b-after-'));
    expect(order.slice(2).sort()).toEqual([`b-after-${after}`, 'b-single']);
    // The event loop kept turning while b waited (a loaded machine delays timers, but not by seconds).
    expect(longestStill).toBeLessThan(2500);
  });

  it('a write waiting for the other connection does not hold up this connection’s reads', async () => {
    const done: string[] = [];
    const long = a.db.transaction().execute(async (trx) => {
      await sql`insert into t (who) values ('long')`.execute(trx);
      await pause(1000);
      done.push('long');
    });
    await pause(50);
    const write = sql`insert into t (who) values ('waiting')`.execute(b.db).then(() => done.push('write'));
    await pause(50);
    // Through Kysely's connection, as every query that is not a prepared one: it queued behind the waiting write.
    const read = sql`select count(*) as n from t`.execute(b.db).then(() => done.push('read'));
    await Promise.all([long, write, read]);
    expect(done).toEqual(['read', 'long', 'write']);
  });
});
