import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRegister, streamRegister, type RegisterPdfData, type RegisterPdfRow } from './index.js';
import { fontsOf, pageCount, run, textOf } from './testing.js';

// The register is read back with poppler, as the inspector reads the printout.
const dir = mkdtempSync(join(tmpdir(), 'register-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function save(name: string, pdf: Promise<Buffer>): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await pdf);
  return file;
}

const device = (i: number, over: Partial<RegisterPdfRow> = {}): RegisterPdfRow => ({
  inventoryNumber: `INV-${String(i).padStart(5, '0')}`,
  designation: 'Perfusor Space',
  kind: 'Spritzenpumpe',
  type: 'PS-8713030',
  serialNumber: `SN-${i}`,
  lotNumber: null,
  acquiredYear: 2019,
  manufacturerName: 'B. Braun Melsungen AG',
  manufacturerAddress: 'Carl-Braun-Straße 1, 34212 Melsungen',
  building: 'Haus A',
  department: 'Intensivstation 1',
  room: `Zimmer ${i % 9}`,
  commissionedOn: '2020-03-05',
  deviceClass: 'IIb',
  udiDi: '04046964123456',
  notifiedBody: '0123',
  ceMarked: 1,
  anlage1: true,
  anlage2: false,
  ...over,
});

function data(rows: RegisterPdfRow[], over: Partial<RegisterPdfData> = {}): RegisterPdfData {
  const batches: RegisterPdfRow[][] = [];
  for (let i = 0; i < rows.length; i += 7) batches.push(rows.slice(i, i + 7)); // odd batch size: batches and pages do not line up
  return {
    locale: 'de',
    site: { name: 'Klinikum Nord', address: 'Nordring 1, 50000 Musterstadt' },
    printedOn: '2026-11-20',
    printedBy: 'Max Meier',
    total: rows.length,
    rows: batches,
    ...over,
  };
}

describe('renderRegister', () => {
  it('prints every device on A4 landscape with the register fields, a repeated header and "Seite x von y"', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => device(i + 1));
    rows[0] = device(1, { lotNumber: 'L-77', serialNumber: null, ceMarked: 0, anlage2: true, department: 'Kardiologie 3B', room: 'Raum Ü 12' });
    rows[1] = device(2, { udiDi: null, notifiedBody: null, ceMarked: null, deviceClass: null, acquiredYear: null, commissionedOn: null, building: null, department: null, room: null, anlage1: false });
    const pdf = await save('register-de', renderRegister(data(rows)));

    expect(run('pdfinfo', pdf)).toMatch(/Page size:\s+841\.89 x 595\.28 pts/);
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const text = textOf(pdf);
    for (const expected of [
      'Bestandsverzeichnis',
      'Klinikum Nord, Nordring 1, 50000 Musterstadt',
      'nach MPBetreibV 2025 §14 (2017: §13)',
      'Gedruckt am 20.11.2026 von Max Meier',
      '60 aktive Geräte',
      'Perfusor Space',
      'Spritzenpumpe · PS-8713030',
      'B. Braun Melsungen AG',
      'Carl-Braun-Straße 1, 34212 Melsungen',
      'Haus A',
      'Kardiologie 3B',
      'Raum Ü 12',
      'Los L-77',
      '05.03.2020',
      'IIb',
      '04046964123456',
      'Anlage 1',
      'Anlage 2',
      'am Standort geführt',
      'nein',
      `Seite 1 von ${pages}`,
      `Seite ${pages} von ${pages}`,
    ]) {
      expect(text).toContain(expected);
    }
    // Every device once, in the order given.
    const numbers = [...text.matchAll(/INV-\d{5}/g)].map((m) => m[0]);
    expect(numbers).toEqual(rows.map((r) => r.inventoryNumber));
    // The column header on every page, the continuation title on the later ones.
    for (let page = 1; page <= pages; page++) {
      const pageText = textOf(pdf, page);
      expect(pageText).toContain('Inventar-Nr.');
      expect(pageText).toContain('Hersteller (Name, Anschrift)');
      expect(pageText).toContain('Standort (Gebäude, Station, Raum)');
      expect(pageText).toContain(`Seite ${page} von ${pages}`);
      if (page > 1) expect(pageText).toContain('Bestandsverzeichnis – Klinikum Nord (Fortsetzung)');
    }
    expect(fontsOf(pdf).every((f) => f.embedded === 'yes')).toBe(true);
  });

  it('keeps every row the same height: long text is cut, the page count follows from the number of rows', async () => {
    const short = await save('register-short', renderRegister(data(Array.from({ length: 90 }, (_, i) => device(i)))));
    const long = await save(
      'register-long',
      renderRegister(
        data(
          Array.from({ length: 90 }, (_, i) =>
            device(i, {
              designation: 'Hochleistungs-Intensivbeatmungsgerät mit integrierter Kapnografie und Vernebler '.repeat(3),
              manufacturerAddress: 'Moislinger Allee 53–55, 23558 Lübeck, Deutschland, Postfach 1339, '.repeat(4),
              udiDi: '(01)04046964123456(11)200305(21)SN-1234567890',
            }),
          ),
        ),
      ),
    );
    expect(pageCount(long)).toBe(pageCount(short));
    expect(textOf(long)).toContain('…');
  });

  it('prints in English, and an empty site on one page', async () => {
    const en = await save('register-en', renderRegister(data([device(1)], { locale: 'en' })));
    const text = textOf(en);
    for (const expected of ['Register of medical devices', 'Printed on 20 Nov 2026 by Max Meier', '1 active device', 'Inventory no.', 'Annex 1', 'Page 1 of 1']) {
      expect(text).toContain(expected);
    }
    const empty = await save('register-empty', renderRegister(data([])));
    expect(pageCount(empty)).toBe(1);
    expect(textOf(empty)).toContain('An diesem Standort gibt es keine aktiven Geräte.');
    expect(textOf(empty)).toContain('Seite 1 von 1');
  });

  it('streams: the first bytes go out before the last batch is read, and the whole is the same register', async () => {
    let read = 0;
    async function* batches() {
      for (let b = 0; b < 10; b++) {
        read++;
        yield Array.from({ length: 30 }, (_, i) => device(b * 30 + i));
      }
    }
    const reader = streamRegister(data([], { total: 300, rows: batches() })).getReader();
    const chunks: Uint8Array[] = [];
    let readWhenFirstChunk = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (chunks.length === 0) readWhenFirstChunk = read;
      chunks.push(value);
    }
    expect(readWhenFirstChunk).toBeLessThan(10);
    const pdf = await save('register-stream', Promise.resolve(Buffer.concat(chunks)));
    expect([...textOf(pdf).matchAll(/INV-\d{5}/g)]).toHaveLength(300);
    expect(textOf(pdf)).toContain(`Seite ${pageCount(pdf)} von ${pageCount(pdf)}`);
  });

  it('waits for a slow reader and stops reading rows when the client goes away', async () => {
    let read = 0;
    let closed = false;
    async function* batches() {
      try {
        for (let b = 0; b < 100; b++) {
          read++;
          yield Array.from({ length: 40 }, (_, i) => device(b * 40 + i));
        }
      } finally {
        closed = true;
      }
    }
    const reader = streamRegister(data([], { total: 4000, rows: batches() })).getReader();
    await reader.read();
    // Nobody reads for a while: drawing must stop once the queue is full, far from the end. On a busy machine
    // filling the queue takes a while, so wait until reading has stood still for half a second.
    let whileWaiting = -1;
    for (let i = 0; i < 40 && read !== whileWaiting; i++) {
      whileWaiting = read;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(whileWaiting).toBeLessThan(100);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(read).toBe(whileWaiting);
    await reader.cancel();
    await expect.poll(() => closed).toBe(true);
    expect(read).toBeLessThan(100);
  });

  it('a failing source errors the stream instead of ending it', async () => {
    async function* failing() {
      yield [device(1)];
      throw new Error('database gone');
    }
    const reader = streamRegister(data([], { total: 2, rows: failing() })).getReader();
    const drain = async () => {
      for (;;) if ((await reader.read()).done) return;
    };
    await expect(drain()).rejects.toThrow('database gone');
  });

  it('reads the rows from an async source batch by batch', async () => {
    let read = 0;
    async function* batches() {
      for (let b = 0; b < 5; b++) {
        read++;
        yield Array.from({ length: 10 }, (_, i) => device(b * 10 + i));
      }
    }
    const pdf = await save('register-async', renderRegister(data([], { total: 50, rows: batches() })));
    expect(read).toBe(5);
    expect([...textOf(pdf).matchAll(/INV-\d{5}/g)]).toHaveLength(50);
  });
});
