import { UTCDate } from '@date-fns/utc';
import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { differenceInCalendarDays } from 'date-fns/differenceInCalendarDays';
import { endOfISOWeek } from 'date-fns/endOfISOWeek';
import { endOfMonth } from 'date-fns/endOfMonth';
import { endOfYear } from 'date-fns/endOfYear';
import { formatISO } from 'date-fns/formatISO';
import type { Anchor } from '@medreg/db';

/** A calendar date 'YYYY-MM-DD'. */
export type CalendarDate = string;

const parse = (d: CalendarDate) => new UTCDate(`${d.slice(0, 10)}T00:00:00Z`);
const format = (d: Date) => formatISO(d, { representation: 'date' });

/**
 * Next due date of a recurring obligation, counted from the last inspection (or, if never inspected,
 * from commissioning):
 * - exact: the same day `intervalMonths` later (clamped to the month's last day: 31 Jan + 1 → 28/29 Feb);
 * - end_of_month: the last day of that month ("mit Ablauf des Monats", STK per MPBetreibV §12);
 * - end_of_year: 31 Dec of that year (MTK counts from the end of the year, MPBetreibV §15).
 */
export function nextDueDate(from: CalendarDate, intervalMonths: number, anchor: Anchor): CalendarDate {
  if (!Number.isInteger(intervalMonths) || intervalMonths <= 0) throw new RangeError('interval must be a positive whole number of months');
  const shifted = addMonths(parse(from), intervalMonths);
  switch (anchor) {
    case 'exact':
      return format(shifted);
    case 'end_of_month':
      return format(endOfMonth(shifted));
    case 'end_of_year':
      return format(endOfYear(shifted));
  }
}

export type DueState = 'overdue' | 'due_soon' | 'ok';

/** Overdue after the due date has passed; due soon within `soonDays` (default 30). */
export function dueState(dueOn: CalendarDate, today: CalendarDate, soonDays = 30): DueState {
  const days = differenceInCalendarDays(parse(dueOn), parse(today));
  if (days < 0) return 'overdue';
  if (days <= soonDays) return 'due_soon';
  return 'ok';
}

// Building an Intl.DateTimeFormat costs tens of microseconds, more than a device page's SQL: one per time zone. Even
// formatting costs more than a request's queries when done a dozen times, so the last minute's answer is kept (time
// zones differ from UTC by whole minutes, so a date never changes within a minute).
const dayFormats = new Map<string, { format: Intl.DateTimeFormat; minute: number; date: CalendarDate }>();

/** Today's date in the hospital's time zone. */
export function today(now: Date, timeZone = 'Europe/Berlin'): CalendarDate {
  const minute = Math.floor(now.getTime() / 60_000);
  let f = dayFormats.get(timeZone);
  if (!f) {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, (f = { format, minute, date: format.format(now) }));
  } else if (f.minute !== minute) {
    f.minute = minute;
    f.date = f.format.format(now);
  }
  return f.date;
}

/** The calendar bounds the windows are measured against. */
export function dueBounds(today: CalendarDate) {
  const t = parse(today);
  return {
    today,
    weekEnd: format(endOfISOWeek(t)),
    monthEnd: format(endOfMonth(t)),
    nextMonthEnd: format(endOfMonth(addMonths(t, 1))),
    in30: format(addDays(t, 30)),
  };
}
