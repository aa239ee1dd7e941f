import type { RouterOutputs } from '@medreg/core';
import type { I18n } from './i18n';

type AssignedType = RouterOutputs['devices']['get']['inspections'][number];
type Measurement = RouterOutputs['logbook']['list'][number]['measurements'][number];

/** Measured values are stored by form field key; people read the form's label in their language. */
export function measurementText(i18n: I18n, types: AssignedType[], typeCode: string | null, m: Measurement): string {
  const field = types.find((x) => x.code === typeCode)?.form.find((f) => f.key === m.field_key);
  const label = field ? field.label[i18n.locale] : m.field_key;
  const value =
    m.value_number !== null
      ? i18n.number(m.value_number)
      : m.value_text === 'pass'
        ? i18n.t('results.passed')
        : m.value_text === 'fail'
          ? i18n.t('results.failed')
          : m.value_text;
  return `${label}: ${value}${m.unit ? ` ${m.unit}` : ''}${m.limit_text ? ` (${m.limit_text})` : ''}`;
}

/** A value outside its limit or a failed check. */
export const failedMeasurement = (m: Measurement) => m.within_limit === 0 || m.value_text === 'fail';
