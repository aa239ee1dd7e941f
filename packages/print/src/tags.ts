/**
 * The structure tree of a tagged PDF: what a screen reader reads aloud, and in which order (PDF/UA; public
 * hospitals in Germany owe accessible documents under BITV 2.0). Every document opens with a root element;
 * text written through `write` or `say` becomes a paragraph under the element that is open, `inside`
 * opens a container (a section, a table, a row), `leaf` makes everything drawn in it one element (a heading
 * written in two calls, a table cell, a QR code with its alternative text), and `artifact` marks drawing that
 * carries no meaning (bands, rules, stripes, page numbers) so readers skip it.
 */
import type { Doc } from './fonts.js';

type Element = PDFKit.PDFStructureElement;
/** The standard structure types used here (ISO 32000-1, 14.8.4). */
export type Role = 'Document' | 'Sect' | 'H1' | 'H2' | 'H3' | 'P' | 'Table' | 'TR' | 'TH' | 'TD' | 'Figure' | 'Caption';

interface Open {
  element: Element;
  /** Inside a leaf or an artifact the content is already marked: text adds no element of its own. */
  marked: boolean;
}
const open = new WeakMap<Doc, Open>();

/** Starts the tree; openDocument calls it for every document. */
export function startStructure(doc: Doc) {
  const root = doc.struct('Document');
  doc.addStructure(root);
  open.set(doc, { element: root, marked: false });
}

/** Text options that make the text an element of its own (a paragraph unless said) under the open element. */
function tag(doc: Doc, role: Role): PDFKit.Mixins.TextOptions {
  const current = open.get(doc);
  return current && !current.marked ? { structParent: current.element, structType: role } : {};
}

const markings = (doc: Doc) => (doc.page as unknown as { markings: unknown[] }).markings.length;

/** `doc.text`, the text becoming an element of `role` (a paragraph unless said) under the open element. */
export function say(doc: Doc, text: string, x: number, y: number, options: PDFKit.Mixins.TextOptions = {}, role: Role = 'P') {
  const before = markings(doc);
  doc.text(text, x, y, { ...options, ...tag(doc, role) });
  // pdfkit leaves the element's content open: whatever were drawn next would join it.
  if (markings(doc) > before) doc.endMarkedContent();
}

/** Runs `draw` (which may be asynchronous) with a new container of `role` open: what it writes lands inside. */
export function inside<T>(doc: Doc, role: Role, draw: () => T, options: PDFKit.Mixins.StructureElementOptions = {}): T {
  const current = open.get(doc);
  if (!current || current.marked) return draw();
  const element = doc.struct(role, options);
  current.element.add(element);
  open.set(doc, { element, marked: false });
  const close = () => {
    open.set(doc, current);
    element.end();
  };
  let result: T;
  try {
    result = draw();
  } catch (error) {
    close();
    throw error;
  }
  // A register's table stays open while its rows stream in.
  if (result instanceof Promise) return result.finally(close) as T;
  close();
  return result;
}

/** Everything `draw` puts on the page becomes one element of `role`. */
export function leaf<T>(doc: Doc, role: Role, draw: () => T, options: PDFKit.Mixins.StructureElementOptions = {}): T {
  const current = open.get(doc);
  if (!current || current.marked) return draw();
  let result: T | undefined;
  // pdfkit runs the closure when the element joins the (attached) tree, that is, right here.
  const element = doc.struct(role, options, () => {
    open.set(doc, { element: current.element, marked: true });
    try {
      result = draw();
    } finally {
      open.set(doc, current);
    }
  });
  current.element.add(element);
  return result as T;
}

/** Drawing that is not content: decoration, or page furniture repeated on every page ('Pagination'). */
export function artifact<T>(doc: Doc, draw: () => T, type: 'Layout' | 'Pagination' = 'Layout'): T {
  const current = open.get(doc);
  // Within marked content an artifact cannot open (pdfkit would close the content around it).
  if (!current || current.marked) return draw();
  doc.markContent('Artifact', { type });
  open.set(doc, { ...current, marked: true });
  try {
    return draw();
  } finally {
    open.set(doc, current);
    doc.endMarkedContent();
  }
}

/** Options of a header cell: which way it heads (pdfkit writes the attribute; its types lack it). */
export const heads = (scope: 'Column' | 'Row') => ({ scope }) as PDFKit.Mixins.StructureElementOptions;
