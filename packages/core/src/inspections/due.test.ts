import { describe, expect, it } from 'vitest';
import { dueState, nextDueDate, today } from './due.js';

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
});
