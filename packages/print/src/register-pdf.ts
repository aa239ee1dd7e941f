import { translator } from '@medreg/i18n';
import { BOLD, DASH, INK, REGULAR, type Doc, fitSize, openDocument, style } from './fonts.js';
import { HEADER_FILL, LABEL_GREY, RULE_GREY, longDate } from './instruction-matrix.js';

/** One device line of the register (Bestandsverzeichnis, MPBetreibV 2025 §14 / 2017 §13). */
export interface RegisterPdfRow {
  inventoryNumber: string;
  designation: string;
  kind: string;
  type: string;
  serialNumber: string | null;
  lotNumber: string | null;
  acquiredYear: number | null;
  manufacturerName: string;
  manufacturerAddress: string;
  building: string | null;
  department: string | null;
  room: string | null;
  /** 'YYYY-MM-DD' */
  commissionedOn: string | null;
  deviceClass: string | null;
  udiDi: string | null;
  notifiedBody: string | null;
  /** 1 marked, 0 not, null unknown. */
  ceMarked: number | null;
  anlage1: boolean;
  anlage2: boolean;
}

export interface RegisterPdfData {
  locale: 'de' | 'en';
  site: { name: string; address: string | null };
  /** 'YYYY-MM-DD' */
  printedOn: string;
  printedBy: string;
  /** Number of rows the batches hold: every page says "page n of m" while the rows still stream in. */
  total: number;
  /** The rows in print order, in batches (read from the database while the pages are drawn). */
  rows: AsyncIterable<RegisterPdfRow[]> | Iterable<RegisterPdfRow[]>;
}

// A4 landscape, lengths in points.
const PAGE = { width: 841.89, height: 595.28 };
const MARGIN = 28; // 10 mm
const CONTENT = PAGE.width - 2 * MARGIN;
const SIZE = 6.3;
const PAD = 2.5;
const LINES = 3;
const STRIPE = '#F4F4F4';

/** One line of a cell: which line it starts on, how many it may take, its style. */
interface Piece {
  text: string | null | undefined;
  line: number;
  maxLines?: number;
  font?: string;
  color?: string;
}
interface Column {
  key: string;
  header: string;
  width: number;
  pieces: (row: RegisterPdfRow) => Piece[];
}

const documentOptions = (data: RegisterPdfData): PDFKit.PDFDocumentOptions => ({
  size: 'A4',
  layout: 'landscape',
  margin: 0,
  lang: data.locale,
  info: { Title: `${translator(data.locale)('reports.register.title')} – ${data.site.name}` },
});

/**
 * Not tagged for screen readers: tagging every cell made 10,000 rows seven times the bytes (16.7 against 2.4 MB)
 * and grew worse than linearly in pdfkit (30,000 rows: 104 against 13 s). The register's accessible forms are the
 * device list and its CSV export.
 */
const UNTAGGED = { tagged: false };

/** The register as one buffer (tests, small sites). */
export async function renderRegister(data: RegisterPdfData): Promise<Buffer> {
  const { doc, done } = openDocument(documentOptions(data), UNTAGGED);
  await drawRegister(doc, data, yieldToOthers);
  return done;
}

/**
 * The register as a stream: the first pages go out while later rows are still being read, so a site of
 * 100,000 devices (over a minute of drawing) starts downloading at once and never sits whole in memory.
 * A failure half-way errors the stream (the download breaks off rather than ending in a short register).
 */
