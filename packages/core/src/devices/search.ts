/**
 * Matching a search box's words against device models (pure): designation, kind, type and manufacturer.
 * The model table is small (hundreds to a few thousand rows), so it is matched in memory with prefix and
 * typo tolerance; the devices are then filtered by model id in SQL.
 */

/** Lower case without accents, so "Geräte" and "gerate" compare equal (the FTS side does the same). */
export function normalize(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/ß/g, 'ss').toLowerCase();
}

/** The words of a text: runs of letters and digits, normalised. */
export function words(s: string): string[] {
  return normalize(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), or `max + 1` as soon as it must
 * exceed `max`. Phone keyboards swap neighbouring letters often, which plain Levenshtein counts as two.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Typos allowed in a query word: none below 4 letters or in numbers (type numbers differ by one digit), 1 from 4, 2 from 8. */
export function typosAllowed(word: string): number {
  if (!/\p{L}/u.test(word)) return 0;
  return word.length >= 8 ? 2 : word.length >= 4 ? 1 : 0;
}

/**
 * Does a query word match a text word: as a prefix; from 4 letters also inside it (German compounds: "pumpe"
 * finds "Spritzenpumpe"); or within the allowed typos of the whole word or of a prefix of it.
 */
export function wordMatches(query: string, word: string): boolean {
  if (word.startsWith(query)) return true;
  if (query.length >= 4 && /\p{L}/u.test(query) && word.includes(query)) return true;
  const d = typosAllowed(query);
  if (d === 0) return false;
  // The user may still be typing: compare with prefixes of the word about as long as the query.
  for (let len = Math.max(1, query.length - d); len <= Math.min(word.length, query.length + d); len++)
    if (editDistance(query, word.slice(0, len), d) <= d) return true;
  return false;
}

export interface SearchableModel {
  id: string;
  name: string;
  kind: string;
  type_designation: string;
  manufacturer_name: string;
}

/** The words a model can be found by, plus its type designation without separators ("8000-004000-02" as "800000400002"). */
export function modelWords(m: SearchableModel): string[] {
  const all = [m.name, m.kind, m.type_designation, m.manufacturer_name].flatMap(words);
  const compactType = words(m.type_designation).join('');
  return compactType ? [...all, compactType] : all;
}

/**
 * Ids of the models every query word matches (some word of designation, kind, type or manufacturer).
 * A query that is one token with separators ("V15-2") also matches the compact type.
 */
export function matchModels(query: string, models: readonly SearchableModel[]): string[] {
  const qWords = words(query);
  if (qWords.length === 0) return [];
  const compact = qWords.join('');
  const out: string[] = [];
  for (const m of models) {
    const mw = modelWords(m);
    const all = qWords.every((q) => mw.some((w) => wordMatches(q, w)));
    if (all || (qWords.length > 1 && mw.some((w) => w.startsWith(compact)))) out.push(m.id);
  }
  return out;
}

/**
 * The words of a query usable in a full-text query: letters and digits only, so no operator can be injected.
 * Accents stay: FTS5 folds them itself, PostgreSQL's 'simple' configuration keeps them in the index.
 */
export function textQueryWords(query: string): string[] {
  return query.normalize('NFC').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean).slice(0, 8);
}

/** SQLite FTS5: every word as a quoted prefix term (the quotes make any character literal). */
export function ftsMatchQuery(query: string): string | null {
  const w = textQueryWords(query);
  return w.length ? w.map((x) => `"${x.replace(/"/g, '""')}"*`).join(' ') : null;
}

/** PostgreSQL to_tsquery: every word as a prefix term, all required. Words hold only letters and digits. */
export function tsPrefixQuery(query: string): string | null {
  const w = textQueryWords(query);
  return w.length ? w.map((x) => `${x}:*`).join(' & ') : null;
}

/** Markers around a hit in a snippet; control characters never found in extracted text. */
export const HIT_START = '\u0002';
export const HIT_END = '\u0003';

/** A snippet with markers as parts, so the page can mark hits without rendering HTML. */
export function snippetParts(s: string): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  const re = new RegExp(`${HIT_START}([^${HIT_END}]*)${HIT_END}`, 'g');
  let last = 0;
  for (const m of s.matchAll(re)) {
    if (m.index > last) parts.push({ text: s.slice(last, m.index), hit: false });
    parts.push({ text: m[1]!, hit: true });
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push({ text: s.slice(last), hit: false });
  return parts.map((p) => ({ ...p, text: p.text.replace(/[\u0002\u0003]/g, '') })).filter((p) => p.text);
}

/**
 * A snippet around the first word that starts with one of the query words (the words as tsPrefixQuery has
 * them), with the hits marked: about `size` words, "…" where the page goes on.
 */
export function markedSnippet(text: string, queryWords: string[], size = 16): string {
  const tokens = text.split(/(\s+)/).filter((t) => t.length > 0 && !/^\s+$/.test(t));
  const isHit = (token: string) => {
    const w = token.normalize('NFC').toLowerCase().replace(/^[^\p{L}\p{N}]+/u, '');
    return queryWords.some((q) => w.startsWith(q));
  };
  const first = Math.max(0, tokens.findIndex(isHit));
  const start = Math.max(0, first - Math.floor(size / 3));
  const end = Math.min(tokens.length, start + size);
  const body = tokens.slice(start, end).map((t) => (isHit(t) ? `${HIT_START}${t}${HIT_END}` : t)).join(' ');
  return `${start > 0 ? '… ' : ''}${body}${end < tokens.length ? ' …' : ''}`;
}
