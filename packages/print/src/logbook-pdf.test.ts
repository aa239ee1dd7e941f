import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLogbook, renderRegister, SHORT_HASH, type LogbookPdfData } from './index.js';
import { altTexts, fontsOf, pageCount, rolesOf, run, structureOf, textOf, untaggedWords } from './testing.js';
import { translator } from '@medreg/i18n';

// The logbook is read back with poppler: text, pages, and the embedded photo (pdfimages).
// LOGBOOK_PDF_DIR keeps the files for a look.
const dir = process.env.LOGBOOK_PDF_DIR ?? mkdtempSync(join(tmpdir(), 'logbook-pdf-'));
afterAll(() => (process.env.LOGBOOK_PDF_DIR ? undefined : rmSync(dir, { recursive: true, force: true })));

async function save(name: string, pdf: Promise<Buffer>): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await pdf);
  return file;
}

/** Rows of `pdfimages -list`: page, type, width, height, encoding. */
function imagesOf(pdf: string) {
  return run('pdfimages', '-list', pdf)
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const c = line.trim().split(/\s+/);
      return { page: Number(c[0]), type: c[2], width: Number(c[3]), height: Number(c[4]), encoding: c[8] };
    });
}

const hash = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
let jpeg: Buffer;

beforeAll(async () => {
  // A real JPEG without an image library in this package: poppler renders a page of ours as one (480 x 340 px).
  const page = await save('photo-source', renderRegister({ locale: 'de', site: { name: 'Foto', address: null }, printedOn: '2026-01-01', printedBy: 'Test', total: 0, rows: [] }));
  run('pdftoppm', '-jpeg', '-r', '41', '-singlefile', page, join(dir, 'photo'));
  jpeg = readFileSync(join(dir, 'photo.jpg'));
});

function data(over: Partial<LogbookPdfData> = {}): LogbookPdfData {
  return {
    locale: 'de',
    printedOn: '2026-11-20',
    printedBy: 'Max Meier',
    device: {
      designation: 'Evita V500',
      kind: 'Beatmungsgerät',
      type: 'V500',
      manufacturerName: 'Drägerwerk AG & Co. KGaA',
      manufacturerAddress: 'Moislinger Allee 53–55, 23558 Lübeck',
      serialNumber: 'ASCD-0042',
      lotNumber: null,
      inventoryNumber: 'MT-10042',
      code: '7K3M-9QXR',
      acquiredYear: 2021,
      commissionedOn: '2021-04-15',
      location: 'Klinikum Nord › Haus A › Intensivstation 1 › Zimmer 3',
      deviceClass: 'IIb',
      udiDi: '04048675123456',
      notifiedBody: '0124',
      ceMarked: 1,
      anlage1: true,
      anlage2: false,
      softwareVersion: '2.51',
      status: 'in_service',
      decommissionedOn: null,
    },
    obligations: [
      { name: 'Sicherheitstechnische Kontrolle', legalReference: 'MPBetreibV 2025 §12 (2017: §11)', intervalMonths: 12, lastOn: '2026-03-10', lastResult: 'passed', dueOn: '2027-03-31', state: 'ok', failed: false },
      { name: 'Elektrische Sicherheit', legalReference: 'IEC 62353', intervalMonths: 24, lastOn: null, lastResult: null, dueOn: '2026-10-01', state: 'overdue', failed: false },
    ],
    entries: [
      {
        seq: 1,
        kind: 'commissioning',
        typeName: null,
        occurredAt: '2021-04-15T08:00:00.000Z',
        recordedAt: '2021-04-15T08:05:00.000Z',
        recordedBy: 'Tom Techniker',
        performedBy: null,
        result: null,
        text: 'In Betrieb genommen auf der Intensivstation 1.',
        correctsSeq: null,
        dueOn: null,
        nextDueOn: null,
        instrument: null,
        software: null,
        measurements: [],
        attachments: [],
        hash: hash(1),
      },
      {
        seq: 2,
        kind: 'inspection',
        typeName: 'Sicherheitstechnische Kontrolle',
        occurredAt: '2026-03-10T09:30:00.000Z',
        recordedAt: '2026-03-10T10:02:00.000Z',
        recordedBy: 'Tom Techniker',
        performedBy: 'Dräger Service Nord',
        result: 'failed',
        text: 'Ableitstrom zu hoch; Netzkabel getauscht.',
        correctsSeq: null,
        dueOn: '2026-03-31',
        nextDueOn: '2026-03-31',
        instrument: { name: 'Fluke ESA615', serial: 'ESA615-4471023', calibrationDueOn: '2026-12-31' },
        software: null,
        measurements: [
          { label: 'Schutzleiterwiderstand', value: '0,12', unit: 'Ω', withinLimit: true, limit: '≤ 0,3 Ω' },
          { label: 'Geräteableitstrom', value: '612', unit: 'µA', withinLimit: false, limit: '≤ 500 µA' },
          { label: 'Sichtprüfung', value: 'bestanden', unit: null, withinLimit: null, limit: null },
        ],
        attachments: [
          { name: 'protokoll.jpg', mediaType: 'image/jpeg', size: 812_000, sha256: hash(0xab), jpeg: null },
          { name: 'messung.pdf', mediaType: 'application/pdf', size: 48_213, sha256: hash(0xcd), jpeg: null },
        ],
        hash: hash(2),
      },
      {
        seq: 3,
        kind: 'correction',
        typeName: null,
        occurredAt: '2026-03-11T07:00:00.000Z',
        recordedAt: '2026-03-11T07:01:00.000Z',
        recordedBy: 'Max Meier',
        performedBy: null,
        result: null,
        text: 'Durchgeführt von Dräger Service Süd, nicht Nord.',
        correctsSeq: 2,
        dueOn: null,
        nextDueOn: null,
        instrument: null,
        software: null,
        measurements: [],
        attachments: [],
        hash: hash(3),
      },
      {
        seq: 4,
        kind: 'software_update',
        typeName: null,
        occurredAt: '2026-05-02T12:00:00.000Z',
        recordedAt: '2026-05-02T12:10:00.000Z',
        recordedBy: 'Tom Techniker',
        performedBy: null,
        result: null,
        text: null,
        correctsSeq: null,
        dueOn: null,
        nextDueOn: null,
        instrument: null,
        software: { from: '2.40', to: '2.51' },
        measurements: [],
        attachments: [],
        hash: hash(4),
      },
    ],
    sessions: [
      {
        instructedOn: '2026-02-01',
        instructor: 'Petra Produktberaterin',
        instructorRole: 'manufacturer',
        method: 'on_device',
        softwareVersion: '2.40',
        validUntil: '2027-02-01',
        traineeCount: 2,
        trainees: ['Jürgen Müller', 'Özlem Weißenbach'],
      },
    ],
    chain: { ok: true, entries: 4 },
    ...over,
  };
}

