import { describe, expect, it } from 'vitest';
import { isLocked, lockAfterFailure, lockFromFailures } from './lockout.js';

const now = new Date('2026-12-04T10:00:00.000Z');
const ago = (min: number) => new Date(now.getTime() - min * 60_000);

describe('sign-in lockout (pure)', () => {
  it.each<[string, Date[], string | null]>([
    ['first wrong password', [], null],
    ['fourth within 15 minutes', [ago(1), ago(2), ago(3)], null],
    ['fifth within 15 minutes locks for 15 minutes', [ago(1), ago(5), ago(10), ago(14)], '2026-12-04T10:15:00.000Z'],
    ['fifth, but one is older than 15 minutes', [ago(1), ago(5), ago(10), ago(15)], null],
    ['many old ones do not count', [ago(16), ago(20), ago(30), ago(60), ago(90)], null],
    ['order does not matter', [ago(14), ago(0.5), ago(7), ago(3)], '2026-12-04T10:15:00.000Z'],
  ])('%s', (_name, failures, until) => {
    expect(lockAfterFailure(failures, now)?.toISOString() ?? null).toBe(until);
  });

  it.each<[string, string | Date | null, boolean]>([
    ['no lock', null, false],
    ['until later (text)', '2026-12-04T10:00:01.000Z', true],
    ['until later (a Date from PostgreSQL)', new Date('2026-12-04T10:14:00.000Z'), true],
    ['ends now', '2026-12-04T10:00:00.000Z', false],
    ['ended', '2026-12-04T09:59:00.000Z', false],
  ])('%s', (_name, until, locked) => {
    expect(isLocked(until, now)).toBe(locked);
  });

  it.each<[string, Date[], string | null]>([
    ['no failures', [], null],
    ['four within 15 minutes', [ago(1), ago(2), ago(3), ago(4)], null],
    ['the fifth, 5 minutes ago, locked for 15 minutes from then', [ago(5), ago(6), ago(7), ago(8), ago(9)], '2026-12-04T10:10:00.000Z'],
    ['in any order', [ago(9), ago(5), ago(8), ago(6), ago(7)], '2026-12-04T10:10:00.000Z'],
    ['a lock that has ended', [ago(20), ago(21), ago(22), ago(23), ago(24)], null],
    ['five spread over more than 15 minutes', [ago(1), ago(5), ago(10), ago(14), ago(16)], null],
    // The lock forgot the five before it: two after it ended are not a fifth.
    ['after an ended lock the count starts again', [ago(1), ago(2), ago(26), ago(27), ago(28), ago(29), ago(30)], null],
    ['and locks again at its fifth', [ago(1), ago(2), ago(3), ago(4), ago(5), ago(26), ago(27), ago(28), ago(29), ago(30)], '2026-12-04T10:14:00.000Z'],
  ])('unknown address: %s', (_name, failures, until) => {
    expect(lockFromFailures(failures, now)?.toISOString() ?? null).toBe(until);
  });
});
