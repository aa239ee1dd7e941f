import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './connection.js';

describe('the SQLite statement cache', () => {
  const setup = (size?: number) => {
    const raw = new SQLite(':memory:');
    raw.exec('create table t (id integer primary key, v text)');
    return { raw, db: withStatementCache(raw, size) };
  };

  it('hands out the statement it prepared before for the same text, which still runs with new values', () => {
    const { db } = setup();
    const insert = db.prepare('insert into t (v) values (?)');
    expect(db.prepare('insert into t (v) values (?)')).toBe(insert);
    insert.run(['a']);
    db.prepare('insert into t (v) values (?)').run(['b']);
    expect(db.prepare('select v from t order by id').all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
  });

  it('keeps at most `size` statements and lets the least recently used go first', () => {
    const { db } = setup(2);
    const a = db.prepare('select 1');
    const b = db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(a); // used again: now b is the oldest
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(a);
    expect(db.prepare('select 2')).not.toBe(b);
  });

  it('prepares long texts (multi-row inserts) anew each time instead of keeping them', () => {
    const { db } = setup();
    const sql = `insert into t (v) values ${Array.from({ length: 1000 }, () => '(?)').join(',')}`;
    expect(db.prepare(sql)).not.toBe(db.prepare(sql));
  });

  it('a kept statement sees a column added after it was prepared', () => {
    const { raw, db } = setup();
    db.prepare('insert into t (v) values (?)').run(['a']);
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, v: 'a' }]);
    raw.exec("alter table t add column w text default 'x'");
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, v: 'a', w: 'x' }]);
  });
});
