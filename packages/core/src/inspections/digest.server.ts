import { UTCDate } from '@date-fns/utc';
import { addDays } from 'date-fns/addDays';
import { formatISO } from 'date-fns/formatISO';
import { getISODay } from 'date-fns/getISODay';
import { getISOWeek } from 'date-fns/getISOWeek';
import { getISOWeekYear } from 'date-fns/getISOWeekYear';
import { sql, type Kysely } from 'kysely';
import { createTransport, type Transporter } from 'nodemailer';
import type { Database } from '@medreg/db';
import { formatDate, translator, type Locale, type Translate } from '@medreg/i18n';
import type { Services, SessionUser } from '../context.js';
import { visibleTo } from '../devices/access.js';
import { feedRoles } from './calendar.server.js';
import { today, type CalendarDate } from './due.js';

export interface SmtpConfig {
  /** smtp://host:25 or smtps://user:pass@host:465 */
  url: string;
  from: string;
}

let warned = false;

/** SMTP from SMTP_URL and SMTP_FROM; null (digests off) without SMTP_URL or with one that is not smtp(s)://. */
export function smtpFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  const url = env.SMTP_URL?.trim();
  if (!url) return null;
  if (!/^smtps?:\/\/[^/\s]+/.test(url)) {
    // Said once, not on every page that asks whether mail works.
    if (!warned) console.error('MedReg: SMTP_URL must look like smtp://host:25 or smtps://host:465; weekly e-mails are off.');
    warned = true;
    return null;
  }
  const host = new URL(env.BASE_URL ?? 'http://localhost').hostname;
  return { url, from: env.SMTP_FROM?.trim() || `MedReg <medreg@${host}>` };
}

export interface Mailer {
  from: string;
  transport: Pick<Transporter, 'sendMail' | 'close'>;
}

export function createMailer(smtp: SmtpConfig): Mailer {
  return { from: smtp.from, transport: createTransport(smtp.url) };
}

/** Digests go out from Monday 06:00 in the hospital's time zone. */
export const DIGEST_HOUR = 6;
/** "Due soon" in the digest: the next two weeks. */
export const DIGEST_DAYS = 14;
/** Items listed by name in one mail; the rest are counted, with the link to the full list. */
export const DIGEST_ITEMS = 30;
/**
 * digest_log.items while a mail is being sent. A row left with it means the process stopped between claiming
 * the week and confirming the send: whether the mail left is unknown, so it is reported, never resent.
 */
const IN_FLIGHT = -1;

/** The ISO week ('2026-W48') of an instant in Berlin, and whether that week's digest may go out yet. */
export function digestWeek(now: Date, timeZone = 'Europe/Berlin') {
  const day = new UTCDate(`${today(now, timeZone)}T00:00:00Z`);
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now));
  return {
    week: `${getISOWeekYear(day)}-W${String(getISOWeek(day)).padStart(2, '0')}`,
    // A server that was down on Monday morning catches up at its next run in the same week.
    open: getISODay(day) > 1 || hour >= DIGEST_HOUR,
  };
}

type Item = {
  code: string;
  inventoryNumber: string;
  model: string;
  site: string;
  ward: string | null;
  typeCode: string;
  dueOn: CalendarDate;
  state: 'failed' | 'overdue' | 'soon';
};

