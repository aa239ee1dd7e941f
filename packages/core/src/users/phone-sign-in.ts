/** How long a phone sign-in code shown on a computer works: long enough to take out a phone and scan it. */
export const PHONE_CODE_SECONDS = 120;

export type PhoneCodeRefusal = 'unknown' | 'blocked' | 'used' | 'expired';

/**
 * Whether a stored code may sign a phone in at `now`. A blocked account is named first (whatever the code's state,
 * that is what the person must know), then a used code before an expired one (more telling: someone already used it).
 */
export function judgePhoneCode(
  code: { expires_at: string; used_at: string | null; blocked_at: string | null } | undefined,
  now: Date,
): PhoneCodeRefusal | 'valid' {
  if (!code) return 'unknown';
  if (code.blocked_at) return 'blocked';
  if (code.used_at) return 'used';
  if (new Date(code.expires_at).getTime() <= now.getTime()) return 'expired';
  return 'valid';
}
