import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  renderInstructionMatrix,
  renderInstructionRecord,
  type InstructionMatrixPdfData,
  type InstructionRecordPdfData,
  type MatrixCellState,
} from './index.js';
import { fontsOf, pageCount, rolesOf, run, structureOf, textOf, untaggedWords } from './testing.js';
import { translator } from '@medreg/i18n';

// Both PDFs are read back with poppler, as a person would read the printout: text, pages, fonts, positions.
const dir = mkdtempSync(join(tmpdir(), 'instruction-pdfs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function save(name: string, pdf: Promise<Buffer>): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await pdf);
  return file;
}

const pageSize = (pdf: string) => run('pdfinfo', pdf).match(/^Page size:\s+(.+?) pts/m)?.[1];
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

interface Word {
  text: string;
  xMin: number;
  xMax: number;
  yMin: number;
}

/** The words of one page with their boxes, from `pdftotext -bbox`. */
function wordsOf(pdf: string, page: number): Word[] {
  const html = run('pdftotext', '-bbox', '-f', String(page), '-l', String(page), pdf, '-');
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)].map(
    (m) => ({ xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), text: m[4]!.replace(/&amp;/g, '&') }),
  );
}

/** The words on the same line as the nth occurrence of a word, left to right, the word itself excluded. */
function lineAfter(words: Word[], word: string, nth = 0): string[] {
  const anchor = words.filter((w) => w.text === word).sort((a, b) => a.yMin - b.yMin)[nth]!;
  return words
    .filter((w) => Math.abs(w.yMin - anchor.yMin) < 2 && w.xMin > anchor.xMax)
    .sort((a, b) => a.xMin - b.xMin)
    .map((w) => w.text);
}

const cell = (state: MatrixCellState, until: string | null = null) => ({ state, until });

const matrix: InstructionMatrixPdfData = {
  locale: 'de',
  scope: 'Intensivstation 1 · Klinikum Nord',
  generatedOn: '2026-03-12',
  models: [
    { name: 'Infusomat Space', manufacturer: 'B. Braun' },
    { name: 'Evita V500', manufacturer: 'Drägerwerk' },
    { name: 'IntelliVue MX750', manufacturer: 'Philips' },
    { name: 'Perfusor Space', manufacturer: 'B. Braun' },
    { name: 'X Series Defibrillator', manufacturer: 'ZOLL' },
  ],
  people: [
    {
      name: 'Müller, Jürgen',
      blocked: false,
      cells: [cell('current', '2027-01-31'), cell('expiring', '2026-03-20'), cell('expired', '2025-11-30'), cell('outdated'), cell('missing')],
    },
    { name: 'Weißenbach, Özlem', blocked: true, cells: Array.from({ length: 5 }, () => cell('missing')) },
    {
      name: 'Schäfer, Anna',
      blocked: false,
      cells: [cell('missing'), cell('current', null), cell('current', '2028-01-01'), cell('expiring', '2026-04-02'), cell('expired', '2026-01-10')],
    },
  ],
};

