/** Minutes without a request after which a session ends (SESSION_IDLE_MINUTES); the 12 h lifetime still applies. */
export const DEFAULT_SESSION_IDLE_MINUTES = 30;
/** A session's last activity is written at most this often: one write a minute, not one per request. */
export const ACTIVITY_WRITE_MS = 60_000;

/** The session's last request: the recorded one, else its sign-in. Both are instants (text or a PostgreSQL Date). */
const lastActive = (s: { last_active_at: string | Date | null; created_at: string | Date }) => new Date(s.last_active_at ?? s.created_at).getTime();

/** Whether a session has been idle for longer than the limit at `now`. Pure. */
export function isIdle(s: { last_active_at: string | Date | null; created_at: string | Date }, now: Date, idleMinutes: number): boolean {
  return now.getTime() - lastActive(s) > idleMinutes * 60_000;
}

/** Whether this request should record the session's activity. Pure. */
export function needsActivityWrite(s: { last_active_at: string | Date | null; created_at: string | Date }, now: Date): boolean {
  return now.getTime() - lastActive(s) >= ACTIVITY_WRITE_MS;
}

/** Reads SESSION_IDLE_MINUTES: a whole number of minutes from 1 to 720 (the absolute lifetime), else the default. */
export function idleMinutesFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_SESSION_IDLE_MINUTES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 720) throw new Error(`SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 720, not "${value}"`);
  return n;
}