export function streamRegister(data: RegisterPdfData): ReadableStream<Uint8Array> {
  const { doc } = openDocument(documentOptions(data), UNTAGGED);
  // openDocument also collects every chunk for its buffer: not wanted here.
  doc.removeAllListeners('data');
  let queue!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  let wake: (() => void) | null = null;
  // Drawing waits while the client has not taken what is queued (a slow phone must not make the server hold the
  // whole register), and stops when the client has gone.
  const pause = async () => {
    await yieldToOthers();
    while (!cancelled && (queue.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (wake = resolve));
    if (cancelled) throw new Error('register download cancelled');
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        queue = controller;
        let failed = false; // pdfkit may still flush a chunk after the failure: the stream is closed by then
        doc.on('data', (chunk: Buffer) => failed || cancelled || controller.enqueue(new Uint8Array(chunk)));
        doc.on('end', () => failed || cancelled || controller.close());
        drawRegister(doc, data, pause).catch((error: unknown) => {
          failed = true;
          if (!cancelled) controller.error(error);
        });
      },
      pull() {
        wake?.();
        wake = null;
      },
      cancel() {
        cancelled = true;
        wake?.();
        wake = null;
      },
    },
    // pdfkit writes many small chunks: about 256 of them may wait for the client.
    new CountQueuingStrategy({ highWaterMark: 256 }),
  );
}

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Every row has the same height (three lines; longer text is cut with an ellipsis), so the page count is
 * known from the number of rows before the first one is read: the document streams batch by batch.
 */
