/** The hash of one of a user's last passwords (scrypt, as the auth library writes it). */
export interface PasswordHistoryTable {
  id: string;
  user_id: string;
  hash: string;
  created_at: string;
}

/** One wrong password for an account, counted towards the lockout. */
export interface SignInFailureTable {
  id: string;
  user_id: string;
  at: string;
}

/** One wrong password for an address no account has (a keyed hash of it), counted as for an account. */
export interface UnknownSignInFailureTable {
  id: string;
  address_key: string;
  at: string;
}

/** The auth library's rate-limit counter of one client address and path (its rateLimit model). */
export interface RateLimitTable {
  id: string;
  key: string;
  count: number;
  last_request: number;
}