describe('renderLogbook', () => {
  it('prints the identity, obligations, every entry in order with its details, the sessions and the verified chain', async () => {
    const entries = data().entries;
    entries[1]!.attachments[0]!.jpeg = jpeg;
    const pdf = await save('logbook-de', renderLogbook(data({ entries })));
    const text = textOf(pdf);
    for (const expected of [
      'Medizinproduktebuch',
      'nach MPBetreibV 2025 §13 (2017: §12)',
      'MT-10042 · Evita V500',
      'Gedruckt am 20.11.2026 von Max Meier',
      'Drägerwerk AG & Co. KGaA',
      'Moislinger Allee 53–55, 23558 Lübeck',
      'Beatmungsgerät · V500',
      'ASCD-0042',
      '7K3M-9QXR',
      '15.04.2021',
      'Klinikum Nord › Haus A › Intensivstation 1 › Zimmer 3',
      '04048675123456',
      'Anlage 1',
      'In Betrieb',
      // obligations
      'Sicherheitstechnische Kontrolle',
      'MPBetreibV 2025 §12 (2017: §11)',
      '12 Monate',
      '31.03.2027',
      'überfällig',
      'nie',
      // entries
      '4 Einträge in zeitlicher Reihenfolge',
      'Nr. 2 · Prüfung – Sicherheitstechnische Kontrolle',
      'Nicht bestanden',
      '10.03.2026, 10:30 · erfasst 10.03.2026, 11:02 · Tom Techniker · durchgeführt von Dräger Service Nord',
      'Fällig 31.03.2026',
      'Ableitstrom zu hoch; Netzkabel getauscht.',
      'Prüfgerät: Fluke ESA615 (ESA615-4471023), kalibriert bis 31.12.2026',
      'Geräteableitstrom 612 µA Grenzwert ≤ 500 µA GRENZWERT ÜBERSCHRITTEN',
      'Schutzleiterwiderstand 0,12 Ω Grenzwert ≤ 0,3 Ω im Grenzwert',
      'Foto: protokoll.jpg',
      `PDF: messung.pdf (48,2 kB), SHA-256 ${hash(0xcd)}`,
      'Berichtigt Eintrag Nr. 2',
      'Software 2.40 → 2.51',
      `Prüfsumme des Eintrags ${hash(2).slice(0, SHORT_HASH)}`,
      // sessions
      'Einweisungen auf dieses Modell an diesem Standort',
      'Petra Produktberaterin',
      'Hersteller',
      'am Gerät',
      'Jürgen Müller, Özlem Weißenbach',
      '2 Personen',
      // footer
      'Prüfsummenkette am 20.11.2026 geprüft: alle 4 Einträge sind unverändert und vollständig.',
      'Seite 1 von',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain(hash(2)); // the short hash only
    // Entries in sequence order.
    const seqs = [...text.matchAll(/Nr\. (\d) · /g)].map((m) => Number(m[1]));
    expect(seqs).toEqual([1, 2, 3, 4]);
    // The photo is embedded as a JPEG (DCT) at its own size.
    const images = imagesOf(pdf);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ type: 'image', encoding: 'jpeg' });
    expect(images[0]!.width).toBeGreaterThan(300);
    expect(fontsOf(pdf).every((f) => f.embedded === 'yes')).toBe(true);
  });

  it('is tagged for screen readers: headings, tables with column headers, a section per entry, the photo described', async () => {
    const entries = data().entries;
    entries[1]!.attachments[0]!.jpeg = jpeg;
    const many = Array.from({ length: 30 }, (_, i) => ({ ...entries[i % entries.length]!, seq: i + 1 }));
    const pdf = await save('logbook-tagged', renderLogbook(data({ entries: many, chain: { ok: true, entries: 30 } })));
    expect(pageCount(pdf)).toBeGreaterThan(1);

    expect(run('pdfinfo', pdf)).toMatch(/^Tagged:\s+yes$/m);
    const roles = rolesOf(pdf);
    expect(roles.slice(0, 2)).toEqual(['Document', 'H1']);
    expect(roles.filter((role) => role === 'H2')).toHaveLength(4);
    expect(roles.filter((role) => role === 'Sect')).toHaveLength(30);
    expect(roles.filter((role) => role === 'H3')).toHaveLength(30);
    expect(roles.filter((role) => role === 'TH')).toHaveLength(5 + 6);
    const t = translator('de');
    expect(altTexts(pdf)).toEqual(
      many.filter((e) => e.attachments[0]?.jpeg).map(() => t('reports.logbook.photo', { name: 'protokoll.jpg' })),
    );
    const tree = structureOf(pdf);
    // A cell's note is a paragraph of its own: "Kontrolle" and "MPBetreibV" are not read as one word.
    expect(tree).toContain('"Sicherheitstechnische Kontrolle"');
    expect(tree).toContain('"MPBetreibV 2025 §12 (2017: §11)"');
    // The chain's verdict is read once; only the page furniture (footer, page numbers, continuation line) is skipped.
    expect(tree.split(t('reports.logbook.chainOk', { date: '20.11.2026', count: 30 })).length).toBe(2);
    const furniture = new Set(
      [t('reports.footer'), t('reports.page', { page: 0, pages: 0 }), t('reports.logbook.continued', { inventoryNumber: 'MT-10042', designation: 'Evita V500' }), t('reports.logbook.chainOk', { date: '20.11.2026', count: 30 })]
        .join(' ')
        .split(/\s+/),
    );
    const skipped = untaggedWords(pdf);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((word) => !furniture.has(word) && !/^\d+$/.test(word))).toEqual([]);
  });

  it('shows counts instead of trainee names, a missing photo and a broken chain in the footer of every page', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ...data().entries[0]!, seq: i + 1, kind: 'note' as const, text: `Notiz ${i + 1}: ${'Lorem ipsum dolor sit amet. '.repeat(6)}`, hash: hash(i) }));
    many[5] = { ...many[5]!, attachments: [{ name: 'weg.jpg', mediaType: 'image/jpeg', size: 1000, sha256: hash(0xee), jpeg: null }] };
    const pdf = await save(
      'logbook-nurse',
      renderLogbook(data({ entries: many, sessions: [{ ...data().sessions[0]!, trainees: null }], chain: { ok: false, seq: 17, reason: 'content' } })),
    );
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(2);
    const text = textOf(pdf);
    expect(text).toContain('2 Personen');
    expect(text).not.toContain('Jürgen Müller');
    expect(text).toContain(`Foto weg.jpg: Datei nicht im Dateispeicher, SHA-256 ${hash(0xee)}`);
    expect(imagesOf(pdf)).toHaveLength(0);
    for (let page = 1; page <= pages; page++) {
      const pageText = textOf(pdf, page);
      expect(pageText).toContain('Prüfsummenkette UNTERBROCHEN bei Eintrag Nr. 17 (Inhalt verändert)');
      expect(pageText).toContain(`Seite ${page} von ${pages}`);
      if (page > 1) expect(pageText).toContain('Medizinproduktebuch MT-10042 – Evita V500 (Fortsetzung)');
    }
    // Every note once, in order, none lost at a page break.
    expect([...text.matchAll(/Notiz (\d+):/g)].map((m) => Number(m[1]))).toEqual(many.map((e) => e.seq));
  });

  it('prints in English, and a device without entries, obligations or sessions', async () => {
    const pdf = await save('logbook-en', renderLogbook(data({ locale: 'en', entries: [], obligations: [], sessions: [], chain: { ok: true, entries: 0 } })));
    const text = textOf(pdf);
    for (const expected of [
      'Medical device logbook',
      'Printed on 20 Nov 2026 by Max Meier',
      'Device identity',
      'No recurring inspections are assigned to this device.',
      'No logbook entries yet.',
      'No instruction sessions on this model at this site.',
      'Hash chain verified on 20 Nov 2026: all 0 entries are intact and complete.',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(pageCount(pdf)).toBe(1);
  });
});
