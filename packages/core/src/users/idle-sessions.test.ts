import { describe, expect, it } from 'vitest';
import { idleMinutesFrom, isIdle, needsActivityWrite } from './idle-sessions.js';

const now = new Date('2026-12-04T10:00:00.000Z');
const ago = (min: number) => new Date(now.getTime() - min * 60_000).toISOString();

describe('idle sessions (pure)', () => {
  it.each<[string, string | null, string, boolean, boolean]>([
    ['just signed in', null, ago(0), false, false],
    ['signed in 29 minutes ago, nothing since', null, ago(29), false, true],
    ['signed in 31 minutes ago, nothing since', null, ago(31), true, true],
    ['active 5 minutes ago after a long day', ago(5), ago(600), false, true],
    ['active 30 seconds ago', ago(0.5), ago(600), false, false],
    ['active exactly 30 minutes ago', ago(30), ago(600), false, true],
    ['active 30 minutes and a second ago', new Date(now.getTime() - 30 * 60_000 - 1000).toISOString(), ago(600), true, true],
  ])('%s', (_name, last, created, idle, write) => {
    expect(isIdle({ last_active_at: last, created_at: created }, now, 30)).toBe(idle);
    expect(needsActivityWrite({ last_active_at: last, created_at: created }, now)).toBe(write);
  });

  it('reads instants PostgreSQL returns as Dates', () => {
    expect(isIdle({ last_active_at: new Date(ago(45)), created_at: new Date(ago(60)) }, now, 30)).toBe(true);
    expect(isIdle({ last_active_at: new Date(ago(45)), created_at: new Date(ago(60)) }, now, 60)).toBe(false);
  });

  it.each<[string | undefined, number | string]>([
    [undefined, 30],
    ['', 30],
    ['15', 15],
    ['720', 720],
    ['0', 'SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 720, not "0"'],
    ['721', 'SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 720, not "721"'],
    ['7.5', 'SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 720, not "7.5"'],
    ['abc', 'SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 720, not "abc"'],
  ])('SESSION_IDLE_MINUTES=%s', (value, expected) => {
    if (typeof expected === 'number') expect(idleMinutesFrom(value)).toBe(expected);
    else expect(() => idleMinutesFrom(value)).toThrow(expected);
  });
});
