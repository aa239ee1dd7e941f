import { translator } from '@medreg/i18n';
import QRCode from 'qrcode';
import { BOLD, DASH, INK, REGULAR, type Doc, fitSize, openDocument, style, write } from './fonts.js';
import { inside, leaf } from './tags.js';

export type LabelLayout = 'single' | '3x8' | '2x7';

export interface LabelData {
  /** Encoded in the QR code, e.g. "http://localhost:3000/d/ABCD1234" */
  url: string;
  inventoryNumber: string;
  /** Manufacturer and model; long names are cut after two lines. */
  name: string;
  /** Readable short code, e.g. "ABCD-1234", for typing in when no camera is at hand. */
  code: string;
  /** Already formatted for display; null when nothing is due. */
  nextDue: string | null;
}

export interface LabelSheetData {
  locale: 'de' | 'en';
  layout: LabelLayout;
  /** Label positions already used on the first sheet, 0 to perSheet - 1. */
  skip?: number;
  labels: LabelData[];
}

/** A layout's geometry; all lengths in millimetres. */
export interface LabelGeometry {
  perSheet: number;
  columns: number;
  rows: number;
  page: { width: number; height: number };
  label: { width: number; height: number };
  /** Position of the first label's top left corner on the page. */
  top: number;
  left: number;
  columnGap: number;
  /** Kept free inside each label: sheets never go through a printer exactly aligned. */
  padding: number;
  /** Border of the page an office printer cannot print on; content that would fall there moves inwards. */
  unprintable: number;
}

const A4 = { width: 210, height: 297 };
const grid = (geometry: Omit<LabelGeometry, 'perSheet'>): LabelGeometry => ({
  ...geometry,
  perSheet: geometry.columns * geometry.rows,
});

export const LABEL_LAYOUTS: Record<LabelLayout, LabelGeometry> = {
  // A label printer roll (Brother DK-11209): the printer positions each label exactly, so less padding does.
  single: grid({
    columns: 1,
    rows: 1,
    page: { width: 62, height: 29 },
    label: { width: 62, height: 29 },
    top: 0,
    left: 0,
    columnGap: 0,
    padding: 2,
    unprintable: 0,
  }),
  // Avery Zweckform 3474
  '3x8': grid({
    columns: 3,
    rows: 8,
    page: A4,
    label: { width: 70, height: 37 },
    top: 0.5,
    left: 0,
    columnGap: 0,
    padding: 3,
    unprintable: 4,
  }),
  // Avery L7163
  '2x7': grid({
    columns: 2,
    rows: 7,
    page: A4,
    label: { width: 99.1, height: 38.1 },
    top: 15.15,
    left: 4.65,
    columnGap: 2.5,
    padding: 3,
    unprintable: 4,
  }),
};

const pt = (mm: number) => (mm * 72) / 25.4;

/** Text sizes for a 31 mm QR code (a 3x8 label); other layouts scale them with their QR code. */
const BASE_QR = pt(31);
const SIZES = { inventoryMax: 15, inventoryMin: 8, name: 8.5, due: 7.5, code: 7 };

/**
 * Draws the QR code as vector rectangles, one per run of dark modules in a row, filled as a single path:
 * sharp at any printer resolution, and no hairline seams between rows when rasterised.
 */
export function drawQr(doc: Doc, url: string, x: number, y: number, side: number) {
  const { size, data } = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
  const cell = side / size;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!data[row * size + col]) continue;
      const start = col;
      while (col + 1 < size && data[row * size + col + 1]) col++;
      doc.rect(x + start * cell, y + row * cell, (col + 1 - start) * cell, cell);
    }
  }
  doc.fill(INK);
}

/**
 * Splits an identifier too long for one line in two halves as even as possible, after a separator if it has
 * one: Unicode line breaking would treat "-2024" as a negative number and cut anywhere else.
 */
function splitId(doc: Doc, text: string): [string, string] {
  const cuts = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
  const after = cuts.filter((cut) => '-/._ '.includes(text[cut - 1]!));
  const widest = (cut: number) => Math.max(doc.widthOfString(text.slice(0, cut)), doc.widthOfString(text.slice(cut)));
  const best = (after.length ? after : cuts).reduce((a, b) => (widest(b) < widest(a) ? b : a));
  return [text.slice(0, best), text.slice(best)];
}

