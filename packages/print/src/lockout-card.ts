import { translator } from '@medreg/i18n';
import QRCode from 'qrcode';
import { BOLD, DASH, INK, REGULAR, fitSize, lines, openDocument, style, write } from './fonts.js';
import { drawQr } from './labels.js';
import { artifact, leaf } from './tags.js';

export interface LockoutCardData {
  locale: 'de' | 'en';
  size: 'A6' | 'A5';
  /** Encoded in the QR code, e.g. "http://localhost:3000/d/ABCD1234" */
  url: string;
  device: {
    inventoryNumber: string;
    designation: string;
    type: string;
    serial: string | null;
    location: string;
    code: string;
  };
  lock: {
    reason: string;
    incidentSuspected: boolean;
    lockedByName: string;
    lockedByRole: string;
    lockedByPhone: string | null;
    lockedAt: string /* already formatted for display */;
  };
}

const SIGNAL_RED = '#C8102E';
const LABEL_GREY = '#555555';
const WHITE = '#FFFFFF';

/** The layout is drawn in A6 points; on A5 every length and font size grows by the ratio of the widths. */
const PAGE_WIDTH = { A6: 297.64, A5: 419.53 } as const;
const MARGIN = 17; // 6 mm
const QR_SIZE = 92; // 32.5 mm on A6, 46 mm on A5

