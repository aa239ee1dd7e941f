import Papa from 'papaparse';
import { badInput } from '../trpc/errors.js';

/** Larger files are refused before they are read (100,000 devices with every column are about 25 MB). */
export const MAX_CSV_BYTES = 50 * 1024 * 1024;
export const MAX_CSV_ROWS = 200_000;

export type Encoding = 'utf-8' | 'utf-16' | 'windows-1252';
export type Delimiter = ';' | ',' | '\t';

export interface ParsedCsv {
  encoding: Encoding;
  delimiter: Delimiter;
  headers: string[];
  /** Data rows (without the header), at least as long as the header row (missing cells are ''). */
  rows: string[][];
}

/**
 * UTF-8 (with or without byte-order mark) when the bytes are valid UTF-8, else Windows-1252: what German Excel
 * writes with "CSV (Trennzeichen-getrennt)". Latin-1 text is practically never valid UTF-8, so the guess is safe.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: Encoding } {
  // Excel's "Unicode text" is UTF-16 (little-endian) with a byte-order mark, separated by tabs.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16' };
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(body), encoding: 'windows-1252' };
  }
}

// Windows-1252 differs from Latin-1 in 0x80–0x9F (€, „, “, –, …). Node's TextDecoder('windows-1252') takes a
// Latin-1 fast path that yields control characters there, so those 32 bytes are mapped by hand.
const CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]!);
}

/** The delimiter that splits the header line into the most columns (quoted parts ignored). */
export function detectDelimiter(text: string): Delimiter {
  const end = text.search(/\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/"[^"]*"/g, '');
  let best: Delimiter = ';';
  let bestCount = 0;
  for (const d of [';', '\t', ','] as const) {
    const count = header.split(d).length - 1;
    if (count > bestCount) [best, bestCount] = [d, count];
  }
  return best;
}

/** Reads an uploaded CSV: size limit, encoding, delimiter, header row; blank lines are skipped. */
export function parseCsv(bytes: Uint8Array, name: string): ParsedCsv {
  if (bytes.byteLength > MAX_CSV_BYTES) throw badInput('imports.errors.fileTooLarge', { name, mb: MAX_CSV_BYTES / 1024 / 1024 }, 'file');
  const decoded = decodeCsv(bytes);
  const { encoding } = decoded;
  let text = decoded.text;
  if (text.includes('\u0000')) throw badInput('imports.errors.notCsv', { name }, 'file');
  // Excel understands (and some exports write) a first line "sep=;" naming the separator.
  const sep = /^sep=([;,\t])\r?\n/i.exec(text);
  if (sep) text = text.slice(sep[0].length);
  const delimiter = (sep?.[1] as Delimiter | undefined) ?? detectDelimiter(text);
  const result = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: 'greedy' });
  const [header, ...data] = result.data;
  if (!header || header.every((h) => h.trim() === '')) throw badInput('imports.errors.empty', { name }, 'file');
  if (data.length === 0) throw badInput('imports.errors.noRows', { name }, 'file');
  if (data.length > MAX_CSV_ROWS) throw badInput('imports.errors.tooManyRows', { name, max: MAX_CSV_ROWS }, 'file');
  const headers = header.map((h) => h.trim());
  const width = headers.length;
  // Short rows are padded (trailing empty cells); long rows are kept whole: the dry run reports them, since a
  // separator inside an unquoted value shifts every later cell into the wrong column.
  const rows = data.map((r) => (r.length >= width ? r : [...r, ...Array<string>(width - r.length).fill('')]));
  return { encoding, delimiter, headers, rows };
}
