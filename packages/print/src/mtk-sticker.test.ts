import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MTK_STICKER_MM, renderMtkSticker, type MtkStickerData } from './index.js';
import { altTexts, fontsOf, pageCount, run, textOf, untaggedWords } from './testing.js';

// Read back as a person would trust it: poppler for the text, zbar for the QR code.
const dir = mkdtempSync(join(tmpdir(), 'mtk-sticker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(name: string, data: MtkStickerData): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderMtkSticker(data));
  return file;
}

function scan(pdf: string, dpi: number): string {
  run('pdftoppm', '-r', String(dpi), '-png', '-singlefile', pdf, pdf);
  return run('zbarimg', '--raw', '-q', `${pdf}.png`).trim();
}

const sticker: MtkStickerData = {
  locale: 'de',
  url: 'https://medreg.klinikum-beispiel.de/d/K7QX2M4P',
  inventoryNumber: 'MT-10017',
  next: '12/2027',
  testedOn: '22.11.2026',
  testedBy: 'Tom Techniker',
};

const pt = (mm: number) => (mm * 72) / 25.4;

describe('renderMtkSticker', () => {
  it('prints the next MTK, who tested and when, the inventory number and a QR code of the device page on one 50 × 30 mm sticker', async () => {
    const pdf = await render('de', sticker);
    const size = run('pdfinfo', pdf).match(/^Page size:\s+([\d.]+) x ([\d.]+) pts/m)!;
    expect(Number(size[1])).toBeCloseTo(pt(MTK_STICKER_MM.width), 1);
    expect(Number(size[2])).toBeCloseTo(pt(MTK_STICKER_MM.height), 1);
    expect(pageCount(pdf)).toBe(1);
    expect(textOf(pdf).trim()).toBe('MTK Messtechnische Kontrolle Nächste MTK 12/2027 Geprüft 22.11.2026 von Tom Techniker MT-10017');
    expect(fontsOf(pdf).every((f) => f.embedded === 'yes')).toBe(true);
    // At a label printer's 300 dpi and at a phone photo's coarser look.
    expect(scan(pdf, 300)).toBe(sticker.url);
    expect(scan(pdf, 150)).toBe(sticker.url);
    // Tagged: a screen reader reads every line and hears where the QR code leads.
    expect(untaggedWords(pdf)).toEqual([]);
    expect(altTexts(pdf)).toEqual([`QR-Code, der den aktuellen Status des Geräts öffnet: ${sticker.url}`]);
  });

  it('in English; a long firm name is cut on the sticker instead of running off it', async () => {
    const pdf = await render('en', {
      ...sticker,
      locale: 'en',
      testedOn: '22 Nov 2026',
      testedBy: 'Medizintechnik-Service Rheinland GmbH & Co. KG, Niederlassung Köln-Ehrenfeld',
    });
    expect(pageCount(pdf)).toBe(1);
    const text = textOf(pdf).trim();
    expect(text).toMatch(/^MTK Metrological inspection Next MTK 12\/2027 Tested 22 Nov 2026 by Medizintechnik-?Service Rheinland.*… MT-10017$/);
    expect(text).not.toContain('Ehrenfeld');
    expect(scan(pdf, 300)).toBe(sticker.url);
  });
});