async function drawRegister(doc: Doc, data: RegisterPdfData, pause: () => Promise<void>): Promise<void> {
  const { locale } = data;
  const t = translator(locale);
  const title = t('reports.register.title');
  // Intl formatters are slow to build: 100,000 rows share a few thousand dates and a handful of words.
  const dates = new Map<string, string>();
  const date = (iso: string | null) => {
    if (!iso) return null;
    let text = dates.get(iso);
    if (text === undefined) dates.set(iso, (text = longDate(locale, iso)));
    return text;
  };
  const words = {
    yes: t('reports.yes'),
    no: t('reports.no'),
    anlage1: t('reports.register.anlage1'),
    anlage2: t('reports.register.anlage2'),
    noDepartment: t('reports.register.noDepartment'),
  };
  const lot = t('reports.register.lot', { lot: '\u0000' });

  const grey = LABEL_GREY;
  const fits = (text: string, font: string, width: number) => {
    style(doc, font, SIZE);
    return doc.widthOfString(text) <= width;
  };
  const columns: Column[] = [
    { key: 'inv', header: t('reports.register.columns.inventoryNumber'), width: 62, pieces: (r) => [{ text: r.inventoryNumber, line: 0, font: BOLD, maxLines: 2 }] },
    {
      key: 'designation',
      header: t('reports.register.columns.designation'),
      width: 124,
      pieces: (r) => {
        // A long designation takes a second line; kind and type then get the third.
        const long = !fits(r.designation, BOLD, 124 - 2 * PAD);
        return [
          { text: r.designation, line: 0, font: BOLD, maxLines: long ? 2 : 1 },
          { text: [r.kind, r.type].filter(Boolean).join(' · '), line: long ? 2 : 1, maxLines: long ? 1 : 2 },
        ];
      },
    },
    {
      key: 'serial',
      header: t('reports.register.columns.serial'),
      width: 72,
      pieces: (r) => [
        { text: r.serialNumber ?? (r.lotNumber ? null : DASH), line: 0 },
        { text: r.lotNumber ? lot.replace('\u0000', r.lotNumber) : null, line: r.serialNumber ? 1 : 0, maxLines: 2 },
      ],
    },
    { key: 'acquired', header: t('reports.register.columns.acquired'), width: 44, pieces: (r) => [{ text: r.acquiredYear ? String(r.acquiredYear) : DASH, line: 0 }] },
    {
      key: 'manufacturer',
      header: t('reports.register.columns.manufacturer'),
      width: 120,
      pieces: (r) => [
        { text: r.manufacturerName, line: 0 },
        { text: r.manufacturerAddress, line: 1, maxLines: 2, color: grey },
      ],
    },
    {
      key: 'location',
      header: t('reports.register.columns.location'),
      width: 112 + (CONTENT - 784),
      pieces: (r) => [
        { text: r.building, line: 0, color: grey },
        { text: r.department ?? words.noDepartment, line: 1 },
        { text: r.room, line: 2 },
      ],
    },
    { key: 'commissioned', header: t('reports.register.columns.commissioned'), width: 56, pieces: (r) => [{ text: date(r.commissionedOn) ?? DASH, line: 0 }] },
    { key: 'class', header: t('reports.register.columns.deviceClass'), width: 28, pieces: (r) => [{ text: r.deviceClass ?? DASH, line: 0 }] },
    { key: 'udi', header: t('reports.register.columns.udiDi'), width: 70, pieces: (r) => [{ text: r.udiDi ?? DASH, line: 0, maxLines: 3 }] },
    { key: 'nb', header: t('reports.register.columns.notifiedBody'), width: 38, pieces: (r) => [{ text: r.notifiedBody ?? DASH, line: 0, maxLines: 2 }] },
    {
      key: 'ce',
      header: t('reports.register.columns.ce'),
      width: 22,
      pieces: (r) => [{ text: r.ceMarked === null ? DASH : r.ceMarked === 1 ? words.yes : words.no, line: 0 }],
    },
    {
      key: 'anlage',
      header: t('reports.register.columns.anlage'),
      width: 36,
      pieces: (r) => {
        const annexes = [r.anlage1 && words.anlage1, r.anlage2 && words.anlage2].filter(Boolean) as string[];
        return annexes.length ? annexes.map((text, line) => ({ text, line })) : [{ text: DASH, line: 0 }];
      },
    },
  ];

  // Page furniture, the same on every page, so every page holds the same number of rows.
  const lineHeight = style(doc, REGULAR, SIZE);
  const rowHeight = LINES * lineHeight + 2 * PAD;
  const headerSize = SIZE - 0.5;
  const headerLineHeight = style(doc, BOLD, headerSize);
  // A header word too long for its column shrinks the header rather than break ("Inbetriebnah-me").
  const headers = columns.map((c) => {
    const size = Math.min(...c.header.split(/\s+/).map((word) => fitSize(doc, BOLD, word, c.width - 2 * PAD - 0.5, headerSize)));
    style(doc, BOLD, size);
    return { size, height: doc.heightOfString(c.header, { width: c.width - 2 * PAD }) };
  });
  const headerHeight = Math.min(3 * headerLineHeight, Math.max(...headers.map((h) => h.height))) + 2 * PAD;
  const titleHeight = style(doc, BOLD, 13);
  const subHeight = style(doc, REGULAR, 8);
  const tableTop = MARGIN + titleHeight + subHeight + 6;
  const footerHeight = style(doc, REGULAR, SIZE) + 6;
  const bodyBottom = PAGE.height - MARGIN - footerHeight;
  const perPage = Math.max(1, Math.floor((bodyBottom - tableTop - headerHeight) / rowHeight));
  const pages = Math.max(1, Math.ceil(data.total / perPage));
  const siteLine = [data.site.name, data.site.address].filter(Boolean).join(', ');
  const printed = t('reports.printed', { date: longDate(locale, data.printedOn), name: data.printedBy });
  const count = t('reports.register.count', { count: data.total });

  let page = 0;
  let y = 0;
  let onPage = 0;
  let index = 0;
  let lastDepartment: string | null | undefined;

  /** One line at (x, y), cut with an ellipsis. `lineBreak: false` is far quicker than wrapping and is all a line needs. */
  const line = (text: string, x: number, top: number, width: number) => {
    if (doc.widthOfString(text) <= width) doc.text(text, x, top, { lineBreak: false });
    else doc.text(text, x, top, { width, height: lineHeight * 1.5, ellipsis: true });
  };

  const startPage = () => {
    if (page > 0) doc.addPage();
    page++;
    onPage = 0;
    doc.lineWidth(0.5);
    style(doc, BOLD, 13);
    doc.text(page === 1 ? title : t('reports.register.continued', { site: data.site.name }), MARGIN, MARGIN, { width: CONTENT * 0.6, height: titleHeight * 1.5, ellipsis: true });
    style(doc, REGULAR, 8, grey);
    const printedWidth = doc.widthOfString(printed);
    doc.text(printed, MARGIN + CONTENT - printedWidth - 1, MARGIN + 4, { lineBreak: false });
    style(doc, REGULAR, 8);
    doc.text(`${siteLine} · ${t('reports.register.legal')}`, MARGIN, MARGIN + titleHeight, { width: CONTENT * 0.75, height: subHeight * 1.5, ellipsis: true });
    style(doc, BOLD, 8);
    doc.text(count, MARGIN + CONTENT - doc.widthOfString(count) - 1, MARGIN + titleHeight, { lineBreak: false });

    doc.rect(MARGIN, tableTop, CONTENT, headerHeight).fill(HEADER_FILL);
    let x = MARGIN;
    columns.forEach((c, i) => {
      const { size, height } = headers[i]!;
      style(doc, BOLD, size);
      const h = Math.min(height, headerHeight - 2 * PAD);
      doc.text(c.header, x + PAD, tableTop + headerHeight - PAD - h, { width: c.width - 2 * PAD, height: headerHeight - 2 * PAD + 1, ellipsis: true });
      x += c.width;
    });
    y = tableTop + headerHeight;

    const footerY = PAGE.height - MARGIN - lineHeight;
    doc.moveTo(MARGIN, footerY - 3).lineTo(MARGIN + CONTENT, footerY - 3).stroke(RULE_GREY);
    style(doc, REGULAR, SIZE, grey);
    doc.text(`${title} – ${data.site.name} · ${t('reports.footer')}`, MARGIN, footerY, { lineBreak: false });
    style(doc, BOLD, SIZE + 1);
    const number = t('reports.page', { page, pages: Math.max(pages, page) });
    doc.text(number, MARGIN + CONTENT - doc.widthOfString(number) - 1, footerY - 1, { lineBreak: false });
  };

  startPage();
  if (data.total === 0) {
    style(doc, REGULAR, 9);
    doc.text(t('reports.register.empty'), MARGIN, y + 8, { lineBreak: false });
  }

  for await (const batch of data.rows) {
    forgetLayouts(doc);
    for (const row of batch) {
      if (onPage === perPage) startPage();
      // A darker rule where a new ward begins, so a ward's devices read as one block.
      const newDepartment = onPage > 0 && row.department !== lastDepartment;
      lastDepartment = row.department;
      if (index % 2 === 1) doc.rect(MARGIN, y, CONTENT, rowHeight).fill(STRIPE);
      if (newDepartment) doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT, y).lineWidth(1).stroke(INK).lineWidth(0.5);
      let x = MARGIN;
      for (const c of columns) {
        for (const piece of c.pieces(row)) {
          if (!piece.text) continue;
          style(doc, piece.font ?? REGULAR, SIZE, piece.color ?? INK);
          const top = y + PAD + piece.line * lineHeight;
          const maxLines = Math.min(piece.maxLines ?? 1, LINES - piece.line);
          const width = c.width - 2 * PAD;
          const text = piece.text.replace(/\s+/g, ' ').trim();
          // Wrapping is the slow path of pdfkit: only for text that does not fit one line.
          if (maxLines === 1 || doc.widthOfString(text) <= width) line(text, x + PAD, top, width);
          else doc.text(text, x + PAD, top, { width, height: (maxLines + 0.5) * lineHeight, ellipsis: true });
        }
        x += c.width;
      }
      y += rowHeight;
      onPage++;
      index++;
      // Drawing is synchronous work: let other requests of this process in every few dozen rows.
      if (index % 40 === 0) await pause();
    }
  }

  doc.end();
}

/**
 * pdfkit keeps the glyph layout of every word it has set, for the life of the document: at 100,000 devices,
 * each with its own inventory and serial number, that grows by hundreds of megabytes. Dropping it between
 * batches keeps memory flat; common words are laid out again once per batch.
 */
function forgetLayouts(doc: Doc) {
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: unknown }> })._fontFamilies;
  for (const font of Object.values(families ?? {})) if (font.layoutCache) font.layoutCache = Object.create(null);
}