export async function renderLabels(data: LabelSheetData): Promise<Buffer> {
  const geometry = LABEL_LAYOUTS[data.layout];
  const skip = data.skip ?? 0;
  if (!Number.isInteger(skip) || skip < 0 || skip >= geometry.perSheet) {
    throw new RangeError(`skip must be an integer from 0 to ${geometry.perSheet - 1}`);
  }
  if (data.labels.length === 0) throw new RangeError('no labels to print');

  const t = translator(data.locale);
  const pageWidth = pt(geometry.page.width);
  const pageHeight = pt(geometry.page.height);
  const labelWidth = pt(geometry.label.width);
  const labelHeight = pt(geometry.label.height);
  const padding = pt(geometry.padding);
  const unprintable = pt(geometry.unprintable);
  const gap = pt(2.5); // between QR code and text: part of the QR code's quiet zone

  const { doc, done } = openDocument({
    size: [pageWidth, pageHeight],
    margin: 0,
    autoFirstPage: false,
    lang: data.locale,
    info: { Title: t('labels.title') },
  });

  data.labels.forEach((label, i) => {
    const slot = (skip + i) % geometry.perSheet;
    if (i === 0 || slot === 0) doc.addPage();
    inside(doc, 'Sect', () => drawLabel(label, slot));
  });

  function drawLabel(label: LabelSheetData['labels'][number], slot: number) {
    const labelX = pt(geometry.left) + (slot % geometry.columns) * (labelWidth + pt(geometry.columnGap));
    const labelY = pt(geometry.top) + Math.floor(slot / geometry.columns) * labelHeight;

    const left = Math.max(labelX + padding, unprintable);
    const top = Math.max(labelY + padding, unprintable);
    const right = Math.min(labelX + labelWidth - padding, pageWidth - unprintable);
    const bottom = Math.min(labelY + labelHeight - padding, pageHeight - unprintable);

    // The padding around the QR code is its quiet zone; the text keeps to the right of it.
    const side = Math.min(bottom - top, (right - left) / 2);
    leaf(doc, 'Figure', () => drawQr(doc, label.url, left, top, side), { alt: t('card.qrAlt', { url: label.url }) });

    const k = side / BASE_QR;
    const textX = left + side + gap;
    const width = right - textX;

    // From the top: inventory number, then the name in whatever room the lines anchored at the bottom leave.
    // The number shrinks to fit, and below the smallest size takes two lines, shrunk further if need be;
    // every character is kept. A hair under the exact fit, or rounding wraps the last character.
    const minSize = SIZES.inventoryMin * k;
    let inventory = [label.inventoryNumber];
    let inventorySize = fitSize(doc, BOLD, label.inventoryNumber, width, SIZES.inventoryMax * k) * 0.98;
    if (inventorySize < minSize) {
      style(doc, BOLD, minSize);
      inventory = splitId(doc, label.inventoryNumber);
      inventorySize = Math.min(...inventory.map((line) => fitSize(doc, BOLD, line, width, minSize) * 0.98));
    }
    const inventoryLineHeight = style(doc, BOLD, inventorySize);
    inventory.forEach((line, i) => write(doc, line, textX, top + i * inventoryLineHeight, width, 1));
    const nameY = top + inventory.length * inventoryLineHeight + k;

    // Placed from the bottom up, written top down: a screen reader reads the lines in the order they are written.
    const codeSize = SIZES.code * k;
    const codeY = top + side - style(doc, REGULAR, codeSize);

    // No-break spaces keep a date such as "31 Mar 2027" together when the line wraps.
    const due = t('labels.nextInspection', { date: label.nextDue?.replace(/ /g, '\u00A0') ?? DASH });
    const dueLineHeight = style(doc, REGULAR, SIZES.due * k);
    const dueLines = doc.widthOfString(due) <= width ? 1 : 2;
    const dueY = codeY - k - dueLines * dueLineHeight;

    const nameLineHeight = style(doc, REGULAR, SIZES.name * k);
    const nameLines = Math.min(2, Math.floor((dueY - k - nameY) / nameLineHeight));
    if (nameLines > 0) write(doc, label.name, textX, nameY, width, nameLines);
    style(doc, REGULAR, SIZES.due * k);
    write(doc, due, textX, dueY, width, dueLines);
    style(doc, REGULAR, codeSize);
    write(doc, label.code, textX, codeY, width, 1);
  }

  doc.end();
  return done;
}