/** What is due for one person: failed, overdue, due in the next 14 days (each counted once, in that order). */
async function digestContent(db: Kysely<Database>, user: SessionUser, day0: CalendarDate) {
  const soonEnd = formatISO(addDays(new UTCDate(`${day0}T00:00:00Z`), DIGEST_DAYS), { representation: 'date' });
  const base = db
    .selectFrom('device_obligations as o')
    .innerJoin('devices', 'devices.id', 'o.device_id')
    .where('devices.status', '!=', 'decommissioned')
    .where(visibleTo(user))
    .where((eb) => eb.or([eb('o.due_on', '<=', soonEnd), eb('o.failed', '=', 1)]));
  const counts = await base
    .select((eb) => [
      sql<number>`sum(case when ${eb.ref('o.failed')} = 1 then 1 else 0 end)`.as('failed'),
      sql<number>`sum(case when ${eb.ref('o.failed')} = 0 and ${eb.ref('o.due_on')} < ${day0} then 1 else 0 end)`.as('overdue'),
      sql<number>`sum(case when ${eb.ref('o.failed')} = 0 and ${eb.ref('o.due_on')} >= ${day0} then 1 else 0 end)`.as('soon'),
    ])
    .executeTakeFirstOrThrow();
  // The most urgent first; grouped by ward only for reading, so no ward's items crowd out another's.
  const rows = await base
    .innerJoin('inspection_types as it', 'it.id', 'o.inspection_type_id')
    .innerJoin('device_models as m', 'm.id', 'devices.model_id')
    .innerJoin('sites as s', 's.id', 'devices.site_id')
    .leftJoin('departments as dep', 'dep.id', 'devices.department_id')
    .select(['devices.code', 'devices.inventory_number', 'm.name as model', 's.name as site', 'dep.name as ward', 'it.code as type_code', 'o.due_on', 'o.failed'])
    .orderBy('o.failed', 'desc')
    .orderBy('o.due_on')
    .orderBy('devices.inventory_number')
    .limit(DIGEST_ITEMS)
    .execute();
  const items: Item[] = rows.map((r) => ({
    code: r.code,
    inventoryNumber: r.inventory_number,
    model: r.model,
    site: r.site,
    ward: r.ward,
    typeCode: r.type_code,
    dueOn: String(r.due_on),
    state: r.failed === 1 ? 'failed' : String(r.due_on) < day0 ? 'overdue' : 'soon',
  }));
  const n = (v: unknown) => Number(v ?? 0);
  const total = { failed: n(counts.failed), overdue: n(counts.overdue), soon: n(counts.soon) };
  return { total, count: total.failed + total.overdue + total.soon, items };
}

