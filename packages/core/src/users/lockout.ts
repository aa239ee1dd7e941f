/** This many wrong passwords for one account within the window lock it (OWASP ASVS 2.2.1). */
export const LOCKOUT_FAILURES = 5;
export const LOCKOUT_WINDOW_MINUTES = 15;
export const LOCKOUT_MINUTES = 15;

const minutes = (n: number) => n * 60_000;

/**
 * After a wrong password at `now`: until when the account is locked, or null. Pure.
 * `failures` are the earlier wrong passwords since the last successful sign-in or lock (any order).
 */
export function lockAfterFailure(failures: readonly Date[], now: Date): Date | null {
  const since = now.getTime() - minutes(LOCKOUT_WINDOW_MINUTES);
  const inWindow = failures.filter((f) => f.getTime() > since).length + 1;
  return inWindow >= LOCKOUT_FAILURES ? new Date(now.getTime() + minutes(LOCKOUT_MINUTES)) : null;
}

/** Whether a lock is still in force at `now`. */
export const isLocked = (lockedUntil: string | Date | null | undefined, now: Date) =>
  !!lockedUntil && new Date(lockedUntil).getTime() > now.getTime();

/**
 * Until when an address no account has is locked at `now`, or null, replayed from its wrong passwords: the rule of
 * `lockAfterFailure`, whose account forgets its failures when it locks. Such an address must lock as an account
 * does, or the lock would tell which addresses exist. Pure.
 */
export function lockFromFailures(failures: readonly Date[], now: Date): Date | null {
  let window: Date[] = [];
  let until: Date | null = null;
  for (const failure of [...failures].sort((a, b) => a.getTime() - b.getTime())) {
    const lock = lockAfterFailure(window, failure);
    if (lock) [until, window] = [lock, []];
    else window.push(failure);
  }
  return isLocked(until, now) ? until : null;
}

/** How long failures of an unknown address matter: a window of failures and the lock it may start. */
export const UNKNOWN_FAILURE_KEEP_MINUTES = LOCKOUT_WINDOW_MINUTES + LOCKOUT_MINUTES;
