import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '@medreg/db';
import { escapeLike } from '../devices/queries.server.js';
import { isoDate } from '../trpc/schemas.js';
import { dayStart, nextDay, retentionCutoff } from './personal-data.js';

/**
 * Who looked at or exported whose personal data (GDPR Art. 32), and which administrator changed, blocked or reset
 * whose account: the reader, what, and whose. A subject
 * "user:<id>" names one person; it is also kept as a reference so that a person's rows can be found.
 */
export async function logAccess(db: Kysely<Database>, userId: string, action: string, subject: string, at: Date) {
  const person = /^user:(.+)$/.exec(subject)?.[1] ?? null;
  await db
    .insertInto('access_log')
    .values({ id: crypto.randomUUID(), user_id: userId, action, subject, subject_user_id: person, at: at.toISOString() })
    .execute();
}

/** Deletes access log rows older than the retention (the hourly job); answers how many went. */
export async function purgeAccessLog(db: Kysely<Database>, now: Date, days: number): Promise<number> {
  const result = await db.deleteFrom('access_log').where('at', '<', retentionCutoff(now, days).toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export const ACCESS_LOG_PAGE = 50;

const person = z.preprocess((v) => (typeof v === 'string' ? v.trim() : v) || undefined, z.string().max(200, { error: 'errors.tooLong' }).optional());
const day = z.preprocess((v) => v || undefined, isoDate.optional());

/** The access log page's filters as its query string carries them (empty means "any"). */
export const accessLogFilters = z
  .object({
    /** Name or e-mail of the reader, a part of it is enough. */
    reader: person,
    /** Name or e-mail of the person whose data was read. */
    subject: person,
    from: day,
    to: day,
    /** Continue after this row ("<at>|<id>" of the last row shown). */
    after: z.preprocess((v) => v || undefined, z.string().max(120).regex(/^[^|]+\|[^|]+$/, { error: 'errors.invalid' }).optional()),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { error: 'privacy.log.toBeforeFrom', path: ['to'] });
export type AccessLogFilters = z.output<typeof accessLogFilters>;

/** One page of the access log, newest first, with names of reader and subject person. */
export async function readAccessLog(db: Kysely<Database>, f: AccessLogFilters) {
  const matches = (alias: 'r' | 's', text: string) => {
    const pattern = `%${escapeLike(text.toLowerCase())}%`;
    return sql<boolean>`(lower(${sql.ref(`${alias}.name`)}) like ${pattern} escape '\\' or lower(${sql.ref(`${alias}.email`)}) like ${pattern} escape '\\')`;
  };
  let q = db
    .selectFrom('access_log as a')
    .leftJoin('users as r', 'r.id', 'a.user_id')
    .leftJoin('users as s', 's.id', 'a.subject_user_id')
    .select(['a.id', 'a.at', 'a.action', 'a.subject', 'a.user_id', 'r.name as reader_name', 'a.subject_user_id', 's.name as subject_name'])
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(ACCESS_LOG_PAGE + 1);
  if (f.reader) q = q.where(matches('r', f.reader));
  if (f.subject) q = q.where(matches('s', f.subject));
  if (f.from) q = q.where('a.at', '>=', dayStart(f.from).toISOString());
  if (f.to) q = q.where('a.at', '<', dayStart(nextDay(f.to)).toISOString());
  if (f.after) {
    const [at, id] = f.after.split('|') as [string, string];
    q = q.where((eb) => eb(eb.refTuple('a.at', 'a.id'), '<', eb.tuple(at, id)));
  }
  const rows = await q.execute();
  const page = rows.slice(0, ACCESS_LOG_PAGE).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > ACCESS_LOG_PAGE && last ? `${last.at}|${last.id}` : null };
}
