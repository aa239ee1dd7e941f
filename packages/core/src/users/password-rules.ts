import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

/** NIST SP 800-63B: length over composition rules; a long passphrase is the advice the messages give. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
/** A new password must differ from this many of the user's last passwords (the current one included). */
export const PASSWORD_HISTORY_DEPTH = 3;

/**
 * About 49,000 passwords most often seen in published breaches, shipped inside the npm package
 * (@zxcvbn-ts/language-common, pinned): nothing is fetched at run time.
 */
const common = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export type PasswordProblem = 'common' | 'repetitive' | 'personal';

/** Words of a person that must not be the password: the email's name part and the name's words, 4+ letters. */
function personalWords(person: { email?: string | undefined; name?: string | undefined }): string[] {
  const words = [person.email?.split('@')[0] ?? '', ...(person.name ?? '').split(/[^\p{L}\p{N}]+/u), 'medreg'];
  return words.map((w) => w.toLowerCase()).filter((w) => w.length >= 4);
}

/**
 * What is wrong with a password of acceptable length, or null. Pure.
 * - common: a listed password, also with digits or symbols only added before or after ("Password2024!"),
 *   or repeated ("qwertyqwerty");
 * - repetitive: fewer than 5 different characters ("aaaaaaaaaaaa", "abababababab");
 * - personal: contains the person's name, the name part of their email, or this application's name.
 */
export function passwordProblem(
  password: string,
  person: { email?: string | undefined; name?: string | undefined } = {},
): PasswordProblem | null {
  const lower = password.toLowerCase();
  if (new Set(lower).size < 5) return 'repetitive';
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const unit = /^(.+?)\1+$/u.exec(lower)?.[1];
  if ([lower, core, unit].some((c) => c !== undefined && common.has(c))) return 'common';
  if (personalWords(person).some((w) => lower.includes(w))) return 'personal';
  return null;
}

/**
 * A new password: length first (the limits are in the message), then the rules above that need no person;
 * the caller checks `passwordProblem` with the person too.
 */
export const newPassword = z
  .string({ error: 'errors.required' })
  .min(PASSWORD_MIN_LENGTH, { error: 'accounts.password.tooShort' })
  .max(PASSWORD_MAX_LENGTH, { error: 'accounts.password.tooLong' })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `accounts.password.${problem}` });
  });
