import { betterAuth } from 'better-auth';
import type { Kysely } from 'kysely';
import type { Dialect } from '@medreg/db';
import { phoneSignInPlugin } from './phone-sign-in-auth.server.js';
import { accountHooks } from './auth-hooks.server.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-rules.js';
import { DEFAULT_SIGN_IN_LIMIT, type SignInLimit } from './sign-in-limit.js';

/** Set by the server from the connection, never trusted from the client. */
export const CLIENT_IP_HEADER = 'x-medreg-client-ip';

/**
 * A copy of the request carrying the client's address as the auth library reads it. Only the auth library's own
 * routes read it (sign-in rate limit, a session's address); other requests go on as they are, unless they carry a
 * forged header, which is removed. Copying a request costs more than a simple API call's own work.
 */
export function withClientIp(request: Request, address: string | undefined): Request {
  const path = request.url.slice(request.url.indexOf('/', request.url.indexOf('//') + 2));
  if (!path.startsWith('/api/auth/') && !request.headers.has(CLIENT_IP_HEADER)) return request;
  const headers = new Headers(request.headers);
  headers.delete(CLIENT_IP_HEADER);
  if (address) headers.set(CLIENT_IP_HEADER, address);
  return new Request(request, { headers });
}

export interface AuthConfig {
  authDb: Kysely<any>;
  dialect: Dialect;
  baseUrl: string;
  /** Signs session cookies; at least 32 characters. */
  secret: string;
  /** The clock of the sign-in lockout. */
  now?: () => Date;
  /** Sign-in attempts per client address (the web form and the API's sign-in route alike). */
  signInLimit?: SignInLimit;
}

/**
 * Email + password login with better-auth: scrypt password hashes (memory-hard), sessions in an
 * httpOnly SameSite=Lax cookie. Accounts are created by administrators and the seed, never by sign-up.
 * better-auth's tables are mapped onto ours (snake_case, plural names).
 */
export function createAuth(config: AuthConfig) {
  const ts = { createdAt: 'created_at', updatedAt: 'updated_at' };
  return betterAuth({
    appName: 'MedReg',
    baseURL: config.baseUrl,
    basePath: '/api/auth',
    secret: config.secret,
    database: { db: config.authDb, type: config.dialect },
    telemetry: { enabled: false },
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: PASSWORD_MIN_LENGTH, maxPasswordLength: PASSWORD_MAX_LENGTH },
    // Only the endpoints the app uses are open (no self-service rename, password change…), sign-in lockout,
    // blocked accounts: see auth-hooks.server.ts.
    hooks: accountHooks(config.authDb, config.now ?? (() => new Date()), config.secret),
    session: {
      modelName: 'sessions',
      fields: { userId: 'user_id', expiresAt: 'expires_at', ipAddress: 'ip_address', userAgent: 'user_agent', ...ts },
      expiresIn: 60 * 60 * 12,
      // 12 h from sign-in, never extended; inactivity ends a session sooner (users/sessions.server.ts).
      disableSessionRefresh: true,
    },
    user: {
      modelName: 'users',
      fields: { emailVerified: 'email_verified', ...ts },
      additionalFields: {
        role: { type: 'string', required: false, input: false, defaultValue: 'nurse' },
        blocked_at: { type: 'string', required: false, input: false },
      },
    },
    account: {
      modelName: 'accounts',
      fields: {
        userId: 'user_id',
        accountId: 'account_id',
        providerId: 'provider_id',
        accessToken: 'access_token',
        refreshToken: 'refresh_token',
        idToken: 'id_token',
        accessTokenExpiresAt: 'access_token_expires_at',
        refreshTokenExpiresAt: 'refresh_token_expires_at',
        ...ts,
      },
    },
    verification: { modelName: 'verifications', fields: { expiresAt: 'expires_at', ...ts } },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 100,
      // In the database: every process of the app (and every server on PostgreSQL) counts the same attempts.
      storage: 'database',
      modelName: 'rate_limits',
      fields: { lastRequest: 'last_request' },
      customRules: { '/sign-in/*': { window: (config.signInLimit ?? DEFAULT_SIGN_IN_LIMIT).seconds, max: (config.signInLimit ?? DEFAULT_SIGN_IN_LIMIT).max } },
    },
    // Signing a phone in by a QR code from a signed-in computer (sessions page).
    plugins: [phoneSignInPlugin()],
    advanced: {
      // Both entry points (web hook, standalone API server) overwrite this header with the socket's
      // address, so the sign-in rate limit counts per client and cannot be dodged by a forged header.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      cookiePrefix: 'medreg',
      useSecureCookies: config.baseUrl.startsWith('https://'),
      database: { generateId: () => crypto.randomUUID() },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
