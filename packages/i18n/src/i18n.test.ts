import { describe, expect, it } from 'vitest';
import { catalogs, formatDate, formatInstant, resolveLocale, translator } from './index.js';

const keys = (o: object, p = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? [`${p}${k}`] : keys(v as object, `${p}${k}.`)));

describe('catalogs', () => {
  it('German and English have the same keys and no empty message', () => {
    expect(keys(catalogs.de).sort()).toEqual(keys(catalogs.en).sort());
    for (const locale of ['de', 'en'] as const) {
      const t = translator(locale);
      for (const k of keys(catalogs.en)) expect(t(k as never), `${locale}:${k}`).not.toBe('');
    }
  });

  it('interpolates and pluralises', () => {
    expect(translator('de')('devices.count', { count: 1 })).toBe('1 Gerät');
    expect(translator('de')('devices.count', { count: 200 })).toBe('200 Geräte');
    expect(translator('de')('deviceList.count', { count: 100_000 })).toBe('100.000 Geräte');
    expect(translator('en')('deviceList.count', { count: 100_000 })).toBe('100,000 devices');
    expect(translator('en')('errors.tooShort', { min: 3 })).toBe('Enter at least 3 characters.');
  });

  // The import's counts come as numbers: singular for one row, and thousands separated in the reader's language.
  it.each([
    ['en', 'imports.uploaded', { name: 'a.csv', count: 1, columns: 8, encoding: 'UTF-8', delimiter: 'commas' }, 'a.csv: 1 row, 8 columns (UTF-8, separated by commas).'],
    ['de', 'imports.uploaded', { name: 'a.csv', count: 12500, columns: 8, encoding: 'UTF-8', delimiter: 'Kommas' }, 'a.csv: 12.500 Zeilen, 8 Spalten (UTF-8, getrennt durch Kommas).'],
    ['en', 'imports.result', { valid: 0, count: 1 }, '0 of 1 row is ready to import.'],
    ['de', 'imports.result', { valid: 1999, count: 2000 }, '1.999 von 2.000 Zeilen sind bereit zum Import.'],
    ['en', 'imports.noProblems', { count: 1 }, 'No problems found. The row can be imported.'],
    ['en', 'imports.noProblems', { count: 3000 }, 'No problems found. All 3,000 rows can be imported.'],
    ['de', 'imports.start', { count: 1 }, '1 Gerät importieren'],
    ['en', 'imports.progress', { done: 1000, count: 5000 }, '1,000 of 5,000 devices written'],
    ['de', 'imports.done', { count: 1 }, '1 Gerät wurde in das Bestandsverzeichnis aufgenommen.'],
    ['de', 'imports.problemsShown', { shown: 1000, count: 4711 }, 'Die ersten 1.000 von 4.711 Problemen werden angezeigt.'],
  ] as const)('%s %s %j', (locale, key, params, expected) => {
    expect(translator(locale)(key, params)).toBe(expected);
  });
});

describe('resolveLocale', () => {
  it.each([
    ['en', 'de-DE', 'en'],
    [null, 'en-GB,en;q=0.9', 'en'],
    [null, 'fr-FR,de;q=0.8', 'de'],
    [null, 'fr-FR', 'de'],
    ['xx', null, 'de'],
    [undefined, undefined, 'de'],
  ])('cookie %j, Accept-Language %j → %s', (cookie, accept, expected) => {
    expect(resolveLocale(cookie, accept)).toBe(expected);
  });
});

describe('dates', () => {
  it('formats calendar dates without a time-zone shift', () => {
    expect(formatDate('de', '2024-02-29')).toBe('29.02.2024');
    expect(formatDate('en', '2024-02-29')).toBe('29 Feb 2024');
  });
  it('formats instants in the hospital time zone', () => {
    expect(formatInstant('de', '2024-12-31T23:30:00.000Z')).toBe('01.01.2025, 00:30');
  });
});