function byWard(items: Item[]) {
  const groups = new Map<string, Item[]>();
  for (const i of items) {
    const key = [i.site, i.ward].filter(Boolean).join(' › ');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Subject, plain text and HTML of one person's digest. */
function composeDigest(
  t: Translate,
  locale: Locale,
  input: { name: string; week: string; day0: CalendarDate; baseUrl: string; content: Awaited<ReturnType<typeof digestContent>> },
) {
  const { total, count, items } = input.content;
  const listUrl = `${input.baseUrl}/due`;
  const weekNo = Number(input.week.slice(-2));
  const subject = t('reminders.mail.subject', { week: weekNo, overdue: total.overdue, failed: total.failed, soon: total.soon });
  const line = (i: Item) => {
    const when = i.state === 'soon' ? t('reminders.mail.dueOn', { date: formatDate(locale, i.dueOn) }) : t(`reminders.mail.${i.state}`, { date: formatDate(locale, i.dueOn) });
    return { what: `${i.typeCode} · ${i.inventoryNumber} ${i.model}`, when, url: `${input.baseUrl}/d/${i.code}` };
  };
  const groups = byWard(items);
  const more = count - items.length;
  const summary = t('reminders.mail.summary', { date: formatDate(locale, input.day0), overdue: total.overdue, failed: total.failed, soon: total.soon, days: DIGEST_DAYS });

  const text = [
    t('reminders.mail.greeting', { name: input.name }),
    '',
    summary,
    ...groups.flatMap(([ward, list]) => ['', ward, ...list.map(line).map((l) => `  - ${l.what}: ${l.when}\n    ${l.url}`)]),
    '',
    more > 0 ? t('reminders.mail.more', { count: more }) : '',
    t('reminders.mail.fullList', { url: listUrl }),
    '',
    '-- ',
    t('reminders.mail.footer', { url: `${listUrl}#reminders` }),
  ].join('\n');

  const html = `<!doctype html><html lang="${locale}"><body style="font-family:system-ui,sans-serif;color:#1b1f23;line-height:1.45">
<p>${escape(t('reminders.mail.greeting', { name: input.name }))}</p>
<p><strong>${escape(summary)}</strong></p>
${groups
  .map(
    ([ward, list]) => `<h2 style="font-size:1.05rem;margin:1.2rem 0 .3rem">${escape(ward)}</h2>
<ul>${list
      .map(line)
      .map((l, k) => `<li><a href="${escape(l.url)}">${escape(l.what)}</a>: <span style="color:${list[k]!.state === 'soon' ? '#1b1f23' : '#b00020'}">${escape(l.when)}</span></li>`)
      .join('')}</ul>`,
  )
  .join('\n')}
${more > 0 ? `<p>${escape(t('reminders.mail.more', { count: more }))}</p>` : ''}
<p><a href="${escape(listUrl)}">${escape(t('reminders.mail.openList'))}</a></p>
<p style="color:#4a5560;font-size:.85rem">${escape(t('reminders.mail.footer', { url: `${listUrl}#reminders` }))}</p>
</body></html>`;
  return { subject, text, html };
}

export interface DigestRun {
  week: string;
  /** Before Monday 06:00: nothing was looked at. */
  open: boolean;
  sent: number;
  /** Opted in, but nothing due: logged, no mail. */
  empty: number;
  /** Mails the SMTP server refused or could not take; their claim is dropped so the next run tries again. */
  failed: number;
  /** Claims of this week left by a run that stopped mid-send: not resent, reported. */
  unconfirmed: number;
}

/**
 * Sends this week's digest to every non-blocked technician, manager and admin who opted in and has not had it.
 *
 * Claim, send, confirm: a digest_log row (the primary key is person + week) is inserted first, as "in flight";
 * only the run whose insert succeeds sends, so two processes or two runs never both send. A refused send drops
 * the claim (tried again next hour); a crash between claim and confirmation leaves the row in flight, which
 * later runs report instead of resending: a second copy of a mail is never sent, and a lost one is never silent.
 */
export async function sendWeeklyDigests(services: Services, mailer: Mailer, now: Date): Promise<DigestRun> {
  const { week, open } = digestWeek(now);
  const run: DigestRun = { week, open, sent: 0, empty: 0, failed: 0, unconfirmed: 0 };
  if (!open) return run;
  const { db } = services;
  const stuck = await db
    .selectFrom('digest_log')
    .select('user_id')
    .where('week', '=', week)
    .where('items', '=', IN_FLIGHT)
    .where('sent_at', '<', new Date(now.getTime() - 15 * 60_000).toISOString())
    .execute();
  run.unconfirmed = stuck.length;
  for (const s of stuck) console.error(`MedReg: the weekly digest ${week} for user ${s.user_id} may not have been sent (the server stopped while sending); it is not sent again.`);

  const people = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'phone', 'locale'])
    .where('weekly_digest', '=', 1)
    .where('blocked_at', 'is', null)
    .where('role', 'in', [...feedRoles])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('digest_log as l').select('l.user_id').whereRef('l.user_id', '=', 'users.id').where('l.week', '=', week))))
    .orderBy('id')
    .execute();
  const day0 = today(now);
  for (const p of people) {
    const claim = await db
      .insertInto('digest_log')
      .values({ user_id: p.id, week, sent_at: now.toISOString(), items: IN_FLIGHT })
      .onConflict((oc) => oc.columns(['user_id', 'week']).doNothing())
      .executeTakeFirst();
    if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1) continue; // another run has it
    const confirm = (items: number) => db.updateTable('digest_log').set({ items }).where('user_id', '=', p.id).where('week', '=', week).execute();
    let sent = false;
    try {
      const deps = await db.selectFrom('user_departments').select('department_id').where('user_id', '=', p.id).execute();
      const user: SessionUser = { ...p, departmentIds: deps.map((d) => d.department_id) };
      const locale: Locale = p.locale ?? 'de';
      const content = await digestContent(db, user, day0);
      if (content.count === 0) {
        await confirm(0);
        run.empty++;
        continue;
      }
      const mail = composeDigest(translator(locale), locale, { name: p.name, week, day0, baseUrl: services.baseUrl, content });
      await mailer.transport.sendMail({ from: mailer.from, to: { name: p.name, address: p.email }, ...mail });
      sent = true;
      run.sent++;
      await confirm(content.count);
    } catch (e) {
      if (sent) {
        // Gone out, but not confirmed: the claim stays in flight and is reported, never resent.
        console.error(`MedReg: the weekly digest ${week} for user ${p.id} was sent but could not be confirmed.`, e);
        continue;
      }
      console.error(`MedReg: the weekly digest ${week} for user ${p.id} was not sent; trying again at the next run.`, e);
      await db.deleteFrom('digest_log').where('user_id', '=', p.id).where('week', '=', week).where('items', '=', IN_FLIGHT).execute();
      run.failed++;
    }
  }
  return run;
}
