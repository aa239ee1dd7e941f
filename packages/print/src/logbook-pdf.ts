import { formatInstant, translator, type Catalog } from '@medreg/i18n';
import { BOLD, DASH, INK, REGULAR, type Doc, openDocument, style } from './fonts.js';
import { HEADER_FILL, LABEL_GREY, RULE_GREY, longDate } from './instruction-matrix.js';
import { artifact, heads, inside, leaf, say } from './tags.js';

/** The logbook kinds, as the catalogue names them (the same list as the database's LogbookKind). */
type LogbookKind = keyof Catalog['kinds'];

/** One device's logbook (Medizinproduktebuch, MPBetreibV 2025 §13 / 2017 §12) as handed to the inspector. */
export interface LogbookPdfData {
  locale: 'de' | 'en';
  /** 'YYYY-MM-DD' */
  printedOn: string;
  printedBy: string;
  device: {
    designation: string;
    kind: string;
    type: string;
    manufacturerName: string;
    manufacturerAddress: string;
    serialNumber: string | null;
    lotNumber: string | null;
    inventoryNumber: string;
    /** The label code as printed, e.g. "ABCD-EFGH". */
    code: string;
    acquiredYear: number | null;
    commissionedOn: string | null;
    /** Site › building › ward › room */
    location: string;
    deviceClass: string | null;
    udiDi: string | null;
    notifiedBody: string | null;
    ceMarked: number | null;
    anlage1: boolean;
    anlage2: boolean;
    softwareVersion: string | null;
    status: 'in_service' | 'locked' | 'in_repair' | 'decommissioned';
    decommissionedOn: string | null;
  };
  obligations: {
    name: string;
    legalReference: string | null;
    intervalMonths: number;
    lastOn: string | null;
    lastResult: 'passed' | 'failed' | null;
    dueOn: string;
    state: 'overdue' | 'due_soon' | 'ok';
    failed: boolean;
  }[];
  /** In sequence order. Instants are ISO-8601 UTC, dates 'YYYY-MM-DD'. */
  entries: {
    seq: number;
    kind: LogbookKind;
    /** The inspection type's name, for inspections. */
    typeName: string | null;
    occurredAt: string;
    recordedAt: string;
    recordedBy: string;
    performedBy: string | null;
    result: 'passed' | 'failed' | null;
    text: string | null;
    correctsSeq: number | null;
    dueOn: string | null;
    nextDueOn: string | null;
    instrument: { name: string; serial: string; calibrationDueOn: string | null } | null;
    software: { from: string | null; to: string } | null;
    measurements: { label: string; value: string; unit: string | null; withinLimit: boolean | null; limit: string | null }[];
    /** Photos carry a JPEG to embed (null when the blob could not be read); PDFs are listed. */
    attachments: { name: string; mediaType: string; size: number; sha256: string; jpeg: Buffer | null }[];
    hash: string;
  }[];
  /** Instruction sessions on the model at the device's site; `trainees` null where the reader sees counts only. */
  sessions: {
    instructedOn: string;
    instructor: string;
    instructorRole: 'manufacturer' | 'authorised' | 'appointed';
    method: 'in_person' | 'on_device' | 'online';
    softwareVersion: string | null;
    validUntil: string | null;
    traineeCount: number;
    trainees: string[] | null;
  }[];
  chain: { ok: true; entries: number } | { ok: false; seq: number; reason: 'content' | 'link' | 'sequence' };
}

// A4 portrait, lengths in points.
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 40; // 14 mm
const CONTENT = PAGE.width - 2 * MARGIN;
const SIZE = 8;
const SMALL = 6.5;
const PAD = 3;
const TOP = MARGIN + 18; // room for the continuation line on later pages
const BOTTOM = MARGIN + 26; // room for the chain verdict and the page number
const FAILED_RED = '#9B1C1C';
const PHOTO = { width: 250, height: 190 };
/** Characters of the entry hash printed: enough to compare with the application, short enough to read. */
export const SHORT_HASH = 16;

interface Cell {
  text: string;
  width: number;
  font?: string;
  size?: number;
  color?: string;
  /** Grey second line under the text. */
  note?: string | null;
}

