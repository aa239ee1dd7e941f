import type { ColumnType, Generated } from 'kysely';

/** A nullable column an insert may leave out. */
type Optional<T> = ColumnType<T | null, T | null | undefined, T | null>;

export type Role = 'admin' | 'manager' | 'technician' | 'nurse';

/** Users; the auth library reads and writes the first columns, the rest are ours. */
export interface UserTable {
  id: string;
  name: string;
  email: string;
  email_verified: number | boolean;
  image: string | null;
  created_at: string;
  updated_at: string;
  role: Role;
  phone: string | null;
  locale: 'de' | 'en' | null;
  /** A departed person's account is blocked, never deleted: logbook entries keep pointing at it. */
  blocked_at: string | null;
  /** 1: wants the weekly e-mail of due inspections. */
  weekly_digest: Generated<number>;
  /** When the personal fields were replaced by a pseudonym (a departed person, GDPR); irreversible. */
  pseudonymised_at: string | null;
  /** 1: signed in with a one-time initial password, must set their own before anything else. */
  must_change_password: Generated<number>;
  /** Locked after too many wrong passwords until this instant; null: not locked. */
  locked_until: Optional<string>;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token: string;
  expires_at: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  updated_at: string;
  /** The last request seen on this session (idle expiry); null: none since sign-in. */
  last_active_at: Optional<string>;
}

/** Credentials; `password` holds the scrypt hash written by the auth library. */
export interface AccountTable {
  id: string;
  user_id: string;
  account_id: string;
  provider_id: string;
  access_token: string | null;
  refresh_token: string | null;
  id_token: string | null;
  access_token_expires_at: string | null;
  refresh_token_expires_at: string | null;
  scope: string | null;
  password: string | null;
  created_at: string;
  updated_at: string;
}

export interface VerificationTable {
  id: string;
  identifier: string;
  value: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export interface UserDepartmentTable {
  user_id: string;
  department_id: string;
}

/** Who looked at or exported personal data (GDPR art. 30 style access log). */
export interface AccessLogTable {
  id: string;
  /** The reader. */
  user_id: string | null;
  action: string;
  /** What was read, e.g. "user:<id>", "department:<id>". */
  subject: string;
  /** The person whose data it was, where the subject is one person. */
  subject_user_id: string | null;
  at: string;
}
