import { type Kysely, sql } from 'kysely';

// Frozen: this migration must never change once released. It takes Kysely<any> on purpose.

/**
 * The user administration logged an opened user (`users.get`) and an invitation (`users.invite`) with the bare
 * user id as subject instead of "user:<id>", so those rows had no subject person: they were missing from that
 * person's access log and export. They get the form every other access to one person has.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update access_log set subject = 'user:' || subject, subject_user_id = subject
    where action in ('users.get', 'users.invite') and subject_user_id is null and subject in (select id from users)`.execute(db);
}

/** The subjects stay in the form every version reads. */
export async function down(): Promise<void> {}
