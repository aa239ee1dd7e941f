import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { startJobs } from '../jobs.server.js';
import { calendarFeed } from './calendar.server.js';
import { createMailer, digestWeek, sendWeeklyDigests, type Mailer } from './digest.server.js';

/** Monday 23 November 2026, 10:00 in Berlin. */
const NOW = new Date('2026-11-23T09:00:00.000Z');
const TODAY = '2026-11-23';

/** An ICS text with its folded lines joined, split into events. */
function events(ics: string) {
  const unfolded = ics.replace(/\r\n[ \t]/g, '');
  return unfolded
    .split('BEGIN:VEVENT')
    .slice(1)
    .map((block) => {
      const field = (name: string) => block.match(new RegExp(`^${name}(?:;[^:]*)?:(.*)$`, 'm'))?.[1] ?? null;
      return { uid: field('UID'), start: field('DTSTART'), summary: field('SUMMARY'), url: field('URL'), location: field('LOCATION'), description: field('DESCRIPTION') };
    });
}

const tokenOf = (url: string) => url.match(/\/api\/calendar\/([A-Za-z0-9_-]{43})\.ics$/)![1]!;

describe('digestWeek', () => {
  it.each([
    ['2026-11-23T04:59:00Z', '2026-W48', false], // Monday 05:59 in Berlin: not yet
    ['2026-11-23T05:00:00Z', '2026-W48', true], // Monday 06:00
    ['2026-11-25T03:00:00Z', '2026-W48', true], // Wednesday night: catching up after downtime
    ['2026-11-29T22:30:00Z', '2026-W48', true], // Sunday 23:30 in Berlin: still last week
    ['2026-11-29T23:30:00Z', '2026-W49', false], // Monday 00:30 in Berlin, while UTC is still on Sunday
    ['2027-01-04T05:00:00Z', '2027-W01', true],
    ['2026-06-01T04:00:00Z', '2026-W23', true], // summer time: 06:00 in Berlin is 04:00 UTC
  ] as const)('%s is week %s, open %s', (at, week, open) => {
    expect(digestWeek(new Date(at))).toEqual({ week, open });
  });
});

