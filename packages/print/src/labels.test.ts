import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL_LAYOUTS, renderLabels, type LabelData, type LabelSheetData } from './index.js';
import { altTexts, fontsOf, rolesOf, run, scanPage, scanSlot, slotRect, structureOf, textOf, untaggedWords } from './testing.js';

// As for the card: poppler reads the PDF back, zbar scans the QR codes as a phone would.
const dir = mkdtempSync(join(tmpdir(), 'labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(name: string, data: LabelSheetData): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderLabels(data));
  return file;
}

const pt = (mm: number) => (mm * 72) / 25.4;

function pagesOf(pdf: string): { count: number; sizes: [number, number][] } {
  const info = run('pdfinfo', '-f', '1', '-l', '1000', pdf);
  const sizes = [...info.matchAll(/^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/gm)].map(
    (m) => [Number(m[1]), Number(m[2])] as [number, number],
  );
  return { count: Number(info.match(/^Pages:\s+(\d+)/m)?.[1]), sizes };
}

/** Every word pdftotext finds, with its box in points. */
function wordsOf(pdf: string) {
  return run('pdftotext', '-bbox', pdf, '-')
    .split('<page ')
    .slice(1)
    .flatMap((page, i) =>
      [...page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)<\/word>/g)].map(
        (m) => ({ page: i + 1, x0: Number(m[1]), y0: Number(m[2]), x1: Number(m[3]), y1: Number(m[4]), text: m[5]! }),
      ),
    );
}

const NAMES = ['B. Braun Perfusor Space', 'Philips IntelliVue MX450', 'Dräger Evita V500', 'Fresenius Kabi Agilia SP'];

/** Distinct devices; each URL differs from the others in its code only, as real ones do. */
const devices = (count: number): LabelData[] =>
  Array.from({ length: count }, (_, i) => {
    const code = `K${String(i).padStart(3, '0')}QX7Z`;
    return {
      url: `http://localhost:3000/d/${code}`,
      inventoryNumber: `MT-${String(4700 + i).padStart(6, '0')}`,
      name: NAMES[i % NAMES.length]!,
      code: `${code.slice(0, 4)}-${code.slice(4)}`,
      nextDue: '31.03.2027',
    };
  });

