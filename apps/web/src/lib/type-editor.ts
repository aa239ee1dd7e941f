import type { FormField } from '@medreg/db';
import type { Locale } from '@medreg/i18n';

/**
 * What the inspection-type editor holds while a manager edits: every value as typed (strings), so a refused
 * post shows exactly what was sent. The inputs are named by the paths the API reports problems at
 * (`form.2.limits.0.max`), so each message lands next to its input.
 */
export interface EditorLimit {
  protectionClass: string;
  appliedPart: string;
  min: string;
  max: string;
}

export type FieldKind = FormField['kind'];
export const fieldKinds: FieldKind[] = ['pass_fail', 'number', 'choice', 'text'];

export interface EditorField {
  /** Stable identity for keyed lists while fields move. */
  uid: number;
  /** The key the field was loaded with: a field with recorded values keeps it. */
  storedKey: string | null;
  key: string;
  kind: FieldKind;
  de: string;
  en: string;
  unit: string;
  limits: EditorLimit[];
  rangeMin: string;
  rangeMax: string;
  watchRise: boolean;
  options: string;
}

export interface EditorType {
  code: string;
  nameDe: string;
  nameEn: string;
  legalReference: string;
  intervalMonths: string;
  anchor: string;
  performerRoles: string[];
  form: EditorField[];
}

let uid = 0;
export const nextUid = () => ++uid;

/** A number as people in this locale type it (0,5 in German); the API reads both. */
const num = (n: number | undefined, locale: Locale) => (n === undefined ? '' : locale === 'de' ? String(n).replace('.', ',') : String(n));

export const emptyField = (): EditorField => ({
  uid: nextUid(),
  storedKey: null,
  key: '',
  kind: 'pass_fail',
  de: '',
  en: '',
  unit: '',
  limits: [],
  rangeMin: '',
  rangeMax: '',
  watchRise: false,
  options: '',
});

export const emptyLimit = (): EditorLimit => ({ protectionClass: '', appliedPart: '', min: '', max: '' });

export function fromStored(
  type: { code: string; name_de: string; name_en: string; legal_reference: string | null; interval_months: number; anchor: string; performer_roles: string[]; form: FormField[] },
  locale: Locale,
): EditorType {
  return {
    code: type.code,
    nameDe: type.name_de,
    nameEn: type.name_en,
    legalReference: type.legal_reference ?? '',
    intervalMonths: String(type.interval_months),
    anchor: type.anchor,
    performerRoles: [...type.performer_roles],
    form: type.form.map((f) => ({
      ...emptyField(),
      storedKey: f.key,
      key: f.key,
      kind: f.kind,
      de: f.label.de,
      en: f.label.en,
      ...(f.kind === 'number'
        ? {
            unit: f.unit,
            limits: f.limits.map((r) => ({ protectionClass: r.when?.protectionClass ?? '', appliedPart: r.when?.appliedPart ?? '', min: num(r.min, locale), max: num(r.max, locale) })),
            rangeMin: num(f.range?.min, locale),
            rangeMax: num(f.range?.max, locale),
            watchRise: f.watchRise === true,
          }
        : {}),
      ...(f.kind === 'choice' ? { options: f.options.join('\n') } : {}),
    })),
  };
}

/** The values of a refused post (see `postedValues`), back into the editor. */
export function fromPosted(values: Record<string, string | string[]>): EditorType {
  const s = (k: string) => {
    const v = values[k];
    return typeof v === 'string' ? v : '';
  };
  const form: EditorField[] = [];
  for (let i = 0; `form.${i}.kind` in values; i++) {
    const p = `form.${i}.`;
    const limits: EditorLimit[] = [];
    for (let j = 0; `${p}limits.${j}.min` in values; j++) {
      const q = `${p}limits.${j}.`;
      limits.push({ protectionClass: s(`${q}protectionClass`), appliedPart: s(`${q}appliedPart`), min: s(`${q}min`), max: s(`${q}max`) });
    }
    form.push({
      uid: nextUid(),
      storedKey: s(`${p}storedKey`) || null,
      key: s(`${p}key`),
      kind: (fieldKinds as string[]).includes(s(`${p}kind`)) ? (s(`${p}kind`) as FieldKind) : 'pass_fail',
      de: s(`${p}label.de`),
      en: s(`${p}label.en`),
      unit: s(`${p}unit`),
      limits,
      rangeMin: s(`${p}range.min`),
      rangeMax: s(`${p}range.max`),
      watchRise: s(`${p}watchRise`) === 'on',
      options: s(`${p}options`),
    });
  }
  const roles = values.performerRoles;
  return {
    code: s('code'),
    nameDe: s('nameDe'),
    nameEn: s('nameEn'),
    legalReference: s('legalReference'),
    intervalMonths: s('intervalMonths'),
    anchor: s('anchor'),
    performerRoles: Array.isArray(roles) ? roles : roles ? [roles] : [],
    form,
  };
}

/** A posted form as a plain record (repeated names as arrays), to be handed back on a refusal. */
export function postedValues(fd: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of fd.entries()) {
    if (typeof v !== 'string') continue;
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  if (!Array.isArray(out.performerRoles)) out.performerRoles = out.performerRoles ? [out.performerRoles] : [];
  return out;
}

/** DOM ids from field paths: `form.2.limits.0.max` → `form-2-limits-0-max`. */
export const idOf = (path: string) => path.replaceAll('.', '-');
