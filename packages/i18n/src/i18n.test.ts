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
    expect(translator('en')('errors.tooShort', { min: 3 })).toBe('Enter at least 3 characters.');
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