describe('renderInstructionMatrix', () => {
  it('prints a German matrix on A4 landscape with states in words, the blocked marker, a legend and the counts', async () => {
    const pdf = await save('matrix-de', renderInstructionMatrix(matrix));

    expect(pageSize(pdf)).toBe('841.89 x 595.28');
    expect(pageCount(pdf)).toBe(1);
    const text = textOf(pdf);
    for (const expected of [
      'Einweisungsmatrix',
      'Intensivstation 1 · Klinikum Nord',
      'Stand: 12.03.2026',
      'Infusomat Space',
      'X Series Defibrillator',
      'Drägerwerk',
      'Müller, Jürgen',
      'Schäfer, Anna',
      'Weißenbach, Özlem (gesperrt)',
      '✓',
      'bis 20.03.',
      'bis 02.04.',
      'abgelaufen',
      'Software',
      'fehlt',
      'Legende:',
      'Geräte haben neuere Software: erneut einweisen',
      'Konto gesperrt (z. B. ausgeschieden), nicht mitgezählt',
      'Erstellt mit MedReg am 12.03.2026; maßgeblich ist der Nachweis im Register.',
      'Seite 1 von 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Modelle 1–'); // one page wide: no model range

    // Each person's cells, left to right, in the order of the models.
    const words = wordsOf(pdf, 1);
    expect(lineAfter(words, 'Jürgen')).toEqual(['✓', 'bis', '20.03.', 'abgelaufen', 'Software', 'fehlt']);
    expect(lineAfter(words, 'Anna')).toEqual(['fehlt', '✓', '✓', 'bis', '02.04.', 'abgelaufen']);

    // Counts per model leave out the blocked person, whose cells are all "missing".
    const counts = (row: number) => lineAfter(words, 'Anzahl', row).filter((w) => /^\d+$/.test(w));
    expect(lineAfter(words, 'Anzahl', 0).slice(0, 2)).toEqual(['nicht', 'eingewiesen']);
    expect(counts(0)).toEqual(['1', '0', '0', '0', '1']);
    expect(counts(1)).toEqual(['0', '0', '1', '0', '1']); // abgelaufen
    expect(counts(2)).toEqual(['0', '0', '0', '1', '0']); // Software geändert
    expect(counts(3)).toEqual(['0', '1', '0', '1', '0']); // läuft bald ab
  });

  it('prints the English matrix with English words and dates', async () => {
    const text = textOf(await save('matrix-en', renderInstructionMatrix({ ...matrix, locale: 'en' })));

    for (const expected of [
      'Training matrix',
      'As of 12 Mar 2026',
      'until 20 Mar',
      'until 2 Apr',
      'expired',
      'software',
      'missing',
      'Weißenbach, Özlem (blocked)',
      'Key:',
      'Number not instructed',
      'Generated by MedReg on 12 Mar 2026; the legal record is kept in the register.',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    for (const german of ['abgelaufen', 'fehlt', 'gesperrt', 'Seite']) expect(text).not.toContain(german);
  });

  it('pages 120 people with the header and page numbers on every page, each person exactly once', async () => {
    const people = Array.from({ length: 120 }, (_, i) => ({
      name: `Person${String(i + 1).padStart(3, '0')}, Anna`,
      blocked: i % 50 === 7,
      cells: matrix.models.map((_, m) => cell((['current', 'missing', 'expired'] as const)[(i + m) % 3]!, '2027-01-01')),
    }));
    const pdf = await save('matrix-120', renderInstructionMatrix({ ...matrix, people }));

    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(3);
    const texts = Array.from({ length: pages }, (_, i) => textOf(pdf, i + 1));
    texts.forEach((text, i) => {
      for (const header of ['Einweisungsmatrix', 'Stand: 12.03.2026', 'Person', 'Infusomat Space', 'X Series Defibrillator', 'Legende:']) {
        expect(text, `page ${i + 1}`).toContain(header);
      }
      expect(text).toContain(`Seite ${i + 1} von ${pages}`);
    });
    expect(texts[1]).toContain('Person');

    const all = texts.join(' ');
    for (const person of people) expect(occurrences(all, person.name), person.name).toBe(1);
    // In order down the pages: pdftotext's reading order is no proof of that, the positions are.
    const rows = Array.from({ length: pages }, (_, i) =>
      wordsOf(pdf, i + 1)
        .filter((w) => /^Person\d{3},$/.test(w.text))
        .sort((a, b) => a.yMin - b.yMin)
        .map((w) => w.text),
    );
    expect(rows.flat()).toEqual(people.map((person) => person.name.split(' ')[0]));
    expect(rows.every((page) => page.length > 0)).toBe(true);
    // The counts come once, after the last person.
    expect(occurrences(all, 'Anzahl nicht eingewiesen')).toBe(1);
    expect(texts.at(-1)).toContain('Anzahl nicht eingewiesen');
    expect(occurrences(all, '(gesperrt) ')).toBeGreaterThanOrEqual(3); // two blocked people plus the legend
  });

  it('is tagged for screen readers: one table per page, names heading their rows, a check read as its meaning', async () => {
    const people = Array.from({ length: 120 }, (_, i) => ({
      name: `Person${String(i + 1).padStart(3, '0')}, Anna`,
      blocked: i % 50 === 7,
      cells: matrix.models.map((_, m) => cell((['current', 'missing', 'expired'] as const)[(i + m) % 3]!, '2027-01-01')),
    }));
    const pdf = await save('matrix-tagged', renderInstructionMatrix({ ...matrix, people }));
    const pages = pageCount(pdf);

    expect(run('pdfinfo', pdf)).toMatch(/^Tagged:\s+yes$/m);
    const roles = rolesOf(pdf);
    expect(roles.filter((role) => role === 'H1')).toHaveLength(1);
    expect(roles.filter((role) => role === 'Table')).toHaveLength(pages);
    // Per page a header row (person and five models); per person a row headed by the name; four count rows at the end.
    expect(roles.filter((role) => role === 'TH')).toHaveLength(pages * 6 + 120 + 4);
    expect(roles.filter((role) => role === 'TD')).toHaveLength((120 + 4) * 5);
    const tree = structureOf(pdf);
    for (const person of people) expect(tree).toContain(`"${person.name}"`);
    expect(tree).toMatch(/\/ActualText \(gültig\)|"✓"/);
    // Skipped: only what repeats on every page (title block, legend, footer).
    const t = translator('de');
    const furniture = new Set(
      [
        t('instructionPdf.matrixTitle'),
        t('instructionPdf.asOf', { date: '12.03.2026' }),
        matrix.scope,
        t('instructionPdf.footer', { date: '12.03.2026' }),
        t('instructionPdf.page', { page: 0, pages: 0 }),
        t('instructionPdf.legend.title'),
        t('instructionPdf.legend.untilSample'),
        t('instructionPdf.blocked'),
        '✓',
        ...(['current', 'expiring', 'expired', 'outdated', 'missing', 'blocked'] as const).map((state) => t(`instructionPdf.legend.${state}`)),
        ...(['expired', 'outdated', 'missing'] as const).map((state) => t(`instructionPdf.cell.${state}`)),
      ]
        .join(' ')
        .split(/\s+/),
    );
    const skipped = untaggedWords(pdf);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((word) => !furniture.has(word) && !/^\d+$/.test(word))).toEqual([]);
  });

  it('splits 40 models into column chunks without losing a model, and keeps each cell under its model', async () => {
    const models = Array.from({ length: 40 }, (_, m) => ({ name: `Modell${String(m + 1).padStart(2, '0')}`, manufacturer: 'B. Braun' }));
    // Every cell of the first person shows its own date: 13.03., 14.03., … so each can be traced to its column.
    const day = (m: number) => new Date(Date.UTC(2026, 2, 13 + m)).toISOString().slice(0, 10);
    const people = [
      { name: 'Müller, Jürgen', blocked: false, cells: models.map((_, m) => cell('expiring', day(m))) },
      { name: 'Schäfer, Anna', blocked: false, cells: models.map(() => cell('current', null)) },
    ];
    const pdf = await save('matrix-40', renderInstructionMatrix({ ...matrix, models, people }));

    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const all = Array.from({ length: pages }, (_, i) => textOf(pdf, i + 1)).join(' ');
    for (const model of models) expect(occurrences(all, model.name), model.name).toBe(1);
    const ranges = [...all.matchAll(/Modelle (\d+)–(\d+) von 40/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(ranges).toHaveLength(pages);
    expect(ranges[0]![0]).toBe(1);
    expect(ranges.at(-1)![1]).toBe(40);
    ranges.slice(1).forEach(([from], i) => expect(from).toBe(ranges[i]![1]! + 1));

    let dates = 0;
    for (let page = 1; page <= pages; page++) {
      const words = wordsOf(pdf, page);
      const headers = words.filter((w) => /^Modell\d\d$/.test(w.text));
      for (const date of words.filter((w) => /^\d\d\.\d\d\.$/.test(w.text))) {
        dates++;
        const centre = (date.xMin + date.xMax) / 2;
        const column = headers.filter((h) => h.xMin < centre).sort((a, b) => b.xMin - a.xMin)[0];
        const m = Number(column?.text.slice(6)) - 1;
        expect(date.text, `page ${page}`).toBe(`${day(m).slice(8, 10)}.${day(m).slice(5, 7)}.`);
      }
    }
    expect(dates).toBe(40);
  });

  it('keeps the blocked marker when a long name is cut', async () => {
    const name = 'Großkopf-Lindemann-Weißenbach-Schulze-Oberhauser, Marie-Sophie Charlotte Annemarie';
    const pdf = await save('matrix-long', renderInstructionMatrix({ ...matrix, people: [{ ...matrix.people[1]!, name }] }));

    const text = textOf(pdf);
    expect(text).not.toContain('Annemarie');
    const cut = wordsOf(pdf, 1).find((w) => w.text.startsWith('Großkopf'))!;
    expect(cut.text).toMatch(/…$/);
    expect(lineAfter(wordsOf(pdf, 1), cut.text)[0]).toBe('(gesperrt)');
  });

  it('says so when there is nobody to show, and refuses cells that do not match the models', async () => {
    const text = textOf(await save('matrix-empty', renderInstructionMatrix({ ...matrix, people: [] })));
    expect(text).toContain('Keine Personen oder Gerätemodelle in dieser Auswahl.');

    const broken = { ...matrix, people: [{ name: 'X', blocked: false, cells: [cell('current')] }] };
    await expect(renderInstructionMatrix(broken)).rejects.toThrow(RangeError);
  });
});

const instruction = (overrides: Partial<InstructionRecordPdfData['instructions'][number]> = {}) => ({
  model: 'Infusomat Space',
  manufacturer: 'B. Braun Melsungen AG',
  instructedOn: '2025-12-15',
  instructor: 'Sabine Weißmüller',
  instructorRole: 'manufacturer' as const,
  method: 'in_person' as const,
  softwareVersion: '2.1.1',
  validUntil: null,
  state: 'current' as const,
  confirmation: 'app' as const,
  ...overrides,
});

const record: InstructionRecordPdfData = {
  locale: 'de',
  generatedOn: '2026-03-12',
  person: { name: 'Özlem Großkopf', departments: ['Intensivstation 1', 'Zentrale Notaufnahme'] },
  instructions: [
    instruction(),
    instruction({
      model: 'Evita Infinity V500',
      manufacturer: 'Drägerwerk AG & Co. KGaA',
      instructedOn: '2025-10-01',
      instructor: 'Jürgen Schäfer',
      instructorRole: 'authorised',
      method: 'on_device',
      softwareVersion: null,
      validUntil: '2026-04-01',
      state: 'expiring',
      confirmation: 'paper',
    }),
    instruction({
      model: 'IntelliVue MX750',
      manufacturer: 'Philips',
      instructedOn: '2024-02-29',
      instructor: 'Anna Becker',
      instructorRole: 'appointed',
      method: 'online',
      validUntil: '2025-02-28',
      state: 'expired',
      confirmation: null,
    }),
    instruction({ model: 'Perfusor Space', instructedOn: '2023-06-30', state: 'outdated', softwareVersion: '1.9' }),
  ],
  appointments: [{ model: 'Infusomat Space', manufacturer: 'B. Braun', site: 'Klinikum Nord, Haus B', since: '2024-05-02' }],
};

describe('renderInstructionRecord', () => {
  it('prints a German record on A4 portrait with every column and the appointments', async () => {
    const pdf = await save('record-de', renderInstructionRecord(record));

    expect(pageSize(pdf)).toBe('595.28 x 841.89');
    expect(pageCount(pdf)).toBe(1);
    const text = textOf(pdf);
    for (const expected of [
      'Gerätepass',
      'Özlem Großkopf',
      'Intensivstation 1, Zentrale Notaufnahme',
      'Erstellt am 12.03.2026',
      'Evita Infinity V500',
      'Drägerwerk AG & Co. KGaA',
      '15.12.2025',
      '29.02.2024',
      'Sabine Weißmüller',
      'Hersteller',
      'befugte Person',
      'beauftragte Person',
      'persönlich',
      'am Gerät',
      'online',
      '2.1.1',
      'unbefristet',
      '01.04.2026',
      'gültig',
      'läuft bald ab',
      'abgelaufen',
      'Software geändert',
      'in der App',
      'auf Papier',
      'nicht bestätigt',
      'Beauftragte Person für',
      'Klinikum Nord, Haus B',
      '02.05.2024',
      'Erstellt mit MedReg am 12.03.2026; maßgeblich ist der Nachweis im Register.',
      'Seite 1 von 1',
    ]) {
      expect(text).toContain(expected);
    }
    // Newest first, as given.
    const order = ['Infusomat Space', 'Evita Infinity V500', 'IntelliVue MX750', 'Perfusor Space'].map((m) => text.indexOf(m));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // One row: the instructor and the role belong to the line of their model.
    const words = wordsOf(pdf, 1);
    expect(lineAfter(words, '29.02.2024')).toEqual(['Anna', 'Becker', 'online', '2.1.1', '28.02.2025', 'abgelaufen', 'nicht']);
  });

  it('prints the English record and leaves out the appointments section when there are none', async () => {
    const text = textOf(await save('record-en', renderInstructionRecord({ ...record, locale: 'en', appointments: [] })));

    for (const expected of [
      'Device instruction record',
      'Generated on 12 Mar 2026',
      '15 Dec 2025',
      'manufacturer',
      'authorised person',
      'appointed person',
      'in person',
      'on the device',
      'no expiry',
      'expires soon',
      'software changed',
      'not confirmed',
      'Generated by MedReg on 12 Mar 2026; the legal record is kept in the register.',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Appointed person (beauftragte Person) for');
    expect(text).not.toContain('Klinikum Nord, Haus B');
  });

  it('pages 300 instructions with "Page N of M" on every page and every row exactly once, in order', async () => {
    const instructions = Array.from({ length: 300 }, (_, i) =>
      instruction({
        model: `Modell${String(i + 1).padStart(3, '0')}`,
        instructor: i % 7 === 0 ? 'Sabine Weißmüller, Medizinprodukteberaterin der B. Braun Melsungen AG' : 'Jürgen Schäfer',
      }),
    );
    const appointments = Array.from({ length: 3 }, (_, i) => ({ ...record.appointments[0]!, site: `Standort${i + 1}` }));
    const pdf = await save('record-300', renderInstructionRecord({ ...record, locale: 'en', instructions, appointments }));

    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(5);
    const texts = Array.from({ length: pages }, (_, i) => textOf(pdf, i + 1));
    texts.forEach((text, i) => {
      expect(text).toContain(`Page ${i + 1} of ${pages}`);
      expect(occurrences(text, ' of ' + pages)).toBe(1);
      expect(text).toContain('Generated by MedReg on 12 Mar 2026');
      if (i > 0) expect(text).toContain('Device instruction record – Özlem Großkopf');
    });
    for (const text of texts.slice(0, -1)) expect(text).toContain('Instructed on');

    const all = texts.join(' ');
    for (const row of instructions) expect(occurrences(all, row.model), row.model).toBe(1);
    const rows = Array.from({ length: pages }, (_, i) =>
      wordsOf(pdf, i + 1)
        .filter((w) => /^Modell\d{3}$/.test(w.text))
        .sort((a, b) => a.yMin - b.yMin)
        .map((w) => w.text),
    );
    expect(rows.flat()).toEqual(instructions.map((row) => row.model));
    for (const site of ['Standort1', 'Standort2', 'Standort3']) expect(all).toContain(site);
    expect(all.indexOf('Appointed person (beauftragte Person) for')).toBeGreaterThan(all.indexOf('Modell300'));
  });
});

describe('fonts', () => {
  it('is tagged for screen readers: the tables of the record have column headers, repeated headers and footers are skipped', async () => {
    const instructions = Array.from({ length: 120 }, (_, i) => instruction({ model: `Modell${String(i + 1).padStart(3, '0')}` }));
    const pdf = await save('record-tagged', renderInstructionRecord({ ...record, instructions }));
    expect(pageCount(pdf)).toBeGreaterThan(2);

    expect(run('pdfinfo', pdf)).toMatch(/^Tagged:\s+yes$/m);
    const roles = rolesOf(pdf);
    expect(roles.slice(0, 2)).toEqual(['Document', 'H1']);
    expect(roles.filter((role) => role === 'H2')).toHaveLength(1);
    expect(roles.filter((role) => role === 'Table')).toHaveLength(2);
    // Header cells once per table, however many pages the table runs over.
    expect(roles.filter((role) => role === 'TH')).toHaveLength(8 + 4);
    expect(roles.filter((role) => role === 'TR')).toHaveLength(1 + 120 + 1 + 1);
    const tree = structureOf(pdf);
    // The model and its manufacturer are read as two paragraphs of the cell, not run into one word.
    expect(tree).toContain('"Modell001"');
    expect(tree).toContain('"B. Braun Melsungen AG"');
    const t = translator('de');
    const furniture = new Set(
      [
        `${t('instructionPdf.recordTitle')} – ${record.person.name}`,
        t('instructionPdf.footer', { date: '12.03.2026' }),
        t('instructionPdf.page', { page: 0, pages: 0 }),
        ...[t('instructionPdf.model'), t('instructionPdf.instructedOn'), t('instructionPdf.instructor'), t('instructionPdf.method'), t('instructionPdf.softwareVersion'), t('instructionPdf.validUntil'), t('instructionPdf.state'), t('instructionPdf.confirmation')],
      ]
        .join(' ')
        .split(/\s+/),
    );
    const skipped = untaggedWords(pdf);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((word) => !furniture.has(word) && !/^\d+$/.test(word))).toEqual([]);
  });

  it('embeds the DejaVu fonts and no standard font in both PDFs', async () => {
    for (const pdf of [await save('fonts-matrix', renderInstructionMatrix(matrix)), await save('fonts-record', renderInstructionRecord(record))]) {
      const fonts = fontsOf(pdf);
      expect(fonts.map((font) => font.name?.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
      expect(fonts.every((font) => font.embedded === 'yes')).toBe(true);
    }
  });
});
