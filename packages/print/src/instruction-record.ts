import { translator, type Translate } from '@medreg/i18n';
import { BOLD, DASH, INK, REGULAR, type Doc, lines, openDocument, style, write } from './fonts.js';
import {
  HEADER_FILL,
  LABEL_GREY,
  RULE_GREY,
  STATE_FILL,
  longDate,
  writeRight,
  type MatrixCellState,
} from './instruction-matrix.js';
import { artifact, heads, inside, leaf } from './tags.js';

export interface InstructionRecordPdfData {
  locale: 'de' | 'en';
  generatedOn: string; // YYYY-MM-DD
  person: { name: string; departments: string[] };
  /** Newest first; printed in the order given. Dates are 'YYYY-MM-DD'. */
  instructions: {
    model: string;
    manufacturer: string;
    instructedOn: string;
    instructor: string;
    instructorRole: 'manufacturer' | 'authorised' | 'appointed';
    method: 'in_person' | 'on_device' | 'online';
    softwareVersion: string | null;
    validUntil: string | null;
    state: MatrixCellState;
    confirmation: 'app' | 'paper' | null;
  }[];
  /** Models and sites this person is the appointed person (beauftragte Person) for. */
  appointments: { model: string; manufacturer: string; site: string; since: string }[];
}

// A4 portrait, lengths in points.
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 40; // 14 mm
const CONTENT = PAGE.width - 2 * MARGIN;
const SIZE = 7.5;
const SMALL = 6.5;
const PAD = 3;
const STRIPE = '#F4F4F4';

/** One piece of text in a cell: lines stack top to bottom. */
interface Piece {
  text: string;
  font?: string;
  size?: number;
  color?: string;
  maxLines?: number;
}

interface Column<Row> {
  header: string;
  width: number;
  pieces: (row: Row) => Piece[];
  /** A fill behind the cell, e.g. the state's colour. */
  fill?: (row: Row) => string | undefined;
}

/** A table that pages: each page gets the header again, and a row never splits across pages. */
class Table<Row> {
  constructor(
    private readonly doc: Doc,
    private readonly columns: Column<Row>[],
  ) {}

  private pieceHeight(piece: Piece, width: number) {
    const lineHeight = style(this.doc, piece.font ?? REGULAR, piece.size ?? SIZE);
    return lines(this.doc, piece.text || DASH, width, piece.maxLines ?? 2) * lineHeight;
  }

  private cellHeight(pieces: Piece[], width: number) {
    return pieces.reduce((sum, piece) => sum + this.pieceHeight(piece, width - 2 * PAD), 0);
  }

  private drawPieces(pieces: Piece[], x: number, y: number, width: number) {
    for (const piece of pieces) {
      style(this.doc, piece.font ?? REGULAR, piece.size ?? SIZE, piece.color ?? INK);
      y += write(this.doc, piece.text || DASH, x + PAD, y, width - 2 * PAD, piece.maxLines ?? 2);
    }
  }

  headerHeight() {
    return 2 * PAD + Math.max(...this.columns.map((c) => this.cellHeight([{ text: c.header, font: BOLD, size: SIZE - 1 }], c.width)));
  }

  rowHeight(row: Row) {
    return 2 * PAD + Math.max(...this.columns.map((c) => this.cellHeight(c.pieces(row), c.width)));
  }

  /** The header row; repeated on a later page it is page furniture, which a screen reader skips. */
  drawHeader(y: number, repeated = false): number {
    if (repeated) return artifact(this.doc, () => this.drawHeader(y), 'Pagination');
    const height = this.headerHeight();
    const width = this.columns.reduce((sum, c) => sum + c.width, 0);
    artifact(this.doc, () => this.doc.rect(MARGIN, y, width, height).fill(HEADER_FILL));
    inside(this.doc, 'TR', () => {
      let x = MARGIN;
      for (const c of this.columns) {
        const textHeight = this.cellHeight([{ text: c.header, font: BOLD, size: SIZE - 1 }], c.width);
        inside(this.doc, 'TH', () => this.drawPieces([{ text: c.header, font: BOLD, size: SIZE - 1 }], x, y + height - PAD - textHeight, c.width), heads('Column'));
        x += c.width;
      }
    });
    return height;
  }

