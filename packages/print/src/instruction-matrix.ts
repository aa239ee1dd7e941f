import { formatDate, translator, type Locale, type Translate } from '@medreg/i18n';
import { BOLD, INK, REGULAR, type Doc, fitSize, lines, openDocument, style, write } from './fonts.js';
import { artifact, heads, inside, leaf } from './tags.js';

export type MatrixCellState = 'current' | 'expiring' | 'expired' | 'outdated' | 'missing';

export interface InstructionMatrixPdfData {
  locale: 'de' | 'en';
  /** e.g. "Intensivstation 1 · Klinikum Nord" */
  scope: string;
  /** 'YYYY-MM-DD', the date the matrix is valid for */
  generatedOn: string;
  models: { name: string; manufacturer: string }[];
  /** One cell per model, in the order of `models`; `until` is 'YYYY-MM-DD' or null. */
  people: { name: string; blocked: boolean; cells: { state: MatrixCellState; until: string | null }[] }[];
}

/**
 * Pale fills, so black text stays readable on them and on a greyscale printer; the words in the cells carry
 * the meaning, the colour only speeds up reading.
 */
export const STATE_FILL: Record<MatrixCellState, string> = {
  current: '#D7EFD1',
  expiring: '#FFEDA6',
  expired: '#F5B8B1',
  outdated: '#DCCBF0',
  missing: '#E6E6E6',
};
export const LABEL_GREY = '#555555';
export const RULE_GREY = '#BBBBBB';
export const HEADER_FILL = '#E9E9E9';
const STRIPE = '#F4F4F4';
const CHECK_GREEN = '#1B5E20';
const CHECK = '✓';

/** Day and month only, e.g. "05.03." or "5 Mar", with no-break spaces: expiring means within weeks. */
export function shortDate(locale: Locale, isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  const options: Intl.DateTimeFormatOptions =
    locale === 'de' ? { day: '2-digit', month: '2-digit' } : { day: 'numeric', month: 'short' };
  return new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { ...options, timeZone: 'UTC' })
    .format(new Date(Date.UTC(y!, m! - 1, d!)))
    .replace(/ /g, '\u00A0');
}

/** A full calendar date in the locale's format, kept on one line. */
export const longDate = (locale: Locale, isoDate: string) => formatDate(locale, isoDate).replace(/ /g, '\u00A0');

// A4 landscape, lengths in points.
const PAGE = { width: 841.89, height: 595.28 };
const MARGIN = 28; // 10 mm: clear of any office printer's unprintable border
const NAME_WIDTH = 170;
const MIN_COLUMN = 46; // "abgelaufen" at the cell size with some air
const MAX_COLUMN = 84;
const ROW = 13;
const CELL_SIZE = 7;
const PAD = 3;
const COUNTED: readonly Exclude<MatrixCellState, 'current'>[] = ['missing', 'expired', 'outdated', 'expiring'];

function cellText(t: Translate, locale: Locale, cell: { state: MatrixCellState; until: string | null }): string {
  switch (cell.state) {
    case 'current':
      return CHECK;
    case 'expiring':
      return cell.until ? t('instructionPdf.cell.until', { date: shortDate(locale, cell.until) }) : t('instructionPdf.cell.expiring');
    default:
      return t(`instructionPdf.cell.${cell.state}`);
  }
}

/** One line ending at `right`, at most `maxWidth` wide, cut with an ellipsis. */
export function writeRight(doc: Doc, text: string, right: number, y: number, maxWidth: number) {
  const width = Math.min(maxWidth, doc.widthOfString(text) + 1);
  write(doc, text, right - width, y, width, 1);
}

/** A cell: pale fill inset by half a point, so white seams separate neighbours, and its text centred. */
function drawCell(doc: Doc, state: MatrixCellState, text: string, x: number, y: number, width: number, height: number) {
  artifact(doc, () => doc.rect(x + 0.5, y + 0.5, width - 1, height - 1).fill(STATE_FILL[state]));
  const font = state === 'expiring' || state === 'missing' ? REGULAR : BOLD;
  const size = state === 'current' ? CELL_SIZE + 1.5 : CELL_SIZE;
  // Shrink rather than cut: a long English "until" date must stay whole.
  style(doc, font, size);
  const fit = Math.min(size, (size * (width - 2 * PAD)) / Math.max(1, doc.widthOfString(text)));
  const lineHeight = style(doc, font, fit, state === 'current' ? CHECK_GREEN : INK);
  write(doc, text, x + PAD / 2, y + (height - lineHeight) / 2, width - PAD, 1, 'center');
}

interface PagePlan {
  chunk: number;
  rows: InstructionMatrixPdfData['people'];
  /** Row number of the first person, for the stripes. */
  first: number;
  summary: boolean;
}

