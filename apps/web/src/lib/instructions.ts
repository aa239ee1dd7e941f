import type { Translate } from '@medreg/i18n';

/** Whom to ask for instruction on a model here: the appointed persons with their phone numbers. */
export function whomToAsk(t: Translate, appointed: readonly { name: string; phone: string | null }[]): string {
  if (appointed.length === 0) return t('instruction.noAppointed');
  return t('instruction.askAppointed', { names: appointed.map((a) => a.name + (a.phone ? ` (${a.phone})` : '')).join(', ') });
}
