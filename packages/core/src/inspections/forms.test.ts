import { describe, expect, it } from 'vitest';
import type { FormField } from '@medreg/db';
import { applicableLimit, evaluateForm, missingForPass, parseNumber, requiredForPass, resultProblems, risesAgainst } from './forms.js';
import { inspectionTypes } from '../seed/catalog.js';

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

describe('what a passed result needs (a passed inspection rests on the form’s checks)', () => {
  const pe: Extract<FormField, { kind: 'number' }> = {
    key: 'protective_earth', kind: 'number', label: { de: 'Schutzleiterwiderstand', en: 'Protective earth' }, unit: 'mΩ', limits: [{ when: { protectionClass: 'I' }, max: 300 }],
  };
  const free: Extract<FormField, { kind: 'number' }> = { key: 'temperature', kind: 'number', label: { de: 'Temperatur', en: 'Temperature' }, unit: '°C', limits: [] };
  const cfOnly: Extract<FormField, { kind: 'number' }> = { ...applied, key: 'cf_only', limits: [{ when: { appliedPart: 'CF' }, max: 50 }] };
  const patch: FormField = { key: 'patch', kind: 'choice', label: { de: 'Patchstand', en: 'Patch level' }, options: ['aktuell', 'veraltet'] };
  const remark: FormField = { key: 'remark', kind: 'text', label: { de: 'Bemerkung', en: 'Remark' } };
  const classI = { protectionClass: 'I', appliedPart: 'CF' };
  const classII = { protectionClass: 'II', appliedPart: 'BF' };
  const internal = { protectionClass: 'internal', appliedPart: 'BF' };
  const unknown = { protectionClass: null, appliedPart: null };

  it.each<[string, FormField, { protectionClass: string | null; appliedPart: string | null }, boolean]>([
    ['a pass/fail check', form[0]!, classI, true],
    ['a choice', patch, classI, true],
    ['free text (a remark)', remark, classI, false],
    ['a number without limits', free, classII, true],
    ['an unconditional limit', applied, internal, true],
    ['protective earth on class I', pe, classI, true],
    ['protective earth on class II (no protective conductor)', pe, classII, false],
    ['protective earth on an internally powered device', pe, internal, false],
    ['protective earth when the protection class is not recorded', pe, unknown, true],
    ['leakage on class II (its own limit)', leakage, classII, true],
    ['leakage on an internally powered device (no limit applies)', leakage, internal, false],
    ['a CF-only limit on a BF device', cfOnly, classII, false],
    ['a CF-only limit on a device without applied part', cfOnly, unknown, false],
    ['a CF-only limit on a CF device', cfOnly, classI, true],
  ])('%s: required %s', (_what, field, device, required) => {
    expect(requiredForPass(field, device)).toBe(required);
  });

  const el = inspectionTypes.find((t) => t.code === 'EL-62353')!.form;
  const full = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '10', functional: 'pass' };
  const without = (...keys: string[]) => Object.fromEntries(Object.entries(full).filter(([k]) => !keys.includes(k)));

  it.each<[string, Record<string, string>, typeof classI, 'passed' | 'failed', string | undefined, { missing: string[]; reasonMissing: boolean }]>([
    ['passed, nothing filled in', {}, classI, 'passed', undefined, { missing: ['visual', 'protective_earth', 'insulation', 'equipment_leakage', 'applied_part_leakage', 'functional'], reasonMissing: false }],
    ['passed, blanks count as empty', { visual: ' ', functional: '' }, classI, 'passed', undefined, { missing: ['visual', 'protective_earth', 'insulation', 'equipment_leakage', 'applied_part_leakage', 'functional'], reasonMissing: false }],
    ['passed, everything filled in', full, classI, 'passed', undefined, { missing: [], reasonMissing: false }],
    ['passed, the functional test left out', without('functional'), classI, 'passed', 'alles gut', { missing: ['functional'], reasonMissing: false }],
    ['passed on class II without protective earth', without('protective_earth'), classII, 'passed', undefined, { missing: [], reasonMissing: false }],
    ['passed on class I without protective earth', without('protective_earth'), classI, 'passed', undefined, { missing: ['protective_earth'], reasonMissing: false }],
    ['passed on an internally powered device: visual, applied part, functional', { visual: 'pass', applied_part_leakage: '10', functional: 'pass' }, internal, 'passed', undefined, { missing: [], reasonMissing: false }],
    ['"passed" with a value outside its limit: it fails, nothing more needed', { applied_part_leakage: '80' }, classI, 'passed', undefined, { missing: [], reasonMissing: false }],
    ['failed with a failed check: the check is the reason', { visual: 'fail' }, classI, 'failed', undefined, { missing: [], reasonMissing: false }],
    ['failed, incomplete, with a reason in the findings', { visual: 'pass' }, classI, 'failed', 'Messung abgebrochen: Netzteil defekt', { missing: [], reasonMissing: false }],
    ['failed, nothing filled in, no reason', {}, classI, 'failed', undefined, { missing: [], reasonMissing: true }],
    ['failed, incomplete, only blank findings', { visual: 'pass' }, classI, 'failed', '  ', { missing: [], reasonMissing: true }],
    ['failed with every value within limits: the technician’s call, the form is complete', full, classI, 'failed', undefined, { missing: [], reasonMissing: false }],
  ])('%s', (_what, values, device, result, text, expected) => {
    expect(resultProblems(el, values, device, result, text)).toEqual(expected);
  });

  it('every demo form can be passed on every demo device kind, and asks for its checks', () => {
    for (const type of inspectionTypes)
      for (const device of [classI, classII, internal]) {
        const needed = missingForPass(type.form, {}, device).map((f) => f.key);
        // The visual check is on every form and always needed.
        expect(needed).toContain('visual');
        const values = Object.fromEntries(needed.map((k) => [k, type.form.find((f) => f.key === k)!.kind === 'pass_fail' ? 'pass' : '0']));
        expect(missingForPass(type.form, values, device)).toEqual([]);
      }
  });
});
