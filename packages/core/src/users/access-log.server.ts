import type { Kysely } from 'kysely';
import type { Database } from '@medreg/db';

/** Who looked at or exported whose personal data (GDPR Art. 32): the reader, what, and whose. */
export async function logAccess(db: Kysely<Database>, userId: string, action: string, subject: string, at: Date) {
  await db.insertInto('access_log').values({ id: crypto.randomUUID(), user_id: userId, action, subject, at: at.toISOString() }).execute();
}