export async function renderLogbook(data: LogbookPdfData): Promise<Buffer> {
  const { locale, device } = data;
  const t = translator(locale);
  const date = (iso: string | null | undefined) => (iso ? longDate(locale, iso) : DASH);
  const instant = (iso: string) => formatInstant(locale, iso).replace(/ /g, '\u00A0');
  const title = t('reports.logbook.title');
  const { doc, done } = openDocument({
    size: 'A4',
    margins: { top: TOP, bottom: BOTTOM, left: MARGIN, right: MARGIN },
    bufferPages: true, // the page count and the furniture are added at the end
    lang: locale,
    info: { Title: `${title} – ${device.inventoryNumber} ${device.designation}` },
  });
  doc.lineWidth(0.5);
  const maxY = () => PAGE.height - BOTTOM;
  const newPage = () => {
    doc.addPage();
    doc.lineWidth(0.5);
  };
  /** Starts a new page unless `height` still fits on this one. */
  const room = (height: number) => {
    if (doc.y + height > maxY()) newPage();
  };
  /** Flowing text at the left margin (pdfkit breaks pages itself). */
  const para = (text: string, font = REGULAR, size = SIZE, color = INK, indent = 0) => {
    style(doc, font, size, color);
    say(doc, text, MARGIN + indent, doc.y, { width: CONTENT - indent });
  };
  const heading = (text: string) => {
    doc.y += 10;
    room(style(doc, BOLD, 11) + 40);
    say(doc, text, MARGIN, doc.y, { width: CONTENT }, 'H2');
    doc.y += 3;
  };

  const cellHeight = (c: Cell) => {
    style(doc, c.font ?? REGULAR, c.size ?? SIZE);
    let h = doc.heightOfString(c.text || DASH, { width: c.width - 2 * PAD });
    if (c.note) {
      style(doc, REGULAR, SMALL);
      h += doc.heightOfString(c.note, { width: c.width - 2 * PAD });
    }
    return h;
  };
  /** A table row (inside a table element) that never splits; returns its height. */
  const row = (cells: Cell[], opts: { fill?: string; header?: boolean } = {}) => {
    const height = Math.max(...cells.map(cellHeight)) + 2 * PAD;
    room(height);
    const top = doc.y;
    const width = cells.reduce((s, c) => s + c.width, 0);
    if (opts.fill) artifact(doc, () => doc.rect(MARGIN, top, width, height).fill(opts.fill!));
    inside(doc, 'TR', () => {
      let x = MARGIN;
      for (const c of cells) {
        // The cell's text and its note are paragraphs of their own, or a reader runs the two into one word.
        inside(doc, opts.header ? 'TH' : 'TD', () => {
          style(doc, c.font ?? REGULAR, c.size ?? SIZE, c.color ?? INK);
          say(doc, c.text || DASH, x + PAD, top + PAD, { width: c.width - 2 * PAD });
          if (c.note) {
            style(doc, REGULAR, SMALL, LABEL_GREY);
            say(doc, c.note, x + PAD, doc.y, { width: c.width - 2 * PAD });
          }
        }, opts.header ? heads('Column') : {});
        x += c.width;
      }
    });
    if (!opts.header) artifact(doc, () => doc.moveTo(MARGIN, top + height).lineTo(MARGIN + width, top + height).stroke(RULE_GREY));
    doc.x = MARGIN;
    doc.y = top + height;
    return height;
  };
  const headerRow = (cells: Cell[]) => row(cells.map((c) => ({ ...c, font: BOLD, size: SMALL })), { fill: HEADER_FILL, header: true });

  // Title block.
  style(doc, BOLD, 18);
  say(doc, title, MARGIN, MARGIN, { width: CONTENT }, 'H1');
  style(doc, REGULAR, 8.5, LABEL_GREY);
  say(doc, t('reports.logbook.legal'), MARGIN, doc.y, { width: CONTENT });
  style(doc, BOLD, 12);
  doc.y += 4;
  say(doc, `${device.inventoryNumber} · ${device.designation}`, MARGIN, doc.y, { width: CONTENT });
  style(doc, REGULAR, 8.5);
  say(doc, t('reports.printed', { date: longDate(locale, data.printedOn), name: data.printedBy }), MARGIN, doc.y, { width: CONTENT });

  // 1. Identity: every register field, three to a row.
  heading(t('reports.logbook.identity'));
  const f = (key: keyof Catalog['reports']['logbook']['fields'], value: string | null | undefined, note?: string | null) => ({
    label: t(`reports.logbook.fields.${key}`),
    value: value || DASH,
    note: note ?? null,
  });
  const yesNo = (v: number | null) => (v === null ? null : t(v === 1 ? 'reports.yes' : 'reports.no'));
  const annexes = [device.anlage1 && t('reports.register.anlage1'), device.anlage2 && t('reports.register.anlage2')].filter(Boolean).join(', ');
  const fields = [
    f('designation', device.designation),
    f('kindType', [device.kind, device.type].filter(Boolean).join(' · ')),
    f('manufacturer', device.manufacturerName, device.manufacturerAddress),
    f('inventoryNumber', device.inventoryNumber),
    f('serial', device.serialNumber),
    f('lot', device.lotNumber),
    f('code', device.code),
    f('acquired', device.acquiredYear ? String(device.acquiredYear) : null),
    f('commissioned', device.commissionedOn ? date(device.commissionedOn) : null),
    f('location', device.location),
    f('deviceClass', device.deviceClass),
    f('udiDi', device.udiDi),
    f('notifiedBody', device.notifiedBody),
    f('ce', yesNo(device.ceMarked)),
    f('anlage', annexes),
    f('softwareVersion', device.softwareVersion),
    f('status', t(`status.${device.status}`)),
    ...(device.decommissionedOn ? [f('decommissioned', date(device.decommissionedOn))] : []),
  ];
  const third = CONTENT / 3;
  for (let i = 0; i < fields.length; i += 3) {
    const group = fields.slice(i, i + 3);
    const heights = group.map((g) => {
      style(doc, REGULAR, SMALL);
      let h = doc.heightOfString(g.label, { width: third - 2 * PAD });
      style(doc, BOLD, SIZE);
      h += doc.heightOfString(g.value, { width: third - 2 * PAD });
      if (g.note) {
        style(doc, REGULAR, SMALL);
        h += doc.heightOfString(g.note, { width: third - 2 * PAD });
      }
      return h;
    });
    const height = Math.max(...heights) + 4;
    room(height);
    const top = doc.y;
    group.forEach((g, k) => {
      const x = MARGIN + k * third + PAD;
      style(doc, REGULAR, SMALL, LABEL_GREY);
      say(doc, g.label, x, top, { width: third - 2 * PAD });
      style(doc, BOLD, SIZE);
      say(doc, g.value, x, doc.y, { width: third - 2 * PAD });
      if (g.note) {
        style(doc, REGULAR, SMALL, LABEL_GREY);
        say(doc, g.note, x, doc.y, { width: third - 2 * PAD });
      }
    });
    doc.x = MARGIN;
    doc.y = top + height;
  }

  // 2. Obligations with their next due dates.
  heading(t('reports.logbook.obligations'));
  if (data.obligations.length === 0) para(t('reports.logbook.noObligations'));
  else inside(doc, 'Table', () => {
    const w = [185, 60, 95, 80, CONTENT - 420];
    headerRow([
      { text: t('reports.logbook.obligationColumns.type'), width: w[0]! },
      { text: t('reports.logbook.obligationColumns.interval'), width: w[1]! },
      { text: t('reports.logbook.obligationColumns.last'), width: w[2]! },
      { text: t('reports.logbook.obligationColumns.nextDue'), width: w[3]! },
      { text: t('reports.logbook.obligationColumns.state'), width: w[4]! },
    ]);
    for (const o of data.obligations) {
      const state = o.failed ? 'failed' : o.state;
      const alarming = o.failed || o.state === 'overdue';
      row([
        { text: o.name, width: w[0]!, font: BOLD, note: o.legalReference },
        { text: t('reports.logbook.months', { count: o.intervalMonths }), width: w[1]! },
        { text: o.lastOn ? date(o.lastOn) : t('reports.logbook.never'), width: w[2]!, note: o.lastResult ? t(`results.${o.lastResult}`) : null },
        { text: date(o.dueOn), width: w[3]!, font: BOLD },
        { text: t(`reports.logbook.states.${state}`), width: w[4]!, font: alarming ? BOLD : REGULAR, color: alarming ? FAILED_RED : INK },
      ]);
    }
  });

  // 3. The entries, oldest first.
  heading(t('reports.logbook.entries'));
  if (data.entries.length === 0) para(t('reports.logbook.noEntries'));
  else {
    style(doc, REGULAR, SMALL, LABEL_GREY);
    say(doc, t('reports.logbook.entriesCount', { count: data.entries.length }), MARGIN, doc.y, { width: CONTENT });
    doc.y += 4;
  }
  for (const e of data.entries) inside(doc, 'Sect', () => {
    // An entry's first lines stay together with its rule.
    room(4 * style(doc, REGULAR, SIZE) + 10);
    artifact(doc, () => doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + CONTENT, doc.y).lineWidth(0.8).stroke(INK).lineWidth(0.5));
    doc.y += 3;
    const top = doc.y;
    const kind = t(`kinds.${e.kind}`) + (e.typeName ? ` – ${e.typeName}` : '');
    // The entry's heading holds its result, printed at the right.
    const bottom = leaf(doc, 'H3', () => {
      style(doc, BOLD, SIZE + 1);
      say(doc, `${t('reports.logbook.entryColumns.seq')} ${e.seq} · ${kind}`, MARGIN, top, { width: CONTENT - 110 });
      const afterTitle = doc.y;
      if (e.result) {
        style(doc, BOLD, SIZE + 1, e.result === 'failed' ? FAILED_RED : INK);
        say(doc, ` ${t(`results.${e.result}`)}`, MARGIN + CONTENT - 105, top, { width: 105, align: 'right' });
      }
      return Math.max(afterTitle, doc.y);
    });
    doc.y = bottom;
    const when = [
      instant(e.occurredAt),
      t('reports.logbook.recordedAt', { date: instant(e.recordedAt) }),
      e.recordedBy,
      e.performedBy ? t('reports.logbook.performedBy', { name: e.performedBy }) : null,
    ].filter(Boolean);
    para(when.join(' · '), REGULAR, SMALL + 0.5, LABEL_GREY);
    const facts = [
      e.correctsSeq !== null ? t('reports.logbook.corrects', { seq: e.correctsSeq }) : null,
      e.dueOn ? t('reports.logbook.due', { date: date(e.dueOn) }) : null,
      e.nextDueOn ? t('reports.logbook.nextDue', { date: date(e.nextDueOn) }) : null,
      e.software ? t('reports.logbook.software', { from: e.software.from ?? DASH, to: e.software.to }) : null,
    ].filter(Boolean);
    if (facts.length) para(facts.join(' · '), BOLD, SIZE);
    if (e.text) para(e.text, REGULAR, SIZE);
    if (e.instrument) {
      para(
        t('reports.logbook.instrument', { name: e.instrument.name, serial: e.instrument.serial, date: date(e.instrument.calibrationDueOn) }),
        REGULAR,
        SMALL + 0.5,
      );
    }
    if (e.measurements.length) inside(doc, 'Table', () => {
      doc.y += 2;
      const w = [200, 90, 120, CONTENT - 410];
      for (const m of e.measurements) {
        const out = m.withinLimit === false;
        row(
          [
            { text: m.label, width: w[0]!, size: SMALL + 0.5 },
            { text: [m.value, m.unit].filter(Boolean).join('\u00A0'), width: w[1]!, size: SMALL + 0.5, font: BOLD },
            { text: m.limit ? t('reports.logbook.limit', { limit: m.limit }) : '', width: w[2]!, size: SMALL + 0.5, color: LABEL_GREY },
            {
              text: m.withinLimit === null ? '' : t(out ? 'reports.logbook.outOfLimit' : 'reports.logbook.withinLimit'),
              width: w[3]!,
              size: SMALL + 0.5,
              font: out ? BOLD : REGULAR,
              color: out ? FAILED_RED : INK,
            },
          ],
          {},
        );
      }
    });
    for (const a of e.attachments) {
      if (a.mediaType === 'application/pdf' || !a.mediaType.startsWith('image/')) {
        para(t('reports.logbook.file', { name: a.name, size: bytes(a.size, locale), sha: a.sha256 }), REGULAR, SMALL + 0.5);
        continue;
      }
      if (!a.jpeg) {
        para(t('reports.logbook.photoMissing', { name: a.name, sha: a.sha256 }), BOLD, SMALL + 0.5, FAILED_RED);
        continue;
      }
      const image = openImage(doc, a.jpeg);
      const scale = Math.min(PHOTO.width / image.width, PHOTO.height / image.height, 1);
      const height = image.height * scale;
      const captionHeight = style(doc, REGULAR, SMALL);
      room(height + captionHeight + 6);
      doc.y += 3;
      style(doc, REGULAR, SMALL, LABEL_GREY);
      const caption = t('reports.logbook.photo', { name: a.name });
      say(doc, caption, MARGIN, doc.y, { width: CONTENT }, 'Caption');
      const imageTop = doc.y + 1;
      leaf(doc, 'Figure', () => doc.image(image as unknown as Buffer, MARGIN, imageTop, { width: image.width * scale, height }), { alt: caption });
      artifact(doc, () => doc.rect(MARGIN, imageTop, image.width * scale, height).stroke(RULE_GREY)); // a white paper protocol needs an edge
      doc.x = MARGIN;
      doc.y = imageTop + height + 3;
    }
    style(doc, REGULAR, SMALL - 0.5, LABEL_GREY);
    say(doc, t('reports.logbook.hash', { hash: e.hash.slice(0, SHORT_HASH) }), MARGIN, doc.y, { width: CONTENT });
    doc.y += 5;
  });

  // 4. Instruction sessions on the model at this site (§13 no. 3: names of those instructed, dates).
  heading(t('reports.logbook.sessions'));
  para(t('reports.logbook.sessionsNote'), REGULAR, SMALL, LABEL_GREY);
  doc.y += 3;
  if (data.sessions.length === 0) para(t('reports.logbook.noSessions'));
  else inside(doc, 'Table', () => {
    const w = [62, 120, 62, 50, 62, CONTENT - 356];
    headerRow([
      { text: t('reports.logbook.sessionColumns.date'), width: w[0]! },
      { text: t('reports.logbook.sessionColumns.instructor'), width: w[1]! },
      { text: t('reports.logbook.sessionColumns.method'), width: w[2]! },
      { text: t('reports.logbook.sessionColumns.software'), width: w[3]! },
      { text: t('reports.logbook.sessionColumns.validUntil'), width: w[4]! },
      { text: t('reports.logbook.sessionColumns.trainees'), width: w[5]! },
    ]);
    for (const s of data.sessions) {
      const count = t('reports.logbook.traineeCount', { count: s.traineeCount });
      row([
        { text: date(s.instructedOn), width: w[0]! },
        { text: s.instructor, width: w[1]!, font: BOLD, note: t(`instructionPdf.roles.${s.instructorRole}`) },
        { text: t(`instructionPdf.methods.${s.method}`), width: w[2]! },
        { text: s.softwareVersion ?? DASH, width: w[3]! },
        { text: s.validUntil ? date(s.validUntil) : t('reports.logbook.noExpiry'), width: w[4]! },
        s.trainees ? { text: s.trainees.join(', ') || DASH, width: w[5]!, note: count } : { text: count, width: w[5]! },
      ]);
    }
  });

  // Furniture on every page, now that the page count is known.
  const chainLine = data.chain.ok
    ? t('reports.logbook.chainOk', { date: longDate(locale, data.printedOn), count: data.chain.entries })
    : t('reports.logbook.chainBroken', { seq: data.chain.seq, reason: t(`reports.logbook.chainReasons.${data.chain.reason}`) });
  const continued = t('reports.logbook.continued', { inventoryNumber: device.inventoryNumber, designation: device.designation });
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    // Writing into the margins must not open new pages.
    const margins = { ...doc.page.margins };
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    const footerTop = PAGE.height - MARGIN - 16;
    // The chain's verdict is read once, at the end; on the page it is furniture like the rest.
    const chain = () => {
      style(doc, data.chain.ok ? REGULAR : BOLD, SMALL, data.chain.ok ? INK : FAILED_RED);
      say(doc, chainLine, MARGIN, footerTop, { width: CONTENT * 0.8, height: 16, ellipsis: true });
    };
    if (i === start) chain();
    artifact(doc, () => {
      if (i > start) {
        style(doc, BOLD, 7.5, LABEL_GREY);
        say(doc, continued, MARGIN, MARGIN, { width: CONTENT, height: 10, ellipsis: true, lineBreak: false });
        chain();
      }
      doc.moveTo(MARGIN, footerTop - 3).lineTo(MARGIN + CONTENT, footerTop - 3).lineWidth(0.5).stroke(RULE_GREY);
      style(doc, REGULAR, SMALL, LABEL_GREY);
      say(doc, t('reports.footer'), MARGIN, PAGE.height - MARGIN - 3, { width: CONTENT * 0.75, lineBreak: false });
      style(doc, BOLD, 8);
      const number = t('reports.page', { page: i - start + 1, pages: count });
      say(doc, number, MARGIN + CONTENT - doc.widthOfString(number) - 1, footerTop, { lineBreak: false });
    }, 'Pagination');
    doc.page.margins = margins;
  }

  doc.end();
  return done;
}

/** A file size for people: "1.2 MB", "340 kB". */
function bytes(size: number, locale: 'de' | 'en'): string {
  const format = (n: number) => n.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 1 });
  if (size >= 1e6) return `${format(size / 1e6)}\u00A0MB`;
  if (size >= 1e3) return `${format(size / 1e3)}\u00A0kB`;
  return `${size}\u00A0B`;
}

/** pdfkit's openImage (missing from its types): the image's size before placing it; `image()` takes the result. */
function openImage(doc: Doc, jpeg: Buffer): { width: number; height: number } {
  return (doc as unknown as { openImage(src: Buffer): { width: number; height: number } }).openImage(jpeg);
}
