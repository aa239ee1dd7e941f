import type { FormField } from '@medreg/db';
import type { NewMeasurement } from '../logbook/append.server.js';

export interface Electrical {
  protectionClass: string | null;
  appliedPart: string | null;
}

type NumberField = Extract<FormField, { kind: 'number' }>;
export interface Limit {
  min?: number;
  max?: number;
}

/** The limit that applies to this device: the most specific matching rule wins. */
export function applicableLimit(field: NumberField, device: Electrical): Limit | null {
  let best: { limit: Limit; score: number } | null = null;
  for (const rule of field.limits) {
    const w = rule.when ?? {};
    if (w.protectionClass && w.protectionClass !== device.protectionClass) continue;
    if (w.appliedPart && w.appliedPart !== device.appliedPart) continue;
    const score = (w.protectionClass ? 1 : 0) + (w.appliedPart ? 1 : 0);
    if (!best || score > best.score) best = { limit: { min: rule.min, max: rule.max }, score };
  }
  return best ? best.limit : null;
}

const inRange = (v: number, r: { min?: number; max?: number }) => (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);

export function limitText(limit: Limit, unit: string): string {
  const parts: string[] = [];
  if (limit.min !== undefined) parts.push(`≥ ${limit.min} ${unit}`);
  if (limit.max !== undefined) parts.push(`≤ ${limit.max} ${unit}`);
  return parts.join(', ');
}

/** Reads a number as typed on a German or English keyboard ("0,25" or "0.25"). */
export function parseNumber(raw: string): number | null {
  const s = raw.trim().replace(/\s/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

export interface Evaluation {
  measurements: NewMeasurement[];
  /** Fields outside their limit (or failed pass/fail checks), with the limit that applied. */
  failures: { key: string; label: { de: string; en: string }; limit: string }[];
  /** Fields whose value could not be read. */
  invalid: string[];
  /** Numbers outside what the instrument can physically read: a typing error, not a failed limit. */
  outOfRange: { key: string; range: { min?: number; max?: number } }[];
}

/** Checks typed values against a form definition and the device's protection class and applied part. */
export function evaluateForm(form: FormField[], values: Record<string, string>, device: Electrical): Evaluation {
  const out: Evaluation = { measurements: [], failures: [], invalid: [], outOfRange: [] };
  for (const field of form) {
    const raw = values[field.key]?.trim() ?? '';
    if (raw === '') continue;
    switch (field.kind) {
      case 'number': {
        const value = parseNumber(raw);
        if (value === null) {
          out.invalid.push(field.key);
          continue;
        }
        if (field.range && !inRange(value, field.range)) {
          out.outOfRange.push({ key: field.key, range: field.range });
          continue;
        }
        const limit = applicableLimit(field, device);
        const within =
          limit === null ? null : (limit.min === undefined || value >= limit.min) && (limit.max === undefined || value <= limit.max);
        const text = limit ? limitText(limit, field.unit) : null;
        if (within === false) out.failures.push({ key: field.key, label: field.label, limit: text ?? '' });
        out.measurements.push({
          field_key: field.key,
          value_number: value,
          value_text: null,
          unit: field.unit,
          within_limit: within === null ? null : within ? 1 : 0,
          limit_text: text,
        });
        break;
      }
      case 'pass_fail': {
        if (raw !== 'pass' && raw !== 'fail') {
          out.invalid.push(field.key);
          continue;
        }
        if (raw === 'fail') out.failures.push({ key: field.key, label: field.label, limit: 'pass' });
        out.measurements.push({ field_key: field.key, value_number: null, value_text: raw, unit: null, within_limit: raw === 'pass' ? 1 : 0, limit_text: null });
        break;
      }
      case 'choice':
        if (!field.options.includes(raw)) {
          out.invalid.push(field.key);
          continue;
        }
        out.measurements.push({ field_key: field.key, value_number: null, value_text: raw, unit: null, within_limit: null, limit_text: null });
        break;
      case 'text':
        out.measurements.push({ field_key: field.key, value_number: null, value_text: raw.slice(0, 2000), unit: null, within_limit: null, limit_text: null });
        break;
    }
  }
  return out;
}

/**
 * Whether a "passed" result needs this field filled in on this device. Forms have no "required" flag, so a
 * passed inspection rests on every check and measurement of the form: every pass/fail check, every choice and
 * every number field. Free text (remarks) never is. A number field is left out only when every one of its
 * limits is tied to a protection class or applied part this device does not have (protective earth on a
 * class II device); a device whose protection class is not recorded cannot be told apart, so it measures.
 * An applied part that is not recorded means none, as in `applicableLimit`.
 */
export function requiredForPass(field: FormField, device: Electrical): boolean {
  switch (field.kind) {
    case 'text':
      return false;
    case 'pass_fail':
    case 'choice':
      return true;
    case 'number':
      return (
        field.limits.length === 0 ||
        applicableLimit(field, device) !== null ||
        (device.protectionClass === null && field.limits.some((l) => l.when?.protectionClass !== undefined))
      );
  }
}

/** The fields a "passed" result still lacks (in form order): required for this device and left empty. */
export function missingForPass(form: FormField[], values: Record<string, string | undefined>, device: Electrical): FormField[] {
  return form.filter((f) => requiredForPass(f, device) && (values[f.key]?.trim() ?? '') === '');
}

/**
 * What a result needs besides valid values. "passed": every field `requiredForPass`. "failed" may leave fields
 * empty (the test was stopped, the device could not be measured) but then needs its reason: a value outside its
 * limit or a failed check, or else the findings text.
 */
export function resultProblems(
  form: FormField[],
  values: Record<string, string | undefined>,
  device: Electrical,
  result: 'passed' | 'failed',
  text: string | undefined,
): { missing: string[]; reasonMissing: boolean } {
  const evaluation = evaluateForm(form, Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined)), device);
  // A failing value decides the result: then nothing more is needed.
  if (evaluation.failures.length > 0) return { missing: [], reasonMissing: false };
  const missing = missingForPass(form, values, device).map((f) => f.key);
  if (result === 'passed') return { missing, reasonMissing: false };
  return { missing: [], reasonMissing: missing.length > 0 && (text?.trim() ?? '') === '' };
}

/** VDE 0751-1: a leakage current that rose by more than half against the previous inspection deserves a look. */
export const RISE_FLAG = 0.5;

export interface Rise {
  key: string;
  label: { de: string; en: string };
  previous: number;
  value: number;
  unit: string;
  /** Relative rise, 0.62 for +62 %. */
  rise: number;
}

/** Watched fields whose value rose by more than RISE_FLAG against the previous inspection of the same type. */
export function risesAgainst(form: FormField[], previous: Record<string, number | null | undefined>, measurements: Pick<NewMeasurement, 'field_key' | 'value_number'>[]): Rise[] {
  const out: Rise[] = [];
  for (const field of form) {
    if (field.kind !== 'number' || !field.watchRise) continue;
    const before = previous[field.key];
    const now = measurements.find((m) => m.field_key === field.key)?.value_number;
    // A previous value of 0 has no meaningful relative rise.
    if (before === null || before === undefined || before <= 0 || now === null || now === undefined) continue;
    const rise = (now - before) / before;
    if (rise > RISE_FLAG) out.push({ key: field.key, label: field.label, previous: before, value: now, unit: field.unit, rise });
  }
  return out;
}
