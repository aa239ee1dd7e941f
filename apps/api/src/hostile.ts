import fc from 'fast-check';
import { z } from 'zod';

/**
 * Hostile inputs derived from a procedure's input schema (zod → JSON Schema): mostly well-formed objects in
 * which some fields are wrong-typed, oversized, past a boundary or carry strings that break naive code
 * (SQL, path traversal, markup, search operators, control and right-to-left characters), plus whole inputs
 * of the wrong shape. Only for tests.
 */
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
};

export const nastyStrings = [
  '',
  ' ',
  '\u0000',
  "'; drop table devices; --",
  '" or 1=1 --',
  "' union select password from accounts --",
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd%00.png',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '${7*7}{{7*7}}',
  '=HYPERLINK("http://evil.example","x")',
  'NEAR(a b) OR "x"* AND -y',
  '%',
  '_',
  '\\',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ufeff\u200b',
  'İstanbul ß ǅ ﬃ',
  '😷'.repeat(300),
  '\ud800',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '1e309',
  '-0',
  '0x1F',
  '2026-02-30',
  '0000-00-00',
  '9999-12-31T23:59:59.999Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'site:../../x',
];

export const nastyNumbers = [0, -0, -1, 1, 0.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, 5e-324];

const wrongShapes: unknown[] = [null, true, false, 0, 1, 'x', [], {}, [[[]]], { '': '' }];

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { a: [deep(depth - 1)] });

function typesOf(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type;
  return s.type ? [s.type] : [];
}

/** A value the schema accepts, or close to it; kept small so every case is cheap. */
function valid(s: Schema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map(valid));
  if (s.allOf?.length) return valid(s.allOf[0]!);
  const t = typesOf(s);
  if (t.includes('object') || s.properties) {
    const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, valid(v)]));
    return fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
  }
  if (t.includes('array')) return fc.array(valid(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
  if (t.includes('string')) {
    if (s.format === 'uuid') return fc.uuid();
    if (s.format === 'date') return fc.date({ min: new Date('1990-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    if (s.format === 'date-time') return fc.date({ min: new Date('1990-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 200));
    const min = s.minLength ?? 0;
    return fc.string({ minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? 30, 30)) });
  }
  if (t.includes('integer') || t.includes('number')) {
    const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
    const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 100_000);
    return t.includes('integer')
      ? fc.integer({ min: Math.max(Math.ceil(min), -(2 ** 31)), max: Math.min(Math.floor(max), 2 ** 31 - 1) })
      : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  }
  if (t.includes('boolean')) return fc.boolean();
  if (t.includes('null')) return fc.constant(null);
  return fc.jsonValue({ maxDepth: 2 });
}

/** A value the schema should refuse: the wrong type, past a bound, oversized, or a nasty string in its place. */
function hostile(s: Schema): fc.Arbitrary<unknown> {
  const t = typesOf(s);
  const options: fc.Arbitrary<unknown>[] = [fc.constantFrom(...wrongShapes), fc.constantFrom(...nastyStrings), fc.constantFrom(...nastyNumbers)];
  if (t.includes('string') || s.format || s.pattern) {
    const over = (s.maxLength ?? 10_000) + 1;
    options.push(fc.integer({ min: over, max: over + 64 }).map((n) => 'x'.repeat(n)));
    options.push(fc.constant('ä'.repeat(Math.min(over, 200_000))));
    if (s.minLength) options.push(fc.constant('y'.repeat(s.minLength - 1)));
  }
  if (t.includes('integer') || t.includes('number')) {
    if (s.minimum !== undefined) options.push(fc.constant(s.minimum - 1));
    if (s.maximum !== undefined) options.push(fc.constant(s.maximum + 1));
    if (t.includes('integer')) options.push(fc.constant(1.5));
    options.push(fc.constant('12'));
  }
  if (t.includes('array')) {
    options.push(fc.constant(Array.from({ length: (s.maxItems ?? 1000) + 1 }, () => 'x')));
    options.push(fc.constant(deep(60)));
  }
  if (t.includes('object') || s.properties) options.push(fc.constant(deep(60)), fc.constant({ __proto__: { role: 'admin' } }));
  return fc.oneof(...options);
}

/** Well-formed objects with some fields made hostile, extra keys, or an input of another shape altogether. */
function mutated(s: Schema): fc.Arbitrary<unknown> {
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map(mutated));
  if (!s.properties) return fc.oneof(valid(s), hostile(s));
  const props = Object.fromEntries(
    Object.entries(s.properties).map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: valid(v) }, { weight: 2, arbitrary: hostile(v) })]),
  );
  const base = fc.record(props, { requiredKeys: [] });
  return fc.tuple(base, fc.option(fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'role', 'userId', 'id', 'x'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })))
    .map(([o, extra]) => (extra ? { ...o, ...extra } : o));
}

/** The arbitrary for one procedure's input schema. */
export function hostileInput(schema: z.ZodType): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Schema;
  return fc.oneof({ weight: 8, arbitrary: mutated(json) }, { weight: 1, arbitrary: hostile(json) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
}
