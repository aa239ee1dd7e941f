import { describe, expect, it } from 'vitest';
import type { FormField } from '@medreg/db';
import { applicableLimit, evaluateForm, parseNumber } from './forms.js';

const leakage: Extract<FormField, { kind: 'number' }> = {
  key: 'equipment_leakage',
  kind: 'number',
  label: { de: 'Geräteableitstrom', en: 'Equipment leakage' },
  unit: 'µA',
  limits: [{ when: { protectionClass: 'I' }, max: 500 }, { when: { protectionClass: 'II' }, max: 100 }],
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
