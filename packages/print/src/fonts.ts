/// <reference path="./types/fontkit.d.ts" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { say, startStructure } from './tags.js';

// DejaVu covers umlauts, dashes and symbols; embedding it also keeps pdfkit from ever loading its Helvetica
// AFM files, which are missing once the server is bundled.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
// Decoded once per process: given a file, pdfkit reads it and fontkit decodes its tables for every document again,
// which was most of a lock-out card's CPU time. pdfkit takes a fontkit font as it is. Each document gets a view of
// the shared font with glyphs of its own: fontkit keeps a glyph with the characters it was first reached by, and
// a glyph first reached inside another document's composite (the "a" of an "ä") would have none, leaving this
// document's text unreadable to a PDF reader (mtk-sticker.test.ts reads it back).
const decoded = (file: string) => fontkit.create(readFileSync(join(fontDir, file)));
const REGULAR_FONT = decoded('DejaVuSans.ttf');
const BOLD_FONT = decoded('DejaVuSans-Bold.ttf');
const forDocument = (font: object) => Object.create(font, { _glyphs: { value: {}, writable: true } }) as Uint8Array; // pdfkit's types know only files and bytes
export const REGULAR = 'DejaVuSans';
export const BOLD = 'DejaVuSans-Bold';
export const INK = '#000000';
export const DASH = '–';

export type Doc = PDFKit.PDFDocument;

/**
 * A PDF document that knows only the embedded DejaVu fonts, tagged for screen readers (see tags.ts) unless asked
 * not to be, and a promise of its bytes once it is ended. Viewers show its title, not the file name.
 */
export function openDocument(options: PDFKit.PDFDocumentOptions, { tagged = true } = {}): { doc: Doc; done: Promise<Buffer> } {
  const regular = forDocument(REGULAR_FONT);
  const doc = new PDFDocument({ ...options, font: regular as unknown as string, tagged, displayTitle: true, pdfVersion: '1.7' });
  doc.registerFont(REGULAR, regular).registerFont(BOLD, forDocument(BOLD_FONT));
  if (tagged) startStructure(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

/** Sets the text style and returns its line height. */
export function style(doc: Doc, font: string, size: number, color = INK): number {
  doc.font(font).fontSize(size).fillColor(color);
  return doc.currentLineHeight(true);
}

/**
 * Line breaks become spaces: pdfkit drops the ellipsis when the cut falls on a hard break, and neither the
 * card nor a label has room for paragraphs anyway. No-break spaces stay.
 */
const flatten = (text: string) => text.replace(/[^\S\u00A0\u202F]+/g, ' ').trim();

/** How many lines the text takes in the current style, capped at maxLines. */
export function lines(doc: Doc, text: string, width: number, maxLines: number): number {
  return Math.min(maxLines, Math.round(doc.heightOfString(flatten(text), { width }) / doc.currentLineHeight(true)));
}

/**
 * Writes text in at most maxLines lines, cut with an ellipsis, as a paragraph of the open structure element (see
 * tags.ts), and returns the height used. Passing a height also stops pdfkit from continuing on a second page.
 */
export function write(
  doc: Doc,
  text: string,
  x: number,
  y: number,
  width: number,
  maxLines: number,
  align: 'left' | 'center' = 'left',
): number {
  const lineHeight = doc.currentLineHeight(true);
  // Half a line of slack: pdfkit decides on the ellipsis by comparing float positions with this height.
  say(doc, flatten(text), x, y, { width, height: (maxLines + 0.5) * lineHeight, ellipsis: true, align });
  return lines(doc, text, width, maxLines) * lineHeight;
}

/** Font size at which text in the font fills the width, at most max. */
export function fitSize(doc: Doc, font: string, text: string, width: number, max: number): number {
  doc.font(font).fontSize(1);
  return Math.min(max, width / doc.widthOfString(text));
}
