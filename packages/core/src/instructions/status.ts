import { dueState, type CalendarDate } from '../inspections/due.js';

/** One instruction of a person on a model, as the rules need it. */
export interface InstructionRecord {
  instructedOn: CalendarDate;
  validUntil: CalendarDate | null;
  softwareVersion: string | null;
}

/**
 * Where a person stands on a model: current; expiring (valid, but ends within `soonDays`); expired;
 * outdated (the device runs newer software than any instruction covered); missing (never instructed).
 */
export type InstructionState = 'current' | 'expiring' | 'expired' | 'outdated' | 'missing';

export interface InstructionStatus {
  state: InstructionState;
  /** Valid until (current/expiring), or when it ended (expired); null when it does not expire or none applies. */
  until: CalendarDate | null;
  /** The newest instruction, which says what is missing once none is valid. */
  latest: InstructionRecord | null;
}

/** Days before expiry at which the matrix and the start page warn. */
export const EXPIRING_DAYS = 30;

// Versions as people write them ("2.10" after "2.9", "688F" before "690A"): digit runs compare as numbers.
const versionOrder = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Whether the device runs a later software version than the one the instruction covered. */
export const softwareNewer = (current: string | null, instructed: string | null) =>
  current !== null && instructed !== null && versionOrder.compare(current, instructed) > 0;

/**
 * A person's instruction status on a model (MPBetreibV §4): an instruction counts while it has not expired
 * and covers the software the devices now run. Identical models share it, so this takes the model's records.
 */
export function instructionStatus(
  today: CalendarDate,
  currentSoftware: string | null,
  records: readonly InstructionRecord[],
  soonDays = EXPIRING_DAYS,
): InstructionStatus {
  const latest = records.reduce<InstructionRecord | null>((a, r) => (a === null || r.instructedOn > a.instructedOn ? r : a), null);
  const valid = records.filter((r) => (r.validUntil === null || r.validUntil >= today) && !softwareNewer(currentSoftware, r.softwareVersion));
  if (valid.length > 0) {
    const until = valid.some((r) => r.validUntil === null) ? null : valid.map((r) => r.validUntil!).sort().at(-1)!;
    return { state: until !== null && dueState(until, today, soonDays) !== 'ok' ? 'expiring' : 'current', until, latest };
  }
  if (!latest) return { state: 'missing', until: null, latest };
  if (softwareNewer(currentSoftware, latest.softwareVersion)) return { state: 'outdated', until: null, latest };
  return { state: 'expired', until: latest.validUntil, latest };
}

/** Whether the state lets the person use the model's devices. */
export const isValidState = (s: InstructionState) => s === 'current' || s === 'expiring';
