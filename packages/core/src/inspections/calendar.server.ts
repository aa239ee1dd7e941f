import { createHash, randomBytes } from 'node:crypto';
import { UTCDate } from '@date-fns/utc';
import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { formatISO } from 'date-fns/formatISO';
import ical, { ICalCalendarMethod } from 'ical-generator';
import { z } from 'zod';
import type { Role } from '@medreg/db';
import { formatDate, translator, type Locale } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { visibleTo } from '../devices/access.js';
import { locationText } from '../devices/queries.server.js';
import { notFound } from '../trpc/errors.js';
import { today, type CalendarDate } from './due.js';

/** Who may have a feed: the people who do or plan inspections. */
export const feedRoles: readonly Role[] = ['technician', 'manager', 'admin'];
/** How far ahead the feed looks. */
export const FEED_MONTHS = 12;
/**
 * A calendar app stores every event it is given; a hospital group's whole register would swamp it. The
 * soonest come first, so what is cut is furthest away.
 */
export const MAX_FEED_EVENTS = 5_000;

/** 32 random bytes, base64url: 43 characters. Checked before hashing so junk never reaches the database. */
const tokenShape = /^[A-Za-z0-9_-]{43}$/;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const feedUrl = (services: Services, token: string) => `${services.baseUrl}/api/calendar/${token}.ics`;

export const revokeTokenInput = z.object({ id: z.uuid({ error: 'reminders.errors.tokenNotFound' }) });

/** A new feed token for the user. The secret leaves the server only in this answer; the database keeps its hash. */
export async function createCalendarToken(services: Services, user: SessionUser) {
  const token = randomBytes(32).toString('base64url');
  const row = { id: crypto.randomUUID(), user_id: user.id, token_hash: hashToken(token), created_at: services.now().toISOString() };
  await services.db.insertInto('calendar_tokens').values(row).execute();
  return { id: row.id, createdAt: row.created_at, url: feedUrl(services, token) };
}

/** The user's tokens that still work, newest first, without any secret. */
export async function listCalendarTokens(services: Services, user: SessionUser) {
  const rows = await services.db
    .selectFrom('calendar_tokens')
    .select(['id', 'created_at', 'last_used_at'])
    .where('user_id', '=', user.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}

/** Revokes one of the user's own tokens; someone else's, or one already revoked, is "not found". */
export async function revokeCalendarToken(services: Services, user: SessionUser, id: string) {
  const result = await services.db
    .updateTable('calendar_tokens')
    .set({ revoked_at: services.now().toISOString() })
    .where('id', '=', id)
    .where('user_id', '=', user.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw notFound('reminders.errors.tokenNotFound');
}

/** The person a token belongs to, if it is valid and the person may have a feed. */
async function tokenOwner(services: Services, token: string) {
  if (!tokenShape.test(token)) return null;
  const row = await services.db
    .selectFrom('calendar_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 'u.id', 'u.name', 'u.email', 'u.role', 'u.phone', 'u.locale', 'u.blocked_at'])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.revoked_at', 'is', null)
    .executeTakeFirst();
  // A departed (blocked) person's calendar goes silent with their account, as does one whose role changed.
  if (!row || row.blocked_at || !feedRoles.includes(row.role)) return null;
  const deps = await services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', row.id).execute();
  const user: SessionUser = { id: row.id, name: row.name, email: row.email, role: row.role, phone: row.phone, departmentIds: deps.map((d) => d.department_id) };
  return { tokenId: row.token_id, user, locale: (row.locale ?? 'de') as Locale };
}

const day = (d: Date) => formatISO(d, { representation: 'date' });
const utc = (d: CalendarDate) => new UTCDate(`${d}T00:00:00Z`);

/**
 * The iCal feed behind a token, or null for a token that is unknown, revoked, or whose owner may not have one
 * (the route answers all of these with the same bare 404). One all-day event per device and inspection type:
 * on its due date, or today while it is overdue or failed, so it cannot drop out of sight in the past.
 */
export async function calendarFeed(services: Services, token: string): Promise<string | null> {
  const owner = await tokenOwner(services, token);
  if (!owner) return null;
  const now = services.now();
  const day0 = today(now);
  const horizon = day(addMonths(utc(day0), FEED_MONTHS));
  const rows = await services.db
    .selectFrom('device_obligations as o')
    .innerJoin('devices', 'devices.id', 'o.device_id')
    .innerJoin('inspection_types as it', 'it.id', 'o.inspection_type_id')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('sites as s', 's.id', 'devices.site_id')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .leftJoin('rooms as r', 'r.id', 'devices.room_id')
    .where('devices.status', '!=', 'decommissioned')
    .where(visibleTo(owner.user))
    .where((eb) => eb.or([eb('o.due_on', '<=', horizon), eb('o.failed', '=', 1)]))
    .select([
      'devices.id as device_id',
      'devices.code',
      'devices.inventory_number',
      'm.name as model_name',
      's.name as site_name',
      'dep.name as department_name',
      'r.name as room_name',
      'it.id as type_id',
      'it.code as type_code',
      'it.name_de',
      'it.name_en',
      'o.due_on',
      'o.last_on',
      'o.failed',
    ])
    .orderBy('o.failed', 'desc')
    .orderBy('o.due_on')
    .orderBy('devices.inventory_number')
    .limit(MAX_FEED_EVENTS)
    .execute();

  const { locale } = owner;
  const t = translator(locale);
  const host = new URL(services.baseUrl).host;
  // No calendar time zone: due dates are whole days (VALUE=DATE), the same day in every zone. "Today" is
  // Berlin's today (day0), so an overdue item moves at the hospital's midnight, not the server's.
  const calendar = ical({ name: t('reminders.feed.name'), prodId: { company: 'MedReg', product: 'due-inspections', language: locale.toUpperCase() }, ttl: 3600 });
  calendar.method(ICalCalendarMethod.PUBLISH);
  for (const r of rows) {
    const dueOn = String(r.due_on);
    const failed = r.failed === 1;
    const overdue = dueOn < day0;
    const on = failed || overdue ? day0 : dueOn;
    const label = `${r.type_code} · ${r.inventory_number} ${r.model_name}`;
    const state = failed ? t('reminders.feed.failed') : overdue ? t('reminders.feed.overdue') : null;
    const url = `${services.baseUrl}/d/${r.code}`;
    calendar.createEvent({
      // Stable per device and type: a calendar app updates the event when the due date moves.
      id: `${r.device_id}.${r.type_id}@${host}`,
      allDay: true,
      start: utc(on),
      end: addDays(utc(on), 1),
      stamp: now,
      summary: state ? `${state}: ${label}` : label,
      location: locationText(r),
      url,
      description: [
        locale === 'de' ? r.name_de : r.name_en,
        t('reminders.feed.dueOn', { date: formatDate(locale, dueOn) }),
        r.last_on ? t('reminders.feed.lastOn', { date: formatDate(locale, String(r.last_on)) }) : t('reminders.feed.never'),
        url,
      ].join('\n'),
    });
  }
  await services.db.updateTable('calendar_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', owner.tokenId).execute();
  return calendar.toString();
}