  drawRow(row: Row, y: number, striped: boolean): number {
    const height = this.rowHeight(row);
    const width = this.columns.reduce((sum, c) => sum + c.width, 0);
    artifact(this.doc, () => {
      if (striped) this.doc.rect(MARGIN, y, width, height).fill(STRIPE);
      let x = MARGIN;
      for (const c of this.columns) {
        const fill = c.fill?.(row);
        if (fill) this.doc.rect(x + 0.5, y + 0.5, c.width - 1, height - 1).fill(fill);
        x += c.width;
      }
      this.doc.moveTo(MARGIN, y + height).lineTo(MARGIN + width, y + height).stroke(RULE_GREY);
    });
    inside(this.doc, 'TR', () => {
      let x = MARGIN;
      for (const c of this.columns) {
        inside(this.doc, 'TD', () => this.drawPieces(c.pieces(row), x, y + PAD, c.width));
        x += c.width;
      }
    });
    return height;
  }
}

export async function renderInstructionRecord(data: InstructionRecordPdfData): Promise<Buffer> {
  const { locale, person } = data;
  const t = translator(locale);
  const title = t('instructionPdf.recordTitle');
  const date = (iso: string | null) => (iso ? longDate(locale, iso) : DASH);
  const { doc, done } = openDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true, // page numbers need the page count, known only at the end
    lang: locale,
    info: { Title: `${title} – ${person.name}` },
  });

  const footerLineHeight = style(doc, REGULAR, SMALL);
  const bodyBottom = PAGE.height - MARGIN - footerLineHeight - 10;
  doc.lineWidth(0.5);

  // First page: title, the person, the date.
  let y = MARGIN;
  style(doc, BOLD, 20);
  y += leaf(doc, 'H1', () => write(doc, title, MARGIN, y, CONTENT, 1));
  style(doc, REGULAR, 9, LABEL_GREY);
  y += write(doc, t('instructionPdf.recordSubtitle'), MARGIN, y, CONTENT, 1) + 12;

  const field = (label: string, value: string, x: number, top: number, width: number, font: string, size: number, maxLines: number) => {
    style(doc, REGULAR, SMALL, LABEL_GREY);
    const labelHeight = write(doc, label, x, top, width, 1);
    style(doc, font, size);
    return labelHeight + write(doc, value || DASH, x, top + labelHeight, width, maxLines);
  };
  const leftWidth = CONTENT * 0.72;
  const rightX = MARGIN + leftWidth + 12;
  const rightWidth = CONTENT - leftWidth - 12;
  let left = y;
  left += field(t('instructionPdf.name'), person.name, MARGIN, left, leftWidth, BOLD, 12, 2) + 6;
  left += field(t('instructionPdf.departments'), person.departments.join(', '), MARGIN, left, leftWidth, REGULAR, 9, 3);
  const right = y + field(t('instructionPdf.generatedOn'), date(data.generatedOn), rightX, y, rightWidth, BOLD, 10, 1);
  y = Math.max(left, right) + 14;

  /** A new page starting with a short reminder whose record it is; returns where the content starts. */
  const continuation = () => {
    doc.addPage();
    doc.lineWidth(0.5);
    style(doc, BOLD, 9);
    return MARGIN + artifact(doc, () => write(doc, `${title} – ${person.name}`, MARGIN, MARGIN, CONTENT, 1), 'Pagination') + 8;
  };

  /** One table element over as many pages as the rows need: the header again on each, a row never split. */
  const drawTable = <Row,>(table: Table<Row>, rows: Row[]) =>
    inside(doc, 'Table', () => {
      y += table.drawHeader(y);
      rows.forEach((row, i) => {
        if (y + table.rowHeight(row) > bodyBottom) {
          y = continuation();
          y += table.drawHeader(y, true);
        }
        y += table.drawRow(row, y, i % 2 === 1);
      });
    });

  // The instructions.
  type Instruction = InstructionRecordPdfData['instructions'][number];
  const grey = { size: SMALL, color: LABEL_GREY };
  const bold = (state: MatrixCellState) => (state === 'expired' || state === 'outdated' ? BOLD : REGULAR);
  const instructions = new Table<Instruction>(doc, [
    {
      header: t('instructionPdf.model'),
      width: 104,
      pieces: (r) => [
        { text: r.model, font: BOLD, maxLines: 3 },
        { text: r.manufacturer, ...grey },
      ],
    },
    { header: t('instructionPdf.instructedOn'), width: 56, pieces: (r) => [{ text: date(r.instructedOn) }] },
    {
      header: t('instructionPdf.instructor'),
      width: 92,
      pieces: (r) => [{ text: r.instructor, maxLines: 3 }, { text: t(`instructionPdf.roles.${r.instructorRole}`), ...grey }],
    },
    { header: t('instructionPdf.method'), width: 50, pieces: (r) => [{ text: t(`instructionPdf.methods.${r.method}`) }] },
    { header: t('instructionPdf.softwareVersion'), width: 44, pieces: (r) => [{ text: r.softwareVersion ?? DASH }] },
    {
      header: t('instructionPdf.validUntil'),
      width: 56,
      pieces: (r) => [{ text: r.validUntil ? date(r.validUntil) : t('instructionPdf.noExpiry') }],
    },
    {
      header: t('instructionPdf.state'),
      width: 56,
      pieces: (r) => [{ text: t(`instructionPdf.states.${r.state}`), font: bold(r.state) }],
      fill: (r) => STATE_FILL[r.state],
    },
    {
      header: t('instructionPdf.confirmation'),
      width: CONTENT - 104 - 56 - 92 - 50 - 44 - 56 - 56,
      pieces: (r) => [{ text: t(`instructionPdf.confirmations.${r.confirmation ?? 'none'}`) }],
    },
  ]);

  if (data.instructions.length === 0) {
    style(doc, REGULAR, 9);
    y += write(doc, t('instructionPdf.noInstructions'), MARGIN, y, CONTENT, 1) + 14;
  } else {
    if (y + instructions.headerHeight() + instructions.rowHeight(data.instructions[0]!) > bodyBottom) y = continuation();
    drawTable(instructions, data.instructions);
    y += 18;
  }

  // The models this person is the appointed person for, if any.
  if (data.appointments.length > 0) {
    type Appointment = InstructionRecordPdfData['appointments'][number];
    const appointments = new Table<Appointment>(doc, [
      { header: t('instructionPdf.modelOnly'), width: 170, pieces: (r) => [{ text: r.model, font: BOLD }] },
      { header: t('instructionPdf.manufacturer'), width: 130, pieces: (r) => [{ text: r.manufacturer }] },
      { header: t('instructionPdf.site'), width: 150, pieces: (r) => [{ text: r.site }] },
      { header: t('instructionPdf.since'), width: CONTENT - 450, pieces: (r) => [{ text: date(r.since) }] },
    ]);
    const headingHeight = style(doc, BOLD, 10) + 4;
    // The heading stays with the table header and the first row.
    if (y + headingHeight + appointments.headerHeight() + appointments.rowHeight(data.appointments[0]!) > bodyBottom) {
      y = continuation();
    }
    style(doc, BOLD, 10);
    y += leaf(doc, 'H2', () => write(doc, t('instructionPdf.appointedTitle'), MARGIN, y, CONTENT, 2)) + 4;
    drawTable(appointments, data.appointments);
  }

  // Footer on every page, now that the page count is known.
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    artifact(doc, () => drawFooter(doc, t, data.generatedOn, locale, i - start + 1, count), 'Pagination');
  }

  doc.end();
  return done;
}

function drawFooter(doc: Doc, t: Translate, generatedOn: string, locale: 'de' | 'en', page: number, pages: number) {
  const lineHeight = style(doc, REGULAR, SMALL, LABEL_GREY);
  const y = PAGE.height - MARGIN - lineHeight;
  doc.moveTo(MARGIN, y - 4).lineTo(MARGIN + CONTENT, y - 4).lineWidth(0.5).stroke(RULE_GREY);
  style(doc, REGULAR, SMALL, LABEL_GREY);
  write(doc, t('instructionPdf.footer', { date: longDate(locale, generatedOn) }), MARGIN, y, CONTENT * 0.75, 1);
  style(doc, BOLD, 8);
  writeRight(doc, t('instructionPdf.page', { page, pages }), MARGIN + CONTENT, PAGE.height - MARGIN - doc.currentLineHeight(true) + 1, CONTENT * 0.25);
}
