import { describe, expect, it } from 'vitest';
import { instructionStatus, type InstructionRecord, type InstructionState } from './status.js';

const rec = (instructedOn: string, validUntil: string | null, softwareVersion: string | null = null): InstructionRecord => ({
  instructedOn,
  validUntil,
  softwareVersion,
});
const today = '2026-11-22';

describe('instruction status (matrix cell, start page, verdict)', () => {
  it.each<[string, string | null, InstructionRecord[], InstructionState, string | null]>([
    ['never instructed', null, [], 'missing', null],
    ['no expiry', null, [rec('2020-01-01', null)], 'current', null],
    ['valid for months', null, [rec('2026-06-01', '2027-06-01')], 'current', '2027-06-01'],
    ['ends in 30 days: expiring', null, [rec('2025-12-22', '2026-12-22')], 'expiring', '2026-12-22'],
    ['ends in 31 days: current', null, [rec('2025-12-23', '2026-12-23')], 'current', '2026-12-23'],
    ['ends today: still valid, expiring', null, [rec('2025-11-22', '2026-11-22')], 'expiring', '2026-11-22'],
    ['ended yesterday', null, [rec('2025-11-21', '2026-11-21')], 'expired', '2026-11-21'],
    ['renewed after expiry', null, [rec('2024-01-01', '2025-01-01'), rec('2026-10-01', '2027-10-01')], 'current', '2027-10-01'],
    ['the longest valid one counts', null, [rec('2026-10-01', '2027-10-01'), rec('2026-01-01', null)], 'current', null],
    ['same software', '2.4', [rec('2026-01-01', null, '2.4')], 'current', null],
    ['newer software', '2.10', [rec('2026-01-01', null, '2.9')], 'outdated', null],
    ['older software on the device', '2.3', [rec('2026-01-01', null, '2.4')], 'current', null],
    ['re-instructed on the new software', '3.0', [rec('2025-01-01', null, '2.9'), rec('2026-05-01', null, '3.0')], 'current', null],
    ['unknown instructed version counts', '3.0', [rec('2026-01-01', null, null)], 'current', null],
    ['expired and outdated: the newest says outdated', '3.0', [rec('2024-01-01', '2025-01-01', '2.0')], 'outdated', null],
  ])('%s', (_name, software, records, state, until) => {
    const s = instructionStatus(today, software, records);
    expect(s.state).toBe(state);
    expect(s.until).toBe(until);
  });

  it('names the newest instruction whatever the order given', () => {
    const s = instructionStatus(today, null, [rec('2026-03-01', '2026-04-01'), rec('2025-01-01', '2025-02-01')]);
    expect(s.latest?.instructedOn).toBe('2026-03-01');
    expect(s.until).toBe('2026-04-01');
  });
});