describe('renderLabels', () => {
  it('fills 3x8 sheets in order: 30 labels make two A4 pages, and every QR code scans to its own device', async () => {
    const labels = devices(30);
    const pdf = await render('3x8', { locale: 'de', layout: '3x8', labels });

    const pages = pagesOf(pdf);
    expect(pages.count).toBe(2);
    for (const [width, height] of pages.sizes) {
      expect(width).toBeCloseTo(595.28, 1);
      expect(height).toBeCloseTo(841.89, 1);
    }
    expect(textOf(pdf)).toContain('Nächste Prüfung: 31.03.2027');
    const pageTexts = [textOf(pdf, 1), textOf(pdf, 2)];
    labels.forEach((label, i) => expect(pageTexts[i < 24 ? 0 : 1]).toContain(label.inventoryNumber));

    const urls = labels.map((label) => [label.url]);
    expect(scanPage(pdf, 1, '3x8')).toEqual(urls.slice(0, 24));
    expect(scanPage(pdf, 2, '3x8')).toEqual([...urls.slice(24), ...Array.from({ length: 18 }, () => [])]);
  });

  it('starts a 2x7 sheet after the skipped positions, each label with its own QR code, in English', async () => {
    const labels = devices(11);
    const pdf = await render('2x7-skip', { locale: 'en', layout: '2x7', skip: 3, labels });

    expect(pagesOf(pdf).count).toBe(1);
    const text = textOf(pdf);
    expect(text).toContain('Next inspection: 31.03.2027');
    expect(text).not.toContain('Nächste Prüfung');
    expect(scanPage(pdf, 1, '2x7')).toEqual([[], [], [], ...labels.map((label) => [label.url])]);
  });

  it('prints single labels one per 62 x 29 mm page', async () => {
    const labels = devices(2);
    const pdf = await render('single', { locale: 'de', layout: 'single', labels });

    const pages = pagesOf(pdf);
    expect(pages.count).toBe(2);
    for (const [width, height] of pages.sizes) {
      expect(width).toBeCloseTo(175.75, 1);
      expect(height).toBeCloseTo(82.2, 1);
    }
    expect(scanSlot(pdf, 1, 'single', 0)).toEqual([labels[0]!.url]);
    expect(scanSlot(pdf, 2, 'single', 0)).toEqual([labels[1]!.url]);
    expect(textOf(pdf, 2)).toContain(labels[1]!.inventoryNumber);
  });

  it('cuts a long name with an ellipsis, wraps a long inventory number and prints a dash when nothing is due', async () => {
    const long: LabelData = {
      url: 'https://medreg.universitaetsklinikum-beispielstadt.example/d/ZXCV9876',
      inventoryNumber: 'UKB-KARDIOLOGIE-2024-000047',
      name: `Drägerwerk AG & Co. KGaA Evita Infinity V500\nIntensivbeatmungsgerät ${'mit Zubehör '.repeat(10)}ENDE`,
      code: 'ZXCV-9876',
      nextDue: null,
    };
    for (const layout of ['3x8', '2x7', 'single'] as const) {
      const pdf = await render(`long-${layout}`, { locale: 'de', layout, labels: [long] });

      expect(pagesOf(pdf).count).toBe(1);
      const text = textOf(pdf);
      expect(text).toContain('Drägerwerk AG');
      expect(text).toContain('…');
      expect(text).not.toContain('ENDE');
      expect(text).toContain('Nächste Prüfung: –');
      // Read from the word boxes: pdftotext would join the two lines of the number without their hyphen.
      const words = wordsOf(pdf);
      expect(words.map((word) => word.text).join('')).toContain(long.inventoryNumber);
      expect(text).toContain('ZXCV-9876');
      expect(scanSlot(pdf, 1, layout, 0)).toEqual([long.url]);

      // Everything stays inside the label's padding, and off the unprintable border of an A4 page.
      const g = LABEL_LAYOUTS[layout];
      const label = slotRect(layout, 0);
      const inset = pt(g.padding) - 0.5;
      const edge = pt(g.unprintable) - 0.5;
      for (const word of words) {
        expect(word.x0, word.text).toBeGreaterThanOrEqual(Math.max(label.x + inset, edge));
        expect(word.y0, word.text).toBeGreaterThanOrEqual(Math.max(label.y + inset, edge));
        expect(word.x1, word.text).toBeLessThanOrEqual(label.x + label.width - inset);
        expect(word.y1, word.text).toBeLessThanOrEqual(label.y + label.height - inset);
      }
    }
  });

  it('wraps the next inspection before the date, never inside it', async () => {
    const label = { ...devices(1)[0]!, nextDue: '31 Mar 2027' };
    const pdf = await render('date', { locale: 'en', layout: '3x8', labels: [label] });

    const words = wordsOf(pdf);
    const line = (text: string) => words.find((word) => word.text === text)?.y0;
    expect(line('31')).toBeDefined();
    expect([line('Mar'), line('2027')]).toEqual([line('31'), line('31')]);
  });

  it('keeps every label of a full sheet inside its own position', async () => {
    for (const layout of ['3x8', '2x7'] as const) {
      const g = LABEL_LAYOUTS[layout];
      const labels = devices(g.perSheet);
      const pdf = await render(`full-${layout}`, { locale: 'de', layout, labels });

      expect(pagesOf(pdf).count).toBe(1);
      const words = wordsOf(pdf);
      labels.forEach((device, slot) => {
        const label = slotRect(layout, slot);
        const inside = words.filter(
          (w) => w.x0 >= label.x && w.x1 <= label.x + label.width && w.y0 >= label.y && w.y1 <= label.y + label.height,
        );
        expect(inside.map((w) => w.text)).toContain(device.inventoryNumber);
        expect(inside.map((w) => w.text)).toContain(device.code);
      });
      const page = { width: pt(g.page.width), height: pt(g.page.height) };
      const edge = pt(g.unprintable) - 0.5;
      for (const w of words) {
        expect(Math.min(w.x0, w.y0, page.width - w.x1, page.height - w.y1), w.text).toBeGreaterThanOrEqual(edge);
      }
    }
  });

  it('rejects an empty list and a skip outside the sheet', async () => {
    const labels = devices(1);
    await expect(renderLabels({ locale: 'de', layout: '3x8', labels: [] })).rejects.toThrow(RangeError);
    await expect(renderLabels({ locale: 'de', layout: '3x8', skip: 24, labels })).rejects.toThrow(RangeError);
    await expect(renderLabels({ locale: 'de', layout: '2x7', skip: 1.5, labels })).rejects.toThrow(RangeError);
    await expect(renderLabels({ locale: 'de', layout: 'single', skip: 1, labels })).rejects.toThrow(RangeError);
  });

  it('is tagged for screen readers: a section per label, its QR code described, its lines in reading order', async () => {
    const labels = devices(3);
    const pdf = await render('tagged', { locale: 'en', layout: '3x8', labels });

    expect(run('pdfinfo', pdf)).toMatch(/^Tagged:\s+yes$/m);
    expect(rolesOf(pdf).filter((role) => role === 'Sect')).toHaveLength(3);
    expect(altTexts(pdf)).toEqual(labels.map((label) => `QR code that opens the current status of the device: ${label.url}`));
    expect(untaggedWords(pdf)).toEqual([]);
    const tree = structureOf(pdf);
    const first = ['MT-004700', 'B. Braun Perfusor Space', 'Next inspection: 31.03.2027', 'K000-QX7Z'].map((line) => tree.indexOf(`"${line}"`));
    expect(first.every((at) => at > 0)).toBe(true);
    expect(first).toEqual([...first].sort((a, b) => a - b));
  });

  it('embeds the DejaVu fonts and no standard font', async () => {
    const fonts = fontsOf(await render('fonts', { locale: 'de', layout: '2x7', labels: devices(3) }));

    expect(fonts.map((font) => font.name?.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(fonts.every((font) => font.embedded === 'yes')).toBe(true);
  });
});
