import type { z } from 'zod';
import { isMessageKey, type Translate } from '@medreg/i18n';

/**
 * Turns zod issues into translated messages per field. Schemas put message keys in their
 * `error` option (e.g. "errors.invalidDate"); other issues get a message from their code.
 */
export function translateIssues(issues: readonly z.core.$ZodIssue[], t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const field = issue.path.join('.') || '_';
    if (out[field]) continue;
    out[field] = translateIssue(issue, t);
  }
  return out;
}

function translateIssue(issue: z.core.$ZodIssue, t: Translate): string {
  // A schema's own key may name the limit it enforces ("at most {{max}} photos").
  if (isMessageKey(issue.message))
    return t(issue.message, issue.code === 'too_big' ? { max: Number(issue.maximum) } : issue.code === 'too_small' ? { min: Number(issue.minimum) } : {});
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === null || issue.input === ''
        ? t('errors.required')
        : t('errors.invalidType', { expected: issue.expected });
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? t('errors.required') : t('errors.tooShort', { min: Number(issue.minimum) });
      return t('errors.tooSmall', { min: Number(issue.minimum) });
    case 'too_big':
      if (issue.origin === 'string') return t('errors.tooLong', { max: Number(issue.maximum) });
      return t('errors.tooBig', { max: Number(issue.maximum) });
    case 'invalid_format':
      return issue.format === 'email' ? t('errors.invalidEmail') : t('errors.invalid');
    case 'invalid_value':
      return t('errors.invalidChoice');
    default:
      return t('errors.invalid');
  }
}
