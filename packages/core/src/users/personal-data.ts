/**
 * Rules about personal data (GDPR) free of I/O: the pseudonym of a departed person, the typed confirmation that
 * guards the irreversible step, the access log's retention and its day filter.
 */

/** Crockford's base 32: no I, L, O, U, so a pseudonym read aloud or typed is not mistaken. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PSEUDONYM_LENGTH = 6;

/** A pseudonym code from random integers in [0, 32): "7F3K9Q". */
export function pseudonymCode(random: (max: number) => number): string {
  let code = '';
  for (let i = 0; i < PSEUDONYM_LENGTH; i++) code += ALPHABET[random(ALPHABET.length)]!;
  return code;
}

/** What replaces a departed person's name everywhere the account is shown: "Person 7F3K9Q". */
export const pseudonymName = (code: string) => `Person ${code}`;

/** Replaces the e-mail address (unique, never deliverable: .invalid is reserved by RFC 2606). */
export const pseudonymEmail = (code: string) => `${code.toLowerCase()}@pseudonymised.invalid`;

/** The admin must type the person's e-mail address: deliberate, and proof that it is the right person. */
export function confirms(typed: string, email: string): boolean {
  return typed.trim().toLowerCase() === email.trim().toLowerCase() && email.trim() !== '';
}

export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 90;

/**
 * ACCESS_LOG_RETENTION_DAYS as a whole number of days from 1 to 3650; anything else is reported and the
 * default (90) applies, so a typo never deletes the log at once or keeps it forever.
 */
export function retentionDays(raw: string | undefined, warn: (message: string) => void = console.error): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_ACCESS_LOG_RETENTION_DAYS;
  const value = raw.trim();
  const days = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isInteger(days) && days >= 1 && days <= 3650) return days;
  warn(`MedReg: ACCESS_LOG_RETENTION_DAYS must be a whole number of days from 1 to 3650 (got "${raw}"); ${DEFAULT_ACCESS_LOG_RETENTION_DAYS} days apply.`);
  return DEFAULT_ACCESS_LOG_RETENTION_DAYS;
}

/** Rows written before this instant are past their retention. */
export const retentionCutoff = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000);

/** Minutes the zone is ahead of UTC at an instant (Europe/Berlin: 60 or 120). */
function offsetMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a calendar day ('YYYY-MM-DD') begins in the hospital's time zone, as the page shows times. */
export function dayStart(day: string, timeZone = 'Europe/Berlin'): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  const guess = new Date(utcMidnight - offsetMinutes(new Date(utcMidnight), timeZone) * 60_000);
  // Across a change of the clocks the offset at the guess can differ from the one at UTC midnight.
  return new Date(utcMidnight - offsetMinutes(guess, timeZone) * 60_000);
}

/** The day after a calendar day, for an inclusive "to" filter. */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
