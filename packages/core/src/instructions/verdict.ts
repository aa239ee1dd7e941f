import type { DeviceStatus } from '@medreg/db';
import type { CalendarDate } from '../inspections/due.js';
import { instructionStatus, isValidState, type InstructionRecord } from './status.js';

/** One reason a user may not use a device now, most serious first. */
export type VerdictReason =
  | { kind: 'locked'; since: string; reason: string }
  | { kind: 'decommissioned' }
  | { kind: 'incident_reported'; since: string; text: string }
  | { kind: 'inspection_overdue'; code: string; since: CalendarDate }
  /** The last inspection of an obligation failed (and the device was not released since): said as such, not as "overdue". */
  | { kind: 'inspection_failed'; code: string; on: CalendarDate }
  | { kind: 'not_instructed' }
  | { kind: 'instruction_expired'; on: CalendarDate }
  | { kind: 'software_changed'; instructed: string; current: string };

export interface Verdict {
  mayUse: boolean;
  reasons: VerdictReason[];
  /** End of the instruction that makes the user fit to use the device; null when it does not expire or none applies. */
  instructedUntil: CalendarDate | null;
}

export interface VerdictInput {
  today: CalendarDate;
  device: { status: DeviceStatus; anlage1: boolean; softwareVersion: string | null };
  lock: { lockedAt: string; reason: string } | null;
  /** An open defect report that suspects an incident: nobody uses the device until a technician has looked. */
  incidentReport?: { reportedAt: string; text: string } | null;
  /**
   * Due dates of the device's recurring inspections; `failedOn`: the day of the last inspection when it failed and
   * the device has not been released since (a failed inspection keeps the old due date: the obligation is not met).
   */
  inspections: { code: string; dueOn: CalendarDate; failedOn?: CalendarDate | null }[];
  /** The user's instructions on the device's model; identical models share them (instruction is per model). */
  instructions: InstructionRecord[];
}

/**
 * "May I use this device?" (MPBetreibV §4): not if it is locked, decommissioned, overdue for an inspection or its
 * last inspection of an obligation failed (until one passes or the device is released);
 * for an Anlage 1 device only with an instruction on its model that has not expired and covers its software.
 */
export function verdict(input: VerdictInput): Verdict {
  const reasons: VerdictReason[] = [];
  if (input.lock) reasons.push({ kind: 'locked', since: input.lock.lockedAt, reason: input.lock.reason });
  else if (input.device.status === 'decommissioned') reasons.push({ kind: 'decommissioned' });
  if (!input.lock && input.incidentReport)
    reasons.push({ kind: 'incident_reported', since: input.incidentReport.reportedAt, text: input.incidentReport.text });
  for (const i of input.inspections)
    if (i.failedOn) reasons.push({ kind: 'inspection_failed', code: i.code, on: i.failedOn });
    else if (i.dueOn < input.today) reasons.push({ kind: 'inspection_overdue', code: i.code, since: i.dueOn });

  let instructedUntil: CalendarDate | null = null;
  if (input.device.anlage1) {
    const s = instructionStatus(input.today, input.device.softwareVersion, input.instructions);
    if (isValidState(s.state)) instructedUntil = s.until;
    else if (s.state === 'missing') reasons.push({ kind: 'not_instructed' });
    else if (s.state === 'outdated')
      reasons.push({ kind: 'software_changed', instructed: s.latest!.softwareVersion!, current: input.device.softwareVersion! });
    else reasons.push({ kind: 'instruction_expired', on: s.until! });
  }
  return { mayUse: reasons.length === 0, reasons, instructedUntil };
}