export async function renderInstructionMatrix(data: InstructionMatrixPdfData): Promise<Buffer> {
  const { locale, models, people } = data;
  people.forEach((person, i) => {
    if (person.cells.length !== models.length) {
      throw new RangeError(`person ${i} has ${person.cells.length} cells for ${models.length} models`);
    }
  });
  const t = translator(locale);
  const title = t('instructionPdf.matrixTitle');
  const { doc, done } = openDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    lang: locale,
    info: { Title: `${title} – ${data.scope}` },
  });
  const contentWidth = PAGE.width - 2 * MARGIN;
  const columnRoom = contentWidth - NAME_WIDTH;

  // Column chunks of equal size: 40 models become 3 pages wide of 14, 13 and 13 rather than 16, 16 and 8.
  const chunkCount = Math.max(1, Math.ceil(models.length / Math.floor(columnRoom / MIN_COLUMN)));
  const perChunk = Math.max(1, Math.ceil(models.length / chunkCount));
  const columnWidth = Math.min(MAX_COLUMN, columnRoom / perChunk);
  const chunks = Array.from({ length: chunkCount }, (_, c) => ({
    from: c * perChunk,
    to: Math.min(models.length, (c + 1) * perChunk),
  }));

  // Column headers: the model's name in bold, up to four lines, its manufacturer below in grey, up to two.
  // A word too long for the column shrinks the whole name rather than break in the middle ("Defibrillat-or").
  const headerInner = columnWidth - 2 * PAD;
  const headerBlocks = models.map((model) => {
    const block = (text: string, font: string, max: number, min: number, maxLines: number) => {
      const fits = Math.min(...text.split(/\s+/).map((word) => fitSize(doc, font, word, headerInner * 0.9, max)));
      const size = Math.max(min, Math.min(max, fits));
      const lineHeight = style(doc, font, size);
      return { size, height: lines(doc, text, headerInner, maxLines) * lineHeight };
    };
    return { name: block(model.name, BOLD, CELL_SIZE, 5, 4), maker: block(model.manufacturer, REGULAR, CELL_SIZE - 1, 4.5, 2) };
  });
  const personLineHeight = style(doc, BOLD, CELL_SIZE + 0.5);
  const headerHeight = Math.max(
    personLineHeight + 2 * PAD,
    ...headerBlocks.map((block) => block.name.height + block.maker.height + 1 + 2 * PAD),
  );

  // Page furniture: title block at the top, legend and footer line at the bottom.
  const titleHeight = style(doc, BOLD, 15);
  const scopeHeight = style(doc, REGULAR, 9.5);
  const tableTop = MARGIN + titleHeight + scopeHeight + 8;
  const footerLineHeight = style(doc, REGULAR, 6.5);
  const legendHeight = drawLegend(doc, t, MARGIN, 0, contentWidth, false);
  const footerTop = PAGE.height - MARGIN - footerLineHeight - 3 - legendHeight;
  const rowsPerPage = Math.max(1, Math.floor((footerTop - 8 - tableTop - headerHeight) / ROW));
  const summaryRows = COUNTED.length;
  const summaryGap = 4;

  // Plan every page first, so each can say "page n of m".
  const plan: PagePlan[] = [];
  if (models.length === 0 || people.length === 0) {
    plan.push({ chunk: 0, rows: [], first: 0, summary: false });
  } else {
    chunks.forEach((_, chunk) => {
      let i = 0;
      while (i < people.length) {
        const rows = people.slice(i, i + rowsPerPage);
        const first = i;
        i += rows.length;
        const last = i >= people.length;
        const fits = rowsPerPage - rows.length >= summaryRows + summaryGap / ROW;
        plan.push({ chunk, rows, first, summary: last && fits });
        if (last && !fits) plan.push({ chunk, rows: [], first: i, summary: true });
      }
    });
  }

  // Counts leave out blocked people: they have left and need no instruction.
  const counts = models.map((_, m) => {
    const count: Record<MatrixCellState, number> = { current: 0, expiring: 0, expired: 0, outdated: 0, missing: 0 };
    for (const person of people) if (!person.blocked) count[person.cells[m]!.state]++;
    return count;
  });

  const blockedMarker = t('instructionPdf.blocked');
  plan.forEach((page, index) => {
    // The first page is already open: measuring text needs one.
    if (index > 0) doc.addPage();
    doc.lineWidth(0.5);
    const { from, to } = chunks[page.chunk]!;
    const tableWidth = NAME_WIDTH + (to - from) * columnWidth;

    // Title block: title and date on the left, the model range on the right when the table is split. Read on the
    // first page; on the others it is furniture like the legend and the footer.
    const first = index === 0;
    const furniture = <T>(draw: () => T) => (first ? draw() : artifact(doc, draw, 'Pagination'));
    furniture(() => {
      style(doc, BOLD, 15);
      leaf(doc, 'H1', () => write(doc, title, MARGIN, MARGIN, contentWidth * 0.6, 1));
      style(doc, BOLD, 10);
      writeRight(doc, t('instructionPdf.asOf', { date: longDate(locale, data.generatedOn) }), MARGIN + contentWidth, MARGIN + 3, contentWidth * 0.4);
      style(doc, REGULAR, 9.5);
      write(doc, data.scope, MARGIN, MARGIN + titleHeight, contentWidth * 0.7, 1);
    });
    if (chunks.length > 1) {
      style(doc, REGULAR, 9.5, LABEL_GREY);
      const range = t('instructionPdf.modelRange', { from: from + 1, to, total: models.length });
      writeRight(doc, range, MARGIN + contentWidth, MARGIN + titleHeight, contentWidth * 0.3);
    }

    if (models.length === 0 || people.length === 0) {
      style(doc, REGULAR, 10);
      write(doc, t('instructionPdf.noData'), MARGIN, tableTop, contentWidth, 2);
    } else inside(doc, 'Table', () => {
      // Column headers, bottom-aligned so every name sits right above its column.
      artifact(doc, () => doc.rect(MARGIN, tableTop, tableWidth, headerHeight).fill(HEADER_FILL));
      const headerBottom = tableTop + headerHeight - PAD;
      inside(doc, 'TR', () => {
        style(doc, BOLD, CELL_SIZE + 0.5);
        leaf(doc, 'TH', () => write(doc, t('instructionPdf.person'), MARGIN + PAD, headerBottom - personLineHeight, NAME_WIDTH - 2 * PAD, 1), heads('Column'));
        for (let m = from; m < to; m++) {
          const x = MARGIN + NAME_WIDTH + (m - from) * columnWidth;
          const block = headerBlocks[m]!;
          const top = headerBottom - block.name.height - block.maker.height - 1;
          inside(doc, 'TH', () => {
            style(doc, BOLD, block.name.size);
            write(doc, models[m]!.name, x + PAD, top, headerInner, 4);
            style(doc, REGULAR, block.maker.size, LABEL_GREY);
            write(doc, models[m]!.manufacturer, x + PAD, top + block.name.height + 1, headerInner, 2);
          }, heads('Column'));
          if (m > from) artifact(doc, () => doc.moveTo(x, tableTop + PAD).lineTo(x, tableTop + headerHeight - PAD).stroke('#FFFFFF'));
        }
      });

      let y = tableTop + headerHeight;
      page.rows.forEach((person, r) => {
        if ((page.first + r) % 2 === 1) artifact(doc, () => doc.rect(MARGIN, y, NAME_WIDTH, ROW).fill(STRIPE));
        inside(doc, 'TR', () => {
          const nameY = y + (ROW - style(doc, REGULAR, CELL_SIZE + 0.5)) / 2;
          const nameWidth = NAME_WIDTH - 2 * PAD;
          // The name heads its row; the "left" marker is a paragraph of its own in it.
          inside(doc, 'TH', () => {
            if (person.blocked) {
              // The marker always shows: the name gives way to it and is cut first.
              style(doc, BOLD, CELL_SIZE + 0.5, LABEL_GREY);
              const markerWidth = doc.widthOfString(blockedMarker) + 1;
              style(doc, REGULAR, CELL_SIZE + 0.5, LABEL_GREY);
              const room = nameWidth - markerWidth - doc.widthOfString(' ');
              write(doc, person.name, MARGIN + PAD, nameY, room, 1);
              const used = Math.min(room, doc.widthOfString(person.name)) + doc.widthOfString(' ');
              style(doc, BOLD, CELL_SIZE + 0.5, LABEL_GREY);
              write(doc, blockedMarker, MARGIN + PAD + used, nameY, markerWidth, 1);
            } else {
              write(doc, person.name, MARGIN + PAD, nameY, nameWidth, 1);
            }
          }, heads('Row'));
          for (let m = from; m < to; m++) {
            const cell = person.cells[m]!;
            // A check mark is read as what it means.
            const meaning = cell.state === 'current' ? { actual: t('instructionPdf.states.current') } : {};
            leaf(doc, 'TD', () => drawCell(doc, cell.state, cellText(t, locale, cell), MARGIN + NAME_WIDTH + (m - from) * columnWidth, y, columnWidth, ROW), meaning);
          }
        });
        artifact(doc, () => doc.moveTo(MARGIN, y + ROW).lineTo(MARGIN + NAME_WIDTH, y + ROW).stroke(RULE_GREY));
        y += ROW;
      });

      if (page.summary) {
        y += summaryGap;
        artifact(doc, () => doc.moveTo(MARGIN, y - summaryGap / 2).lineTo(MARGIN + tableWidth, y - summaryGap / 2).stroke(INK));
        for (const state of COUNTED) {
          inside(doc, 'TR', () => {
            const labelY = y + (ROW - style(doc, BOLD, CELL_SIZE)) / 2;
            leaf(doc, 'TH', () => write(doc, t(`instructionPdf.count.${state}`), MARGIN + PAD, labelY, NAME_WIDTH - 2 * PAD, 1), heads('Row'));
            for (let m = from; m < to; m++) {
              const x = MARGIN + NAME_WIDTH + (m - from) * columnWidth;
              const n = counts[m]![state];
              if (n > 0) {
                artifact(doc, () => doc.rect(x + 0.5, y + 0.5, columnWidth - 1, ROW - 1).fill(STATE_FILL[state]));
                style(doc, BOLD, CELL_SIZE);
              } else {
                style(doc, REGULAR, CELL_SIZE, LABEL_GREY);
              }
              leaf(doc, 'TD', () => write(doc, String(n), x, labelY, columnWidth, 1, 'center'));
            }
          });
          y += ROW;
        }
      }
    });

    furniture(() => drawLegend(doc, t, MARGIN, footerTop, contentWidth, true));
    artifact(doc, () => {
      const footerY = PAGE.height - MARGIN - footerLineHeight;
      style(doc, REGULAR, 6.5, LABEL_GREY);
      write(doc, t('instructionPdf.footer', { date: longDate(locale, data.generatedOn) }), MARGIN, footerY, contentWidth * 0.75, 1);
      style(doc, BOLD, 8);
      const pageNumber = t('instructionPdf.page', { page: index + 1, pages: plan.length });
      writeRight(doc, pageNumber, MARGIN + contentWidth, PAGE.height - MARGIN - doc.currentLineHeight(true), contentWidth * 0.25);
    }, 'Pagination');
  });

  doc.end();
  return done;
}

