import { describe, expect, it } from 'vitest';
import { formatDate, translator } from '@medreg/i18n';
import { softwareNewer } from './status.js';
import { verdict, type VerdictInput } from './verdict.js';

const base: VerdictInput = {
  today: '2026-11-22',
  device: { status: 'in_service', anlage1: true, softwareVersion: '2.10' },
  lock: null,
  inspections: [
    { code: 'STK', dueOn: '2027-01-31' },
    { code: 'EL', dueOn: '2026-11-22' },
  ],
  instructions: [{ instructedOn: '2026-01-10', validUntil: '2027-01-10', softwareVersion: '2.10' }],
};
const withDevice = (d: Partial<VerdictInput['device']>): VerdictInput => ({ ...base, device: { ...base.device, ...d } });
const instructed = (...instructions: VerdictInput['instructions']): VerdictInput => ({ ...base, instructions });

describe('verdict: may I use this device?', () => {
  it.each<[string, VerdictInput, ReturnType<typeof verdict>]>([
    ['instructed, inspections current, due today counts as current', base, { mayUse: true, reasons: [], instructedUntil: '2027-01-10' }],
    ['an instruction without expiry', instructed({ instructedOn: '2020-05-01', validUntil: null, softwareVersion: null }), { mayUse: true, reasons: [], instructedUntil: null }],
    ['not Anlage 1: no instruction record needed', { ...withDevice({ anlage1: false }), instructions: [] }, { mayUse: true, reasons: [], instructedUntil: null }],
    ['never instructed on this model', instructed(), { mayUse: false, reasons: [{ kind: 'not_instructed' }], instructedUntil: null }],
    [
      'a suspected incident was reported and is not yet handled',
      { ...base, incidentReport: { reportedAt: '2026-11-22T08:00:00.000Z', text: 'Funken am Netzteil' } },
      { mayUse: false, reasons: [{ kind: 'incident_reported', since: '2026-11-22T08:00:00.000Z', text: 'Funken am Netzteil' }], instructedUntil: '2027-01-10' },
    ],
    [
      'locked after the report: the lock says it',
      { ...base, lock: { lockedAt: '2026-11-22T09:00:00.000Z', reason: 'Funken' }, incidentReport: { reportedAt: '2026-11-22T08:00:00.000Z', text: 'Funken' } },
      { mayUse: false, reasons: [{ kind: 'locked', since: '2026-11-22T09:00:00.000Z', reason: 'Funken' }], instructedUntil: '2027-01-10' },
    ],
    [
      'instruction expired yesterday',
      instructed({ instructedOn: '2025-11-21', validUntil: '2026-11-21', softwareVersion: '2.10' }),
      { mayUse: false, reasons: [{ kind: 'instruction_expired', on: '2026-11-21' }], instructedUntil: null },
    ],
    [
      'instruction valid through today',
      instructed({ instructedOn: '2025-11-22', validUntil: '2026-11-22', softwareVersion: '2.10' }),
      { mayUse: true, reasons: [], instructedUntil: '2026-11-22' },
    ],
    [
      'device runs newer software than instructed on (2.10 after 2.9)',
      { ...withDevice({ softwareVersion: '2.10' }), instructions: [{ instructedOn: '2026-01-10', validUntil: null, softwareVersion: '2.9' }] },
      { mayUse: false, reasons: [{ kind: 'software_changed', instructed: '2.9', current: '2.10' }], instructedUntil: null },
    ],
    [
      'older device software than instructed on is covered',
      { ...withDevice({ softwareVersion: '2.9' }), instructions: [{ instructedOn: '2026-01-10', validUntil: null, softwareVersion: '2.10' }] },
      { mayUse: true, reasons: [], instructedUntil: null },
    ],
    [
      'an old expired instruction and a current one: the current one counts',
      instructed(
        { instructedOn: '2024-01-01', validUntil: '2025-01-01', softwareVersion: '2.10' },
        { instructedOn: '2026-03-01', validUntil: '2027-03-01', softwareVersion: '2.10' },
      ),
      { mayUse: true, reasons: [], instructedUntil: '2027-03-01' },
    ],
    [
      'locked: the lock comes first, with its date and reason',
      { ...base, device: { ...base.device, status: 'locked' }, lock: { lockedAt: '2026-11-20T09:00:00.000Z', reason: 'Alarm stumm' } },
      { mayUse: false, reasons: [{ kind: 'locked', since: '2026-11-20T09:00:00.000Z', reason: 'Alarm stumm' }], instructedUntil: '2027-01-10' },
    ],
    ['decommissioned', withDevice({ status: 'decommissioned' }), { mayUse: false, reasons: [{ kind: 'decommissioned' }], instructedUntil: '2027-01-10' }],
    [
      'safety inspection overdue since its due date',
      { ...base, inspections: [{ code: 'STK', dueOn: '2026-10-31' }] },
      { mayUse: false, reasons: [{ kind: 'inspection_overdue', code: 'STK', since: '2026-10-31' }], instructedUntil: '2027-01-10' },
    ],
    [
      'the last safety inspection failed: said as failed, with its day, not as overdue (the old due date stays)',
      { ...base, inspections: [{ code: 'STK', dueOn: '2020-04-30', failedOn: '2026-11-02' }, { code: 'EL', dueOn: '2027-01-31', failedOn: null }] },
      { mayUse: false, reasons: [{ kind: 'inspection_failed', code: 'STK', on: '2026-11-02' }], instructedUntil: '2027-01-10' },
    ],
    [
      'a failed inspection whose due date has not come yet still stops use',
      { ...base, inspections: [{ code: 'EL', dueOn: '2027-03-31', failedOn: '2026-11-20' }] },
      { mayUse: false, reasons: [{ kind: 'inspection_failed', code: 'EL', on: '2026-11-20' }], instructedUntil: '2027-01-10' },
    ],
    [
      'several reasons at once, most serious first',
      { ...instructed(), lock: { lockedAt: '2026-11-20T09:00:00.000Z', reason: 'x' }, inspections: [{ code: 'STK', dueOn: '2026-10-31' }] },
      {
        mayUse: false,
        reasons: [{ kind: 'locked', since: '2026-11-20T09:00:00.000Z', reason: 'x' }, { kind: 'inspection_overdue', code: 'STK', since: '2026-10-31' }, { kind: 'not_instructed' }],
        instructedUntil: null,
      },
    ],
  ])('%s', (_, input, expected) => {
    expect(verdict(input)).toEqual(expected);
  });

  it.each([
    ['de', 'Letzte Prüfung „Sicherheitstechnische Kontrolle“ am 02.11.2026 nicht bestanden: Gerät erst nach bestandener Prüfung wieder benutzen.'],
    ['en', 'Last inspection “Safety inspection (STK)” failed on 2 Nov 2026: do not use the device until it has passed again.'],
  ] as const)('the nurse reads the failed inspection in %s', (locale, text) => {
    const type = locale === 'de' ? 'Sicherheitstechnische Kontrolle' : 'Safety inspection (STK)';
    expect(translator(locale)('verdict.inspectionFailed', { type, date: formatDate(locale, '2026-11-02') })).toBe(text);
  });

  it.each([
    ['2.10', '2.9', true],
    ['2.9', '2.10', false],
    ['2.10', '2.10', false],
    ['690A', '688F', true],
    ['V3.1', 'v3.1', false],
    [null, '2.0', false],
    ['2.0', null, false],
  ] as const)('software %s newer than %s: %s', (current, instructedOn, expected) => {
    expect(softwareNewer(current, instructedOn)).toBe(expected);
  });
});
