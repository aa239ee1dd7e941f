import { describe, expect, it } from 'vitest';
import { dueBounds, dueState, nextDueDate, today } from './due.js';
import { dueItemState } from './due-list.server.js';

describe('nextDueDate', () => {
  it.each([
    // from, months, anchor, expected
    ['2024-01-31', 1, 'exact', '2024-02-29'], // leap year clamp
    ['2023-01-31', 1, 'exact', '2023-02-28'],
    ['2024-02-29', 12, 'exact', '2025-02-28'],
    ['2024-02-29', 48, 'exact', '2028-02-29'],
    ['2024-03-15', 6, 'exact', '2024-09-15'],
    ['2024-03-15', 24, 'end_of_month', '2026-03-31'], // STK "mit Ablauf des Monats"
    ['2024-02-10', 24, 'end_of_month', '2026-02-28'],
    ['2022-02-10', 24, 'end_of_month', '2024-02-29'],
    ['2024-12-31', 12, 'end_of_month', '2025-12-31'],
    ['2024-11-30', 3, 'end_of_month', '2025-02-28'],
    ['2024-03-15', 24, 'end_of_year', '2026-12-31'], // MTK from the end of the year
    ['2024-12-31', 12, 'end_of_year', '2025-12-31'],
    ['2024-01-01', 60, 'end_of_year', '2029-12-31'],
    ['2024-07-01', 6, 'end_of_year', '2025-12-31'],
    ['1996-02-29', 48, 'exact', '2000-02-29'], // 2000 is a leap year (divisible by 400)
    ['2096-02-29', 48, 'exact', '2100-02-28'], // 2100 is not
    ['2023-08-31', 6, 'exact', '2024-02-29'],
    ['2024-08-31', 1, 'exact', '2024-09-30'],
    ['2024-01-31', 1, 'end_of_month', '2024-02-29'],
    ['2025-12-01', 1, 'end_of_month', '2026-01-31'], // across the year end
    ['2025-12-31', 1, 'end_of_year', '2026-12-31'], // an MTK on New Year's Eve still counts from that year's end
    ['2025-01-01', 12, 'end_of_year', '2026-12-31'],
    ['2025-06-30', 60, 'end_of_year', '2030-12-31'], // diagnostic dosimeters, 5 years
    ['2025-06-30', 12, 'exact', '2026-06-30'], // DGUV V3
  ] as const)('%s + %i months (%s) = %s', (from, months, anchor, expected) => {
    expect(nextDueDate(from, months, anchor)).toBe(expected);
  });

  it.each([0, -1, 1.5])('refuses the interval %d', (months) => {
    expect(() => nextDueDate('2024-01-01', months, 'exact')).toThrow(RangeError);
  });
});

describe('dueState', () => {
  it.each([
    ['2024-05-31', '2024-06-01', 'overdue'],
    ['2024-05-31', '2024-05-31', 'due_soon'],
    ['2024-06-30', '2024-05-31', 'due_soon'],
    ['2024-07-01', '2024-05-31', 'ok'],
  ] as const)('due %s on %s is %s', (due, on, state) => {
    expect(dueState(due, on)).toBe(state);
  });
});

describe('today', () => {
  it('uses the hospital time zone, not UTC', () => {
    expect(today(new Date('2024-12-31T23:30:00Z'))).toBe('2025-01-01');
    expect(today(new Date('2024-06-30T21:59:00Z'))).toBe('2024-06-30');
  });
  it('changes at midnight in Berlin, back and forth, and per time zone', () => {
    expect(today(new Date('2024-06-30T21:59:59.999Z'))).toBe('2024-06-30');
    expect(today(new Date('2024-06-30T22:00:00Z'))).toBe('2024-07-01');
    expect(today(new Date('2024-06-30T21:59:00.500Z'))).toBe('2024-06-30');
    expect(today(new Date('2024-06-30T22:00:00Z'), 'UTC')).toBe('2024-06-30');
    expect(today(new Date('2024-06-30T22:00:30Z'))).toBe('2024-07-01');
  });
});

describe('due list windows', () => {
  it.each([
    // today, week ends (ISO, Sunday), month ends, next month ends
    ['2026-11-22', '2026-11-22', '2026-11-30', '2026-12-31'], // a Sunday
    ['2026-11-23', '2026-11-29', '2026-11-30', '2026-12-31'],
    ['2026-12-30', '2027-01-03', '2026-12-31', '2027-01-31'], // the week runs into next year
    ['2028-01-31', '2028-02-06', '2028-01-31', '2028-02-29'], // leap February
  ] as const)('on %s the week ends %s, the month %s, next month %s', (today, weekEnd, monthEnd, nextMonthEnd) => {
    expect(dueBounds(today)).toMatchObject({ weekEnd, monthEnd, nextMonthEnd });
  });

  const b = dueBounds('2026-11-23');
  it.each([
    ['2026-11-22', false, 'overdue'],
    ['2026-11-23', false, 'week'],
    ['2026-11-29', false, 'week'],
    ['2026-11-30', false, 'month'],
    ['2026-12-01', false, 'later'],
    ['2027-06-30', true, 'failed'], // failed wins, whatever the date
    ['2026-01-01', true, 'failed'],
  ] as const)('due %s (failed: %s) is %s', (due, failed, state) => {
    expect(dueItemState(due, failed, b)).toBe(state);
  });
});