describe.each(testDialects)('reminders on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    // A failed STK (applied-part leakage over the CF limit), recorded as a technician does, so every state is in the feed.
    const tech = await app.as('technician');
    const [stkDevice] = await app.services.db
      .selectFrom('device_obligations as o')
      .innerJoin('inspection_types as it', 'it.id', 'o.inspection_type_id')
      .innerJoin('devices as d', 'd.id', 'o.device_id')
      .innerJoin('device_models as m', 'm.id', 'd.model_id')
      .select(['o.device_id', 'it.id as type_id'])
      .where('it.code', '=', 'STK')
      .where('m.applied_part', '=', 'CF')
      .orderBy('d.inventory_number')
      .execute();
    const failed = await tech.inspections.record({
      deviceId: stkDevice!.device_id,
      inspectionTypeId: stkDevice!.type_id,
      performedOn: TODAY,
      result: 'passed',
      values: { applied_part_leakage: '80' },
      testInstrumentId: await app.instrumentId(),
    });
    expect(failed.result).toBe('failed');
  });
  afterAll(() => app?.close());

  const tokenRows = () => app.services.db.selectFrom('calendar_tokens').selectAll().execute();

  /** What the feed should hold: every visible obligation overdue, failed, or due within 12 months. */
  const expectedObligations = () =>
    app.services.db
      .selectFrom('device_obligations as o')
      .innerJoin('devices as d', 'd.id', 'o.device_id')
      .innerJoin('inspection_types as it', 'it.id', 'o.inspection_type_id')
      .select(['d.id as device_id', 'd.code', 'd.inventory_number', 'it.id as type_id', 'it.code as type_code', 'o.due_on', 'o.failed'])
      .where('d.status', '!=', 'decommissioned')
      .where((eb) => eb.or([eb('o.due_on', '<=', '2027-11-23'), eb('o.failed', '=', 1)]))
      .execute();

  describe('calendar feed', () => {
    let url = '';

    it('a technician creates a token: the address is shown once, only its SHA-256 is stored', async () => {
      const tech = await app.as('technician');
      const created = await tech.reminders.createToken();
      url = created.url;
      expect(url).toMatch(/^http:\/\/localhost:3000\/api\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
      const token = tokenOf(url);
      const [row] = await tokenRows();
      expect(row).toMatchObject({ id: created.id, user_id: await app.userId('technician'), revoked_at: null, last_used_at: null });
      expect(row!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(token);

      const settings = await tech.reminders.settings();
      expect(settings.tokens).toEqual([{ id: created.id, createdAt: NOW.toISOString(), lastUsedAt: null }]);
      expect(JSON.stringify(settings)).not.toContain(token);
      expect(settings).toMatchObject({ weeklyDigest: false, email: 'technik@demo.medreg' });
    });

    it('the feed lists every visible obligation that is overdue, failed or due within 12 months, in German', async () => {
      const ics = (await calendarFeed(app.services, tokenOf(url)))!;
      expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
      expect(ics).toContain('METHOD:PUBLISH');
      expect(ics).toContain('X-WR-CALNAME:MedReg: fällige Prüfungen');
      const list = events(ics);
      const expected = await expectedObligations();
      expect(list).toHaveLength(expected.length);
      expect(expected.filter((o) => o.failed === 1).length).toBeGreaterThan(0);

      const byUid = new Map(list.map((e) => [e.uid, e]));
      for (const o of expected) {
        const e = byUid.get(`${o.device_id}.${o.type_id}@localhost:3000`)!;
        expect(e, `${o.inventory_number} ${o.type_code}`).toBeTruthy();
        const due = String(o.due_on);
        const late = due < TODAY;
        if (o.failed === 1) expect(e.summary).toMatch(new RegExp(`^Nicht bestanden: ${o.type_code} · ${o.inventory_number} `));
        else if (late) expect(e.summary).toMatch(new RegExp(`^Überfällig: ${o.type_code} · ${o.inventory_number} `));
        else expect(e.summary).toMatch(new RegExp(`^${o.type_code} · ${o.inventory_number} `));
        // Overdue and failed ones sit on today, so they stay in sight; the rest on their due date.
        expect(e.start).toBe((o.failed === 1 || late ? TODAY : due).replaceAll('-', ''));
        expect(e.url).toBe(`http://localhost:3000/d/${o.code}`);
        expect(e.location).toMatch(/›/);
      }
      expect(list.some((e) => e.summary!.startsWith('Überfällig: '))).toBe(true);
      expect(list.some((e) => !/^(Überfällig|Nicht bestanden): /.test(e.summary!))).toBe(true);

      // Stable identities: fetching again gives the same UIDs; the fetch is recorded.
      const again = events((await calendarFeed(app.services, tokenOf(url)))!);
      expect(again.map((e) => e.uid).sort()).toEqual(list.map((e) => e.uid).sort());
      expect((await tokenRows())[0]!.last_used_at).toBe(NOW.toISOString());
    });

    it('speaks the owner’s language', async () => {
      const techId = await app.userId('technician');
      await app.services.db.updateTable('users').set({ locale: 'en' }).where('id', '=', techId).execute();
      const ics = (await calendarFeed(app.services, tokenOf(url)))!;
      await app.services.db.updateTable('users').set({ locale: null }).where('id', '=', techId).execute();
      expect(ics).toContain('X-WR-CALNAME:MedReg: due inspections');
      expect(events(ics).some((e) => e.summary!.startsWith('Overdue: '))).toBe(true);
    });

    it('nurses may not have a feed; a wrong id or someone else’s token cannot be revoked', async () => {
      const nurse = await app.as('nurse');
      const before = (await tokenRows()).length;
      expect((await rejection(nurse.reminders.createToken())).code).toBe('FORBIDDEN');
      expect((await rejection(nurse.reminders.settings())).code).toBe('FORBIDDEN');
      expect((await tokenRows()).length).toBe(before);

      const manager = await app.as('manager');
      const techToken = (await tokenRows())[0]!;
      const refused = await rejection(manager.reminders.revokeToken({ id: techToken.id }));
      expect(refused).toMatchObject({ code: 'NOT_FOUND', message: 'This calendar address does not exist or was already revoked.' });
      const malformed = await rejection(manager.reminders.revokeToken({ id: 'x' }), 'de');
      expect(malformed).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { id: 'Diese Kalenderadresse gibt es nicht oder sie wurde bereits widerrufen.' } });
      expect((await tokenRows())[0]!.revoked_at).toBeNull();
    });

    it('unknown, malformed and revoked tokens get nothing', async () => {
      expect(await calendarFeed(app.services, 'A'.repeat(43))).toBeNull();
      expect(await calendarFeed(app.services, `${tokenOf(url)}x`)).toBeNull();
      expect(await calendarFeed(app.services, '')).toBeNull();

      const tech = await app.as('technician');
      const [row] = await tokenRows();
      await tech.reminders.revokeToken({ id: row!.id });
      expect(await calendarFeed(app.services, tokenOf(url))).toBeNull();
      expect((await tech.reminders.settings()).tokens).toEqual([]);
      expect((await rejection(tech.reminders.revokeToken({ id: row!.id }))).code).toBe('NOT_FOUND');
    });

    it('a blocked (departed) person’s feed goes silent', async () => {
      const manager = await app.as('manager');
      const { url: managerUrl } = await manager.reminders.createToken();
      expect(await calendarFeed(app.services, tokenOf(managerUrl))).toContain('BEGIN:VEVENT');
      const id = await app.userId('manager');
      await app.services.db.updateTable('users').set({ blocked_at: NOW.toISOString() }).where('id', '=', id).execute();
      try {
        expect(await calendarFeed(app.services, tokenOf(managerUrl))).toBeNull();
      } finally {
        await app.services.db.updateTable('users').set({ blocked_at: null }).where('id', '=', id).execute();
      }
    });
  });

  describe('weekly digest', () => {
    type Received = { to: string[]; raw: string };
    const inbox: Received[] = [];
    const refuse = new Set<string>();
    let smtp: SMTPServer;
    let mailer: Mailer;

    beforeAll(async () => {
      // A local SMTP server, started here: never a real one.
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onRcptTo(address, _session, done) {
          done(refuse.has(address.address) ? Object.assign(new Error('mailbox unavailable'), { responseCode: 450 }) : null);
        },
        onData(stream, session, done) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('latin1') });
            done();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      mailer = createMailer({ url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, from: 'MedReg <medreg@hospital.test>' });
    });
    afterAll(async () => {
      mailer?.transport.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    });

    /** Subject and body of a received mail, with quoted-printable and encoded words decoded. */
    function read(mail: Received) {
      const [head, ...body] = mail.raw.split('\r\n\r\n');
      const words = head!.replace(/\r\n[ \t]+/g, ' ').replace(/\?=\s+=\?/g, '?==?');
      const subject = words
        .match(/^Subject: (.*)$/m)![1]!
        .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
          enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
        );
      return { subject, body: qp(body.join('\r\n\r\n').replace(/=\r\n/g, '')) };
    }
    const qp = (s: string) => Buffer.from(s.replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

    const log = () => app.services.db.selectFrom('digest_log').selectAll().orderBy('user_id').execute();
    const monday = (week: number) => new Date(NOW.getTime() + week * 7 * 86_400_000);

    it('people opt in and out; nurses may not', async () => {
      const tech = await app.as('technician');
      expect(await tech.reminders.setDigest({ enabled: true })).toEqual({ weeklyDigest: true });
      expect((await tech.reminders.settings()).weeklyDigest).toBe(true);
      // The manager reads English; the admin stays out.
      await (await app.as('manager')).reminders.setDigest({ enabled: true });
      await app.services.db.updateTable('users').set({ locale: 'en' }).where('id', '=', await app.userId('manager')).execute();
      const admin = await app.as('admin');
      await admin.reminders.setDigest({ enabled: true });
      await admin.reminders.setDigest({ enabled: false });

      const nurse = await app.as('nurse');
      expect((await rejection(nurse.reminders.setDigest({ enabled: true }))).code).toBe('FORBIDDEN');
      const bad = await rejection(tech.reminders.setDigest({ enabled: 'yes' as unknown as boolean }));
      expect(bad).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { enabled: 'This value is not valid.' } });
      expect((await tech.reminders.settings()).weeklyDigest).toBe(true);
    });

    it('nothing goes out before Monday 06:00 in Berlin', async () => {
      const run = await sendWeeklyDigests(app.services, mailer, new Date('2026-11-23T04:30:00Z'));
      expect(run).toMatchObject({ week: '2026-W48', open: false, sent: 0 });
      expect(inbox).toHaveLength(0);
      expect(await log()).toEqual([]);
    });

    it('on Monday morning each opted-in person gets one mail in their language, with what is due by ward', async () => {
      const run = await sendWeeklyDigests(app.services, mailer, NOW);
      expect(run).toEqual({ week: '2026-W48', open: true, sent: 2, empty: 0, failed: 0, unconfirmed: 0 });
      expect(inbox.map((m) => m.to).sort()).toEqual([['manager@demo.medreg'], ['technik@demo.medreg']]);

      // The most urgent item (a failed one, then the longest overdue) is named in both mails.
      const [first] = (await expectedObligations()).sort((a, b) => b.failed - a.failed || String(a.due_on).localeCompare(String(b.due_on)));
      const en = read(inbox.find((m) => m.to[0] === 'manager@demo.medreg')!);
      expect(en.subject).toMatch(/^MedReg, week 48: \d+ overdue, \d+ failed, \d+ due soon$/);
      expect(en.body).toContain('Hello Max Meier,');
      expect(en.body).toMatch(/As of 23 Nov 2026: [1-9]\d* failed, [1-9]\d* overdue, \d+ due in the next 14 days\./);
      expect(en.body).toContain(`${first!.inventory_number} `);
      expect(en.body).toContain(`http://localhost:3000/d/${first!.code}`);
      expect(en.body).toContain('The full list: http://localhost:3000/due');
      expect(en.body).toContain('<a href="http://localhost:3000/due">Open the due list</a>');
      expect(en.body).toMatch(/\n[^\n]+ › [^\n]+\r?\n {2}- [A-Z0-9-]+ · MT-\d+ /); // a ward heading, then its items

      const de = read(inbox.find((m) => m.to[0] === 'technik@demo.medreg')!);
      expect(de.subject).toMatch(/^MedReg, KW 48: \d+ überfällig, \d+ nicht bestanden, \d+ bald fällig$/);
      expect(de.body).toContain('Hallo Tom Techniker,');
      expect(de.body).toContain('überfällig seit');
      expect(de.body).toContain(`http://localhost:3000/d/${first!.code}`);

      const rows = await log();
      expect(rows.map((r) => r.week)).toEqual(['2026-W48', '2026-W48']);
      expect(rows.every((r) => r.items > 0)).toBe(true);
    });

    it('a second run in the same week sends nothing, and opted-out people never get one', async () => {
      inbox.length = 0;
      const wednesday = new Date('2026-11-25T15:00:00Z');
      expect(await sendWeeklyDigests(app.services, mailer, wednesday)).toMatchObject({ sent: 0, failed: 0 });
      expect(await sendWeeklyDigests(app.services, mailer, NOW)).toMatchObject({ sent: 0 });
      expect(inbox).toHaveLength(0);
      expect((await log()).map((r) => r.user_id)).not.toContain(await app.userId('admin'));
    });

    it('a mail the SMTP server refuses is tried again at the next run, not skipped', async () => {
      inbox.length = 0;
      refuse.add('technik@demo.medreg');
      const first = await sendWeeklyDigests(app.services, mailer, monday(1));
      expect(first).toMatchObject({ week: '2026-W49', sent: 1, failed: 1 });
      expect((await log()).filter((r) => r.week === '2026-W49')).toHaveLength(1);
      refuse.clear();
      const second = await sendWeeklyDigests(app.services, mailer, new Date(monday(1).getTime() + 3_600_000));
      expect(second).toMatchObject({ sent: 1, failed: 0 });
      expect(inbox.map((m) => m.to[0]).sort()).toEqual(['manager@demo.medreg', 'technik@demo.medreg']);
    });

    it('a send interrupted by a crash is reported, never sent twice', async () => {
      inbox.length = 0;
      const techId = await app.userId('technician');
      // What a process that died between claiming the week and confirming the send leaves behind.
      await app.services.db.insertInto('digest_log').values({ user_id: techId, week: '2026-W50', sent_at: monday(2).toISOString(), items: -1 }).execute();
      const run = await sendWeeklyDigests(app.services, mailer, new Date(monday(2).getTime() + 3_600_000));
      expect(run).toMatchObject({ week: '2026-W50', sent: 1, unconfirmed: 1 });
      expect(inbox.map((m) => m.to[0])).toEqual(['manager@demo.medreg']);
    });

    it('the hourly jobs send the digest too, and a week with nothing due is logged without a mail', async () => {
      inbox.length = 0;
      // Everything inspected and nothing failed: nothing to tell anyone.
      await app.services.db.updateTable('device_obligations').set({ due_on: '2030-12-31', failed: 0 }).execute();
      const services = { ...app.services, now: () => monday(3) };
      const jobs = startJobs(services, { smtp: { url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, from: 'MedReg <medreg@hospital.test>' } });
      await jobs.run();
      await jobs.stop();
      expect(inbox).toHaveLength(0);
      const week = (await log()).filter((r) => r.week === '2026-W51');
      expect(week.map((r) => r.items)).toEqual([0, 0]);
      // The same pass stored the day's compliance snapshot.
      const snap = await app.services.db.selectFrom('compliance_snapshots').select(['devices', 'compliant']).where('taken_on', '=', '2026-12-14').execute();
      expect(snap.length).toBeGreaterThan(0);
      expect(snap.every((s) => s.devices === s.compliant)).toBe(true);
    });
  });
});
