import { describe, expect, it } from 'vitest';
import { isLocked, lockAfterFailure } from './lockout.js';

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
});
