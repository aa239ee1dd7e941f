import { describe, expect, it } from 'vitest';
import { foreignKeyOrder, toPostgres } from './copy-to-postgres.js';

describe('foreignKeyOrder', () => {
  it.each([
    ['a table after the tables it references', { b: ['a'], a: [], c: ['b', 'a'] }, ['a', 'b', 'c']],
    ['a self-reference is no cycle', { entries: ['entries', 'devices'], devices: [] }, ['devices', 'entries']],
    ['references to tables not copied are ignored', { a: ['kysely_migration'] }, ['a']],
    ['a diamond', { d: ['b', 'c'], b: ['a'], c: ['a'], a: [] }, ['a', 'b', 'c', 'd']],
  ])('%s', (_, refs, expected) => {
    expect(foreignKeyOrder(new Map(Object.entries(refs)))).toEqual(expected);
  });

  it('names a cycle between tables', () => {
    expect(() => foreignKeyOrder(new Map([['a', ['b']], ['b', ['a']]]))).toThrow('Foreign keys form a cycle: a → b → a');
  });
});

describe('toPostgres', () => {
  it.each([
    [1, 'boolean', true],
    [0, 'boolean', false],
    ['1', 'boolean', true],
    ['false', 'boolean', false],
    [null, 'boolean', null],
    ['2026-03-01T08:15:00.000Z', 'timestamp with time zone', '2026-03-01T08:15:00.000Z'],
    ['2026-03-01T08:15:00+01:00', 'timestamp with time zone', '2026-03-01T08:15:00+01:00'],
    ['2026-03-01 08:15:00', 'timestamp with time zone', '2026-03-01T08:15:00Z'],
    [Date.UTC(2026, 2, 1, 8, 15), 'timestamp with time zone', '2026-03-01T08:15:00.000Z'],
    ['2026-03-31', 'date', '2026-03-31'],
    [12, 'integer', 12],
    ['12', 'integer', 12],
    [0.25, 'double precision', 0.25],
    ['Spritzenpumpe', 'text', 'Spritzenpumpe'],
    ['{"a":1}', 'text', '{"a":1}'],
    [undefined, 'text', null],
  ])('%j as %s is %j', (value, type, expected) => {
    expect(toPostgres(value, type, 't.c')).toEqual(expected);
  });

  it.each([
    [2, 'boolean', 't.c: 2 is not a flag (0/1)'],
    ['2026-03-31T00:00:00Z', 'date', 't.c: "2026-03-31T00:00:00Z" is not a date (YYYY-MM-DD)'],
    ['zwölf', 'integer', 't.c: "zwölf" is not a number'],
    ['', 'integer', 't.c: "" is not a number'],
  ])('refuses %j as %s', (value, type, message) => {
    expect(() => toPostgres(value, type, 't.c')).toThrow(message);
  });
});
