import { describe, expect, it } from 'vitest';
import type { FormField } from '@medreg/db';
import { applicableLimit, evaluateForm, parseNumber, risesAgainst } from './forms.js';

const leakage: Extract<FormField, { kind: 'number' }> = {
  key: 'equipment_leakage',
  kind: 'number',
  label: { de: 'Geräteableitstrom', en: 'Equipment leakage' },
  unit: 'µA',
  limits: [{ when: { protectionClass: 'I' }, max: 500 }, { when: { protectionClass: 'II' }, max: 100 }],
  range: { min: 0, max: 100_000 },
  watchRise: true,
};
const applied: Extract<FormField, { kind: 'number' }> = {
  key: 'applied_part_leakage',
  kind: 'number',
  label: { de: 'Patientenableitstrom', en: 'Applied-part leakage' },
  unit: 'µA',
  limits: [{ max: 5000 }, { when: { appliedPart: 'CF' }, max: 50 }],
};
const form: FormField[] = [
  { key: 'visual', kind: 'pass_fail', label: { de: 'Sichtprüfung', en: 'Visual inspection' } },
  leakage,
  applied,
];

describe('applicableLimit', () => {
  it.each([
    [leakage, 'I', null, { max: 500 }],
    [leakage, 'II', null, { max: 100 }],
    [leakage, 'internal', null, null],
    [applied, 'I', 'BF', { max: 5000 }],
    [applied, 'I', 'CF', { max: 50 }],
  ] as const)('%o for class %s / %s', (field, pc, ap, expected) => {
    const l = applicableLimit(field, { protectionClass: pc, appliedPart: ap });
    expect(l && { max: l.max }).toEqual(expected);
  });
});

describe('evaluateForm', () => {
  it('passes values within their limits', () => {
    const e = evaluateForm(form, { visual: 'pass', equipment_leakage: '120', applied_part_leakage: '12,5' }, { protectionClass: 'I', appliedPart: 'CF' });
    expect(e.failures).toEqual([]);
    expect(e.invalid).toEqual([]);
    expect(e.measurements.map((m) => m.value_number ?? m.value_text)).toEqual(['pass', 120, 12.5]);
  });

  it('fails a CF leakage above 50 µA and names the limit', () => {
    const e = evaluateForm(form, { applied_part_leakage: '51' }, { protectionClass: 'I', appliedPart: 'CF' });
    expect(e.failures).toEqual([{ key: 'applied_part_leakage', label: applied.label, limit: '≤ 50 µA' }]);
  });

  it('the same value passes on a BF device', () => {
    expect(evaluateForm(form, { applied_part_leakage: '51' }, { protectionClass: 'I', appliedPart: 'BF' }).failures).toEqual([]);
  });

  it('a failed visual check fails the inspection', () => {
    expect(evaluateForm(form, { visual: 'fail' }, { protectionClass: 'I', appliedPart: null }).failures).toHaveLength(1);
  });

  it('reports unreadable values', () => {
    expect(evaluateForm(form, { visual: 'maybe', equipment_leakage: '12a' }, { protectionClass: 'I', appliedPart: null }).invalid).toEqual([
      'visual',
      'equipment_leakage',
    ]);
  });
});

describe('physical range', () => {
  it.each([
    ['-5', true],
    ['0', false],
    ['100000', false],
    ['100001', true],
  ])('a leakage of %s µA is out of range: %s', (value, out) => {
    const e = evaluateForm(form, { equipment_leakage: value }, { protectionClass: 'I', appliedPart: null });
    expect(e.outOfRange.length > 0).toBe(out);
    // Out of range is a typing error: no measurement, no failure.
    if (out) expect([e.measurements.length, e.failures.length]).toEqual([0, 0]);
  });
});

describe('risesAgainst (VDE 0751: leakage up by more than 50 %)', () => {
  const m = (v: number | null) => [{ field_key: 'equipment_leakage', value_number: v }];
  it.each([
    // previous, now, flagged
    [100, 150, false], // exactly +50 % is not more than half
    [100, 151, true],
    [100, 90, false],
    [20, 45, true],
    [0, 40, false], // no relative rise from zero
    [null, 40, false], // never measured before
    [100, null, false], // not measured now
  ])('from %s to %s µA: flagged %s', (before, now, flagged) => {
    const rises = risesAgainst(form, { equipment_leakage: before }, m(now));
    expect(rises.length > 0).toBe(flagged);
    if (flagged) expect(rises[0]).toMatchObject({ key: 'equipment_leakage', previous: before, value: now });
  });

  it('watches only fields marked for it', () => {
    expect(risesAgainst(form, { applied_part_leakage: 1 }, [{ field_key: 'applied_part_leakage', value_number: 40 }])).toEqual([]);
  });
});

describe('parseNumber', () => {
  it.each([
    ['0,25', 0.25],
    ['0.25', 0.25],
    [' 300 ', 300],
    ['-1', -1],
    ['1e3', null],
    ['abc', null],
    ['1,2,3', null],
  ])('%j -> %s', (raw, n) => expect(parseNumber(raw)).toBe(n));
});