export async function renderLockoutCard(data: LockoutCardData): Promise<Buffer> {
  const { device, lock } = data;
  const t = translator(data.locale);
  const k = PAGE_WIDTH[data.size] / PAGE_WIDTH.A6;
  const u = (n: number) => n * k;
  const m = u(MARGIN);

  const { doc, done } = openDocument({
    size: data.size,
    margin: m,
    lang: data.locale,
    info: { Title: `${t('card.header')} ${DASH} ${device.inventoryNumber}` },
  });

  const { width: pageWidth, height: pageHeight } = doc.page;
  const contentWidth = pageWidth - 2 * m;
  doc.lineWidth(u(0.75));

  /** A small grey label with its value below; returns the height used. */
  const field = (
    label: string,
    value: string,
    x: number,
    y: number,
    width: number,
    maxLines: number,
    valueFont = REGULAR,
    valueSize = u(8.5),
  ) => {
    style(doc, REGULAR, u(6.5), LABEL_GREY);
    const labelHeight = write(doc, label, x, y, width, 1);
    style(doc, valueFont, valueSize);
    return labelHeight + write(doc, value || DASH, x, y + labelHeight, width, maxLines);
  };

  // Signal header, edge to edge; the text starts at the margin so a printer's unprintable border never clips it.
  const headerSize = fitSize(doc, BOLD, t('card.header'), contentWidth, u(22));
  const secondSize = headerSize * 0.62;
  const headerHeight = style(doc, BOLD, headerSize, WHITE);
  const bandHeight = m + headerHeight + u(1) + style(doc, BOLD, secondSize, WHITE) + u(6);
  artifact(doc, () => doc.rect(0, 0, pageWidth, bandHeight).fill(SIGNAL_RED));
  // The card is bilingual whatever the locale: German first, then English, each read in its own language.
  leaf(doc, 'H1', () => {
    style(doc, BOLD, headerSize, WHITE);
    write(doc, t('card.header'), m, m, contentWidth, 1, 'center');
  }, { lang: 'de' });
  leaf(doc, 'P', () => {
    style(doc, BOLD, secondSize, WHITE);
    write(doc, t('card.headerSecond'), m, m + headerHeight + u(1), contentWidth, 1, 'center');
  }, { lang: 'en' });

  // Device identity on the left, QR code to the device's live page on the right.
  const top = bandHeight + u(9);
  const qrX = pageWidth - m - u(QR_SIZE);
  const columnWidth = qrX - u(10) - m;
  let left = top;
  left += field(t('card.inventoryNumber'), device.inventoryNumber, m, left, columnWidth, 1, BOLD, u(15)) + u(3);
  left += field(t('card.designation'), device.designation, m, left, columnWidth, 2) + u(3);
  // Two lines like the designation: a long type keeps its number (one line cut it off with an ellipsis).
  left += field(t('card.type'), device.type, m, left, columnWidth, 2) + u(3);
  left += field(t('card.serial'), device.serial ?? '', m, left, columnWidth, 1) + u(3);
  left += field(t('card.location'), device.location, m, left, columnWidth, 2);

  // Vector modules like the labels (a PNG took a third of the card's time to encode and decode), inside a quiet
  // zone of one module.
  const cell = u(QR_SIZE) / (QRCode.create(data.url, { errorCorrectionLevel: 'M' }).modules.size + 2);
  leaf(doc, 'Figure', () => drawQr(doc, data.url, qrX + cell, top + cell, u(QR_SIZE) - 2 * cell), { alt: t('card.qrAlt', { url: data.url }) });
  let right = top + u(QR_SIZE) + u(1);
  style(doc, REGULAR, u(6.5), LABEL_GREY);
  right += write(doc, t('card.scan'), qrX, right, u(QR_SIZE), 2, 'center');
  style(doc, BOLD, u(8));
  right += write(doc, device.code, qrX, right, u(QR_SIZE), 1, 'center');

  // The release section sits at the bottom; the reason box gets whatever height remains above it.
  const pad = u(5);
  const headingHeight = style(doc, BOLD, u(8));
  const rowHeight = u(21);
  const checkHeight = u(14);
  const releaseHeight = pad + headingHeight + u(2) + rowHeight + checkHeight + rowHeight + pad;
  const releaseTop = pageHeight - m - releaseHeight;

  const incidentText = `⚠ ${t('card.incident')}`;
  const incidentLineHeight = style(doc, BOLD, u(7.5));
  const incidentBox = lines(doc, incidentText, contentWidth - 2 * u(4), 2) * incidentLineHeight + 2 * u(3);
  const incidentSpace = lock.incidentSuspected ? incidentBox + u(5) : 0;

  const lockedByWidth = contentWidth * 0.6;
  const lockedAtWidth = contentWidth - lockedByWidth - u(8);
  const lockedBy = `${lock.lockedByName}, ${lock.lockedByRole}`;
  const phone = lock.lockedByPhone && `☎ ${lock.lockedByPhone}`;
  const labelHeight = style(doc, REGULAR, u(6.5));
  const valueHeight = style(doc, REGULAR, u(8.5));
  const lockedByLines = lines(doc, lockedBy, lockedByWidth, 2) + (phone ? 1 : 0);
  const lockedHeight = labelHeight + valueHeight * Math.max(lockedByLines, lines(doc, lock.lockedAt, lockedAtWidth, 2));

  let y = Math.max(left, right) + u(8);
  const boxPad = u(4);
  const reasonTop = y + labelHeight + u(1);
  const reasonRoom = releaseTop - u(8) - lockedHeight - u(6) - incidentSpace - reasonTop - 2 * boxPad;
  style(doc, REGULAR, u(6.5), LABEL_GREY);
  write(doc, t('card.reason'), m, y, contentWidth, 1);
  style(doc, REGULAR, u(8.5));
  const reasonLines = Math.max(1, Math.floor(reasonRoom / valueHeight));
  const reasonHeight = write(doc, lock.reason, m + boxPad, reasonTop + boxPad, contentWidth - 2 * boxPad, reasonLines);
  artifact(doc, () => doc.rect(m, reasonTop, contentWidth, reasonHeight + 2 * boxPad).stroke(INK));
  y = reasonTop + reasonHeight + 2 * boxPad + u(6);

  if (lock.incidentSuspected) {
    artifact(doc, () => doc.rect(m, y, contentWidth, incidentBox).fill(SIGNAL_RED));
    style(doc, BOLD, u(7.5), WHITE);
    write(doc, incidentText, m + u(4), y + u(3), contentWidth - 2 * u(4), 2);
    y += incidentSpace;
  }

  const lockedByHeight = field(t('card.lockedBy'), lockedBy, m, y, lockedByWidth, 2);
  // The phone gets its own line so a long role can never push it off the card.
  if (phone) write(doc, phone, m, y + lockedByHeight, lockedByWidth, 1);
  field(t('card.lockedAt'), lock.lockedAt, m + lockedByWidth + u(8), y, lockedAtWidth, 2);

  // Empty release section, filled in by hand when the device is back in service.
  artifact(doc, () => doc.rect(m, releaseTop, contentWidth, releaseHeight).stroke(INK));
  const inner = m + pad;
  const innerWidth = contentWidth - 2 * pad;
  let row = releaseTop + pad;
  style(doc, BOLD, u(8));
  row += leaf(doc, 'H2', () => write(doc, t('card.release'), inner, row, innerWidth, 1)) + u(2);

  /** A label with room to write above a line. */
  const writeIn = (label: string, x: number, width: number) => {
    style(doc, REGULAR, u(6.5), LABEL_GREY);
    write(doc, label, x, row, width, 1);
    artifact(doc, () => doc.moveTo(x, row + rowHeight - u(3)).lineTo(x + width, row + rowHeight - u(3)).stroke(INK));
  };
  const dateWidth = innerWidth * 0.35;
  writeIn(t('card.releasedBy'), inner, innerWidth - dateWidth - u(8));
  writeIn(t('card.releasedAt'), inner + innerWidth - dateWidth, dateWidth);
  row += rowHeight;

  const box = u(8);
  const checkLineHeight = style(doc, REGULAR, u(7.5));
  write(doc, t('card.releaseTest'), inner + box + u(4), row + u(2), innerWidth - box - u(4), 1);
  artifact(doc, () => doc.rect(inner, row + u(2) + (checkLineHeight - box) / 2, box, box).stroke(INK));
  row += checkHeight;

  writeIn(t('card.signature'), inner, innerWidth);

  doc.end();
  return done;
}
