import { translator } from '@medreg/i18n';
import { BOLD, REGULAR, fitSize, openDocument, style, write } from './fonts.js';
import { drawQr } from './labels.js';
import { leaf } from './tags.js';

export interface MtkStickerData {
  locale: 'de' | 'en';
  /** Encoded in the QR code: the device's live page, e.g. "http://localhost:3000/d/ABCD1234". */
  url: string;
  inventoryNumber: string;
  /** Month and year of the next MTK, e.g. "12/2027". */
  next: string;
  /** Already formatted for display. */
  testedOn: string;
  /** The person or firm that tested. */
  testedBy: string;
}

/**
 * 50 × 30 mm, one sticker per page, for a label printer roll of that size: small enough for a handheld
 * blood-pressure meter, tonometer or thermometer case, large enough for a QR code of 18 mm (modules of about
 * 0.5 mm for a 40-character address, which phone cameras read at arm's length) and the next MTK in 5 mm figures.
 */
export const MTK_STICKER_MM = { width: 50, height: 30 } as const;

const pt = (mm: number) => (mm * 72) / 25.4;
const PADDING = pt(2);
const QR_SIDE = pt(18);
const GAP = pt(2);

/** The mark a device carries after a passed MTK (MPBetreibV 2025 §15 / 2017 §14): next MTK, who tested, when. */
export async function renderMtkSticker(data: MtkStickerData): Promise<Buffer> {
  const t = translator(data.locale);
  const width = pt(MTK_STICKER_MM.width);
  const height = pt(MTK_STICKER_MM.height);
  const { doc, done } = openDocument({
    size: [width, height],
    margin: 0,
    lang: data.locale,
    info: { Title: `${t('measures.sticker.title')} – ${data.inventoryNumber}` },
  });

  // Black only: thermal label printers have no grey, and dithered small text is hard to read.
  const qrX = width - PADDING - QR_SIDE;
  const textWidth = qrX - GAP - PADDING;
  let y = PADDING;

  style(doc, BOLD, 10);
  y += write(doc, 'MTK', PADDING, y, textWidth, 1);
  style(doc, REGULAR, fitSize(doc, REGULAR, t('measures.sticker.subtitle'), textWidth, 6) * 0.98);
  y += write(doc, t('measures.sticker.subtitle'), PADDING, y, textWidth, 1) + pt(1);

  style(doc, REGULAR, 6);
  y += write(doc, t('measures.sticker.next'), PADDING, y, textWidth, 1);
  // The figure people look for: as large as the column allows (a hair under, or rounding wraps it).
  const nextSize = fitSize(doc, BOLD, data.next, textWidth, 18) * 0.98;
  style(doc, BOLD, nextSize);
  y += write(doc, data.next, PADDING, y, textWidth, 1) + pt(0.5);

  style(doc, REGULAR, 6);
  y += write(doc, t('measures.sticker.tested', { date: data.testedOn.replace(/ /g, '\u00A0') }), PADDING, y, textWidth, 1);
  // The rest of the height for the tester: a firm's name can take two lines, then it is cut.
  const byLines = Math.max(1, Math.min(2, Math.floor((height - PADDING - y) / doc.currentLineHeight(true))));
  write(doc, t('measures.sticker.by', { name: data.testedBy }), PADDING, y, textWidth, byLines);

  // Right: the QR code to the device's live page, the inventory number under it.
  leaf(doc, 'Figure', () => drawQr(doc, data.url, qrX, PADDING, QR_SIDE), { alt: t('card.qrAlt', { url: data.url }) });
  style(doc, BOLD, fitSize(doc, BOLD, data.inventoryNumber, QR_SIDE, 7) * 0.98);
  write(doc, data.inventoryNumber, qrX, PADDING + QR_SIDE + pt(0.8), QR_SIDE, 1, 'center');

  doc.end();
  return done;
}