/**
 * The legend: a sample of each cell followed by its meaning, flowing over as many lines as it needs.
 * Returns its height; draws only when asked, so the page layout can reserve the room first.
 */
function drawLegend(doc: Doc, t: Translate, x: number, y: number, width: number, draw: boolean): number {
  const size = 7;
  const lineHeight = style(doc, REGULAR, size);
  const swatchHeight = lineHeight + 3;
  const gap = 12;
  const items: { sample: string; state: MatrixCellState | null; text: string }[] = [
    { sample: CHECK, state: 'current', text: t('instructionPdf.legend.current') },
    { sample: t('instructionPdf.legend.untilSample'), state: 'expiring', text: t('instructionPdf.legend.expiring') },
    { sample: t('instructionPdf.cell.expired'), state: 'expired', text: t('instructionPdf.legend.expired') },
    { sample: t('instructionPdf.cell.outdated'), state: 'outdated', text: t('instructionPdf.legend.outdated') },
    { sample: t('instructionPdf.cell.missing'), state: 'missing', text: t('instructionPdf.legend.missing') },
    { sample: t('instructionPdf.blocked'), state: null, text: t('instructionPdf.legend.blocked') },
  ];
  style(doc, BOLD, size);
  const titleText = t('instructionPdf.legend.title');
  const titleWidth = doc.widthOfString(titleText) + 6;
  if (draw) write(doc, titleText, x, y + 1.5, titleWidth + 2, 1);

  let cx = x + titleWidth;
  let cy = y;
  for (const item of items) {
    style(doc, item.state === 'expiring' || item.state === 'missing' ? REGULAR : BOLD, size);
    const sampleWidth = doc.widthOfString(item.sample) + 8;
    style(doc, REGULAR, size);
    const textWidth = doc.widthOfString(item.text) + 2;
    const itemWidth = sampleWidth + 4 + textWidth;
    if (cx + itemWidth > x + width && cx > x + titleWidth) {
      cx = x + titleWidth;
      cy += swatchHeight + 2;
    }
    if (draw) {
      if (item.state) {
        drawCell(doc, item.state, item.sample, cx, cy, sampleWidth, swatchHeight);
      } else {
        style(doc, BOLD, size, LABEL_GREY);
        write(doc, item.sample, cx, cy + 1.5, sampleWidth, 1, 'center');
      }
      style(doc, REGULAR, size);
      write(doc, item.text, cx + sampleWidth + 4, cy + 1.5, textWidth + 2, 1);
    }
    cx += itemWidth + gap;
  }
  return cy - y + swatchHeight;
}
