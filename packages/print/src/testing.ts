import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL_LAYOUTS, type LabelLayout } from './labels.js';

// Test helpers that read printed labels back as a phone would: poppler renders, zbar decodes.

const DPI = 300;
const pt = (mm: number) => (mm * 72) / 25.4;

// stderr is captured (zbarimg complains about a missing D-Bus) and shows up in the error if a tool fails.
export const run = (command: string, ...args: string[]) =>
  execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A page's (or the whole document's) text with all whitespace collapsed, so wrapped lines still match. */
export const textOf = (pdf: string, page?: number) =>
  run('pdftotext', ...(page ? ['-f', String(page), '-l', String(page)] : []), pdf, '-').replace(/\s+/g, ' ');

/** Rows of pdffonts; the type column can hold a space, so the "emb" column is counted from the end. */
export function fontsOf(pdf: string) {
  return run('pdffonts', pdf)
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const columns = line.trim().split(/\s+/);
      return { name: columns[0], embedded: columns.at(-5) };
    });
}

/** Number of pages of a PDF file. */
export const pageCount = (pdf: string) => Number(run('pdfinfo', pdf).match(/^Pages:\s+(\d+)/m)?.[1]);

/** A label position's rectangle on its page, in points. */
export function slotRect(layout: LabelLayout, slot: number) {
  const g = LABEL_LAYOUTS[layout];
  return {
    x: pt(g.left + (slot % g.columns) * (g.label.width + g.columnGap)),
    y: pt(g.top + Math.floor(slot / g.columns) * g.label.height),
    width: pt(g.label.width),
    height: pt(g.label.height),
  };
}

/**
 * QR codes zbar finds in one label position. Whole pages are not scanned: zbar misses one to five of a grid of
 * 24 exactly aligned codes, which ones depending on the resolution, while each one alone decodes at 100 to
 * 600 dpi. zbarimg exits with 4 when it finds nothing; that is an empty list.
 */
export function scanSlot(pdf: string, page: number, layout: LabelLayout, slot: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'label-scan-'));
  try {
    const png = join(dir, 'slot');
    const { x, y, width, height } = slotRect(layout, slot);
    const px = (points: number) => String(Math.round((points * DPI) / 72));
    const crop = ['-x', px(x), '-y', px(y), '-W', px(width), '-H', px(height)];
    run('pdftoppm', '-r', String(DPI), '-png', '-singlefile', '-f', String(page), '-l', String(page), ...crop, pdf, png);
    try {
      return run('zbarimg', '--raw', '-q', `${png}.png`).split('\n').filter(Boolean);
    } catch (error) {
      if ((error as { status?: number }).status === 4) return [];
      throw error;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What each position of a page holds: the URLs zbar reads there. */
export const scanPage = (pdf: string, page: number, layout: LabelLayout) =>
  Array.from({ length: LABEL_LAYOUTS[layout].perSheet }, (_, slot) => scanSlot(pdf, page, layout, slot));

/** Every QR code on every page, in print order. */
export function scanLabels(pdf: string, layout: LabelLayout): string[] {
  return Array.from({ length: pageCount(pdf) }, (_, i) => scanPage(pdf, i + 1, layout)).flat(2);
}
