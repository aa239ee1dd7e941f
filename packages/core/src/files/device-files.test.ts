import { sql } from 'kysely';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import type { SessionUser } from '../context.js';
import { createCaller } from '../router.js';
import { createTestApp, jpegWithGps, rejection, type TestApp } from '../testing.js';
import { readAttachment } from './attachments.server.js';
import { MAX_IMAGE_BYTES, MAX_PDF_BYTES } from './device-files.server.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/** A real PDF with one line of text per page, as a manufacturer's manual would be. */
async function pdfWithPages(pages: string[]): Promise<Uint8Array> {
  const doc = new PDFDocument({ autoFirstPage: false, info: { Title: 'Manual' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => doc.on('end', resolve));
  for (const text of pages) {
    doc.addPage();
    doc.fontSize(14).text(text);
  }
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

const file = (bytes: Uint8Array, name: string, type = 'application/octet-stream') => new File([bytes as BlobPart], name, { type });

function form(fields: Record<string, string | Blob>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  return fd;
}

describe.each(testDialects)('device files on %s', (dialect) => {
  let app: TestApp;
  /** A device on the demo nurse's ward and one on a ward she does not work on. */
  let onWard: { id: string; department_id: string };
  let elsewhere: { id: string; department_id: string };
  let nurseWards: string[];

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    const nurseId = await app.userId('nurse');
    nurseWards = (await app.services.db.selectFrom('user_departments').select('department_id').where('user_id', '=', nurseId).execute()).map((r) => r.department_id);
    const devices = await app.services.db.selectFrom('devices').select(['id', 'department_id']).where('department_id', 'is not', null).orderBy('inventory_number').execute();
    onWard = devices.find((d) => nurseWards.includes(d.department_id!)) as typeof onWard;
    elsewhere = devices.find((d) => !nurseWards.includes(d.department_id!)) as typeof elsewhere;
  });
  afterAll(() => app.close());

  const db = () => app.services.db;
  const counts = async () => ({
    attachments: Number((await db().selectFrom('attachments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    texts: Number((await db().selectFrom('file_texts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    blobs: app.services.files.count(),
  });
  /** A nurse of a ward that is not the device's (built as the hook would, from her departments). */
  const otherNurse = (): SessionUser => ({ id: 'x', name: 'Other Nurse', email: 'other@demo.medreg', role: 'nurse', phone: null, departmentIds: [elsewhere.department_id] });

  it('stores a multi-page PDF manual with one text row per page, searchable, in one transaction', async () => {
    const manager = await app.as('manager');
    const before = await counts();
    const bytes = await pdfWithPages(['Gebrauchsanweisung Infusionspumpe Seite eins', 'Reinigung und Desinfektion des Gehäuses', 'Alarmmeldungen: Okklusion druckseitig']);
    const up = await manager.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(bytes, 'Anleitung.pdf') }));
    expect(up).toMatchObject({ name: 'Anleitung.pdf', mediaType: 'application/pdf', size: bytes.byteLength });

    const texts = await db().selectFrom('file_texts').selectAll().where('attachment_id', '=', up.id).orderBy('page').execute();
    expect(texts.map((t) => [t.page, t.device_id, t.text])).toEqual([
      [1, onWard.id, 'Gebrauchsanweisung Infusionspumpe Seite eins'],
      [2, onWard.id, 'Reinigung und Desinfektion des Gehäuses'],
      [3, onWard.id, 'Alarmmeldungen: Okklusion druckseitig'],
    ]);
    const row = await db().selectFrom('attachments').selectAll().where('id', '=', up.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ entry_id: null, purpose: 'manual', visibility: 'all', media_type: 'application/pdf', withdrawn_at: null, preview_sha256: null });
    // Kept as sent, content-addressed.
    expect(Buffer.compare(app.services.files.read(row.sha256), Buffer.from(bytes))).toBe(0);
    expect(await counts()).toEqual({ attachments: before.attachments + 1, texts: before.texts + 3, blobs: before.blobs + 1 });

    // The search index the device search uses finds the page.
    const hit = (
      dialect === 'sqlite'
        ? await sql<{ attachment_id: string; page: number }>`select t.attachment_id, t.page from file_texts_fts f join file_texts t on t.rowid = f.rowid where file_texts_fts match ${'desinfektion'}`.execute(db())
        : await sql<{ attachment_id: string; page: number }>`select attachment_id, page from file_texts where to_tsvector('simple', text) @@ to_tsquery('simple', ${'desinfektion'})`.execute(db())
    ).rows;
    expect(hit).toEqual([{ attachment_id: up.id, page: 2 }]);
  });

  it('refuses a ".pdf" that is really text, an empty file and an oversized one, writing nothing', async () => {
    const technician = await app.as('technician', 'de');
    const before = await counts();
    const fake = await rejection(
      technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(new TextEncoder().encode('Wartungsnotizen, kein PDF\n'.repeat(50)), 'manual.pdf', 'application/pdf') })),
      'de',
    );
    expect(fake.fieldErrors).toEqual({ file: 'Die Datei „manual.pdf“ ist weder ein PDF noch ein unterstütztes Bild (JPEG, PNG, WebP, HEIC).' });

    // Text that merely starts like a PDF has no trailer either.
    const header = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(new TextEncoder().encode('%PDF-1.7 just notes\n'), 'x.pdf') })));
    expect(header.fieldErrors).toEqual({ file: 'The PDF "x.pdf" is incomplete (its end is missing). Upload it again.' });

    const empty = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(new Uint8Array(), 'leer.pdf') })), 'de');
    expect(empty.fieldErrors).toEqual({ file: 'Die Datei „leer.pdf“ ist leer.' });

    // A real PDF padded beyond the limit: the size is checked before anything is read.
    const pdf = await pdfWithPages(['big']);
    const huge = new Uint8Array(MAX_PDF_BYTES + 1);
    huge.set(pdf);
    const big = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(huge, 'huge.pdf') })));
    expect(big.code).toBe('PAYLOAD_TOO_LARGE');
    expect(big.fieldErrors).toEqual({ file: 'The file "huge.pdf" is larger than 50 MB.' });

    // An image over 15 MB (the PDF limit would let it through): the image limit applies.
    const jpeg = await jpegWithGps();
    const bigPhoto = new Uint8Array(MAX_IMAGE_BYTES + 1);
    bigPhoto.set(jpeg);
    const bigImage = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'picture', visibility: 'all', file: file(bigPhoto, 'big.jpg') })));
    expect(bigImage.fieldErrors).toEqual({ file: 'The file "big.jpg" is larger than 15 MB.' });

    // A PDF cut off in transit has no trailer.
    const cut = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(pdf.subarray(0, pdf.byteLength - 200), 'cut.pdf') })));
    expect(cut.fieldErrors).toEqual({ file: 'The PDF "cut.pdf" is incomplete (its end is missing). Upload it again.' });

    // A picture must be an image.
    const pic = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'picture', visibility: 'all', file: file(pdf, 'photo.pdf') })));
    expect(pic.fieldErrors).toEqual({ file: 'A picture must be an image; "photo.pdf" is a PDF.' });

    const noChoice = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'brochure', visibility: 'all', file: file(pdf, 'a.pdf') })));
    expect(noChoice.fieldErrors).toEqual({ purpose: 'Choose one of the offered options.' });
    const noFile = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all' })));
    expect(noFile.fieldErrors).toEqual({ file: 'Choose a file.' });
    // What a browser posts when no file was chosen.
    const nothingChosen = await rejection(technician.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(new Uint8Array(), '') })));
    expect(nothingChosen.fieldErrors).toEqual({ file: 'Choose a file.' });

    expect(await counts()).toEqual(before);
  });

  it('all or nothing: when the page texts cannot be written, neither the attachment nor the new blob stays', async () => {
    const manager = await app.as('manager');
    // A database that refuses the text rows (the last write of the upload's transaction).
    if (dialect === 'sqlite') await sql`create trigger refuse_texts before insert on file_texts begin select raise(abort, 'refused'); end`.execute(db());
    else {
      await sql`create function refuse_texts() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`.execute(db());
      await sql`create trigger refuse_texts before insert on file_texts for each row execute function refuse_texts()`.execute(db());
    }
    try {
      const before = await counts();
      const bytes = await pdfWithPages(['Einmalige Anleitung ' + dialect]);
      await expect(manager.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(bytes, 'einmalig.pdf') }))).rejects.toThrow();
      expect(await counts()).toEqual(before);
    } finally {
      await sql`drop trigger refuse_texts${dialect === 'postgres' ? sql` on file_texts` : sql``}`.execute(db());
      if (dialect === 'postgres') await sql`drop function refuse_texts`.execute(db());
    }
  });

  it('re-encodes a photo without its EXIF and GPS, with a display copy', async () => {
    const technician = await app.as('technician');
    const gps = await jpegWithGps();
    expect((await sharp(gps).metadata()).exif).toBeDefined();
    const up = await technician.files.upload(form({ deviceId: onWard.id, purpose: 'picture', visibility: 'all', file: file(gps, 'front.jpg', 'image/jpeg') }));
    const row = await db().selectFrom('attachments').selectAll().where('id', '=', up.id).executeTakeFirstOrThrow();
    expect(row.media_type).toBe('image/jpeg');
    const stored = app.services.files.read(row.sha256);
    expect(stored.includes(Buffer.from('PhoneCam'))).toBe(false);
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.width).toBe(64);
    expect((await sharp(app.services.files.read(row.preview_sha256!)).metadata()).format).toBe('webp');
    // No text rows for images.
    expect(await db().selectFrom('file_texts').select('page').where('attachment_id', '=', up.id).execute()).toEqual([]);
  });

  it('shows a nurse of the ward the files for everyone only; a nurse of another ward none', async () => {
    const manager = await app.as('manager');
    const pdf = await pdfWithPages(['Konformitätserklärung']);
    const forAll = await manager.files.upload(form({ deviceId: onWard.id, purpose: 'declaration', visibility: 'all', file: file(pdf, 'CE.pdf') }));
    const staffOnly = await manager.files.upload(form({ deviceId: onWard.id, purpose: 'protocol', visibility: 'staff', file: file(await pdfWithPages(['Servicemenü Passwort']), 'service.pdf') }));

    const nurse = await app.as('nurse');
    const seen = (await nurse.files.list({ deviceId: onWard.id })).map((f) => f.id);
    expect(seen).toContain(forAll.id);
    expect(seen).not.toContain(staffOnly.id);
    const staffSees = (await (await app.as('technician')).files.list({ deviceId: onWard.id })).map((f) => f.id);
    expect(staffSees).toEqual(expect.arrayContaining([forAll.id, staffOnly.id]));

    const nurseUser = { id: await app.userId('nurse'), name: 'Paula Pflege', email: 'pflege@demo.medreg', role: 'nurse' as const, phone: null, departmentIds: nurseWards };
    expect((await readAttachment(app.services, nurseUser, forAll.id, 'original'))?.mediaType).toBe('application/pdf');
    expect(await readAttachment(app.services, nurseUser, staffOnly.id, 'original')).toBeUndefined();

    // Another ward's nurse: the device is not hers, so no list and no bytes, for either file.
    const other = createCaller({ services: app.services, user: otherNurse(), locale: 'en', t: translator('en') });
    expect((await rejection(other.files.list({ deviceId: onWard.id }))).code).toBe('NOT_FOUND');
    expect(await readAttachment(app.services, otherNurse(), forAll.id, 'original')).toBeUndefined();
    expect(await readAttachment(app.services, otherNurse(), staffOnly.id, 'original')).toBeUndefined();
    // Nurses cannot upload or withdraw.
    expect((await rejection(nurse.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(pdf, 'x.pdf') })))).code).toBe('FORBIDDEN');
    expect((await rejection(nurse.files.withdraw({ id: forAll.id }))).code).toBe('FORBIDDEN');
    // Nor can a technician of another ward's device be refused: staff see every device.
    expect((await (await app.as('technician')).files.list({ deviceId: elsewhere.id }))).toEqual([]);
  });

  it('withdraws a file: not listed, not served to nurses, still stored and shown to staff as withdrawn', async () => {
    const manager = await app.as('manager');
    const up = await manager.files.upload(form({ deviceId: onWard.id, purpose: 'manual', visibility: 'all', file: file(await pdfWithPages(['Alte Fassung 2019', 'Seite zwei']), 'alt.pdf') }));
    expect((await db().selectFrom('file_texts').select('page').where('attachment_id', '=', up.id).execute()).length).toBe(2);
    // Technicians upload, but only managers and admins withdraw.
    expect((await rejection((await app.as('technician')).files.withdraw({ id: up.id }))).code).toBe('FORBIDDEN');

    const before = await counts();
    expect(await manager.files.withdraw({ id: up.id })).toEqual({ id: up.id, withdrawnAt: NOW.toISOString() });
    const row = await db().selectFrom('attachments').selectAll().where('id', '=', up.id).executeTakeFirstOrThrow();
    expect(row.withdrawn_at).toBe(NOW.toISOString());
    expect(row.withdrawn_by).toBe(await app.userId('manager'));
    // Never deleted: the row and the blob stay; its text leaves the search index.
    expect(await counts()).toEqual({ ...before, texts: before.texts - 2 });
    expect(app.services.files.has(row.sha256)).toBe(true);

    const nurse = await app.as('nurse');
    expect((await nurse.files.list({ deviceId: onWard.id, withdrawn: true })).some((f) => f.id === up.id)).toBe(false);
    expect((await manager.files.list({ deviceId: onWard.id })).some((f) => f.id === up.id)).toBe(false);
    const withdrawn = (await manager.files.list({ deviceId: onWard.id, withdrawn: true })).find((f) => f.id === up.id);
    expect(withdrawn).toMatchObject({ withdrawn_at: NOW.toISOString(), withdrawn_by_name: 'Max Meier' });
    const nurseUser = { id: await app.userId('nurse'), name: 'Paula Pflege', email: 'pflege@demo.medreg', role: 'nurse' as const, phone: null, departmentIds: nurseWards };
    expect(await readAttachment(app.services, nurseUser, up.id, 'original')).toBeUndefined();
    const technician = { ...nurseUser, id: await app.userId('technician'), role: 'technician' as const, departmentIds: [] };
    expect((await readAttachment(app.services, technician, up.id, 'original'))?.name).toBe('alt.pdf');

    expect((await rejection(manager.files.withdraw({ id: up.id }))).message).toBe('This file has already been withdrawn.');
    // A logbook attachment is part of the legal record and cannot be withdrawn.
    const entry = await db().selectFrom('logbook_entries').select('id').where('device_id', '=', onWard.id).executeTakeFirstOrThrow();
    const entryFileId = crypto.randomUUID();
    await db()
      .insertInto('attachments')
      .values({ ...row, id: entryFileId, entry_id: entry.id, purpose: 'protocol', withdrawn_at: null, withdrawn_by: null })
      .execute();
    expect((await rejection(manager.files.withdraw({ id: entryFileId }))).code).toBe('NOT_FOUND');
    expect((await manager.files.list({ deviceId: onWard.id, withdrawn: true })).some((f) => f.id === entryFileId)).toBe(false);
    expect((await db().selectFrom('attachments').select('withdrawn_at').where('id', '=', entryFileId).executeTakeFirstOrThrow()).withdrawn_at).toBeNull();
  });
});
