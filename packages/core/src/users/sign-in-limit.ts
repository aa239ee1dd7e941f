/** Sign-in attempts one client address may make within a number of seconds (SIGN_IN_RATE_LIMIT, "3/10"). */
export interface SignInLimit {
  max: number;
  seconds: number;
}

/** The auth library's own default for its sign-in routes. */
export const DEFAULT_SIGN_IN_LIMIT: SignInLimit = { max: 3, seconds: 10 };

/**
 * Reads SIGN_IN_RATE_LIMIT, "<attempts>/<seconds>" (1 to 10,000 attempts within 1 to 3,600 seconds). Behind a
 * reverse proxy every client has the proxy's address, so a ward signing in at the change of shift needs more.
 */
export function signInLimitFrom(value: string | undefined): SignInLimit {
  if (value === undefined || value.trim() === '') return DEFAULT_SIGN_IN_LIMIT;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const max = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || max < 1 || max > 10_000 || seconds < 1 || seconds > 3_600)
    throw new Error(`SIGN_IN_RATE_LIMIT must be "<attempts>/<seconds>" (1 to 10000 attempts within 1 to 3600 seconds), e.g. "3/10", not "${value}"`);
  return { max, seconds };
}
