import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const trees = new Map<string, string>();
/**
 * The structure tree as poppler reads it (what a screen reader gets): one element or text per line, indented by depth.
 * Kept by the file's content: poppler takes seconds for a long table, and a test reads the same tree several ways.
 */
export function structureOf(pdf: string): string {
  const key = createHash('sha256').update(readFileSync(pdf)).digest('hex');
  let tree = trees.get(key);
  if (tree === undefined) trees.set(key, (tree = run('pdfinfo', '-struct-text', pdf)));
  return tree;
}

/** The structure tree's element names in reading order, e.g. ['Document', 'H1', 'P', …]. */
export const rolesOf = (pdf: string) =>
  structureOf(pdf)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[A-Za-z]/.test(line))
    .map((line) => line.split(/[\s:]/)[0]!);

const words = (text: string) => text.split(/\s+/).filter(Boolean);

/**
 * Words a PDF reader shows that the structure tree does not hold: what a screen reader would skip. Counted as a
 * multiset, so a word printed twice must be tagged twice.
 */
export function untaggedWords(pdf: string): string[] {
  const tagged = new Map<string, number>();
  for (const line of structureOf(pdf).split('\n')) {
    const quoted = /^\s*"(.*)"$/.exec(line)?.[1];
    if (quoted) for (const word of words(quoted)) tagged.set(word, (tagged.get(word) ?? 0) + 1);
  }
  return words(run('pdftotext', pdf, '-')).filter((word) => {
    const left = tagged.get(word) ?? 0;
    if (left > 0) tagged.set(word, left - 1);
    return left === 0;
  });
}

/** The alternative texts (/Alt) of the structure elements, decoded from PDF strings (UTF-16 where pdfkit needed it). */
export function altTexts(pdf: string): string[] {
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  return [...readFileSync(pdf, 'latin1').matchAll(/\/Alt \(((?:\\.|[^\\)])*)\)/g)].map(([, raw]) => {
    const bytes = raw!.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
    return bytes.startsWith('\xFE\xFF') ? Buffer.from(bytes.slice(2), 'latin1').swap16().toString('utf16le') : bytes;
  });
}

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

/**
 * What each position of a page holds: the URLs zbar reads there. The page is rendered once (greyscale PGM, whose
 * pixels are easy to cut), each position cut out to a file of its own, and one zbarimg reads them all.
 */
export function scanPage(pdf: string, page: number, layout: LabelLayout): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'label-scan-'));
  try {
    const base = join(dir, 'page');
    run('pdftoppm', '-r', String(DPI), '-gray', '-singlefile', '-f', String(page), '-l', String(page), pdf, base);
    const image = readPgm(readFileSync(`${base}.pgm`));
    const px = (points: number) => Math.round((points * DPI) / 72);
    const files = Array.from({ length: LABEL_LAYOUTS[layout].perSheet }, (_, slot) => {
      const r = slotRect(layout, slot);
      const file = join(dir, `slot-${slot}.pgm`);
      writeFileSync(file, cropPgm(image, px(r.x), px(r.y), px(r.width), px(r.height)));
      return file;
    });
    const found = new Map<string, string[]>();
    // <source href='…'> … <data><![CDATA[url]]></data> … </source>, one source per file.
    for (const [, href, body] of zbarXml(files).matchAll(/<source href='([^']*)'>([\s\S]*?)<\/source>/g))
      found.set(href!, [...body!.matchAll(/<data><!\[CDATA\[([\s\S]*?)\]\]><\/data>/g)].map((m) => m[1]!));
    return files.map((file) => found.get(file) ?? []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** zbarimg's XML for several images; it exits with 4 when it finds nothing in any of them. */
function zbarXml(files: string[]): string {
  try {
    return run('zbarimg', '--xml', '-q', ...files);
  } catch (error) {
    const e = error as { status?: number; stdout?: string };
    if (e.status === 4 && typeof e.stdout === 'string') return e.stdout;
    throw error;
  }
}

interface Pgm {
  width: number;
  height: number;
  pixels: Buffer;
}

/** A binary greyscale PGM (P5, 8 bits) as poppler writes it. */
function readPgm(bytes: Buffer): Pgm {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header || header[3] !== '255') throw new Error('not an 8-bit binary PGM');
  return { width: Number(header[1]), height: Number(header[2]), pixels: bytes.subarray(header[0].length) };
}

function cropPgm(image: Pgm, x: number, y: number, width: number, height: number): Buffer {
  const w = Math.min(width, image.width - x);
  const h = Math.min(height, image.height - y);
  const out = Buffer.alloc(w * h);
  for (let row = 0; row < h; row++) image.pixels.copy(out, row * w, (y + row) * image.width + x, (y + row) * image.width + x + w);
  return Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`, 'latin1'), out]);
}

/** Every QR code on every page, in print order. */
export function scanLabels(pdf: string, layout: LabelLayout): string[] {
  return Array.from({ length: pageCount(pdf) }, (_, i) => scanPage(pdf, i + 1, layout)).flat(2);
}
