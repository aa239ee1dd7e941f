import { describe, expect, it } from 'vitest';
import { HIT_END, HIT_START, editDistance, ftsMatchQuery, matchModels, snippetParts, tsPrefixQuery, wordMatches, words } from './search.js';

const models = [
  { id: 'perfusor', name: 'Perfusor Space', kind: 'Spritzenpumpe', type_designation: '8713030', manufacturer_name: 'B. Braun Melsungen AG' },
  { id: 'infusomat', name: 'Infusomat Space', kind: 'Infusionspumpe (volumetrisch)', type_designation: '8713050', manufacturer_name: 'B. Braun Melsungen AG' },
  { id: 'lifepak', name: 'LIFEPAK 15', kind: 'Defibrillator / Monitor', type_designation: 'V15-2-000050', manufacturer_name: 'Stryker (Physio-Control)' },
  { id: 'evita', name: 'Evita V500', kind: 'Beatmungsgerät', type_designation: '8412000', manufacturer_name: 'Drägerwerk AG & Co. KGaA' },
];

describe('model search (pure)', () => {
  it('counts an edit, a missing letter and a swap of neighbours as one', () => {
    expect(editDistance('perfusor', 'perfusor', 2)).toBe(0);
    expect(editDistance('perfusr', 'perfusor', 2)).toBe(1);
    expect(editDistance('pefrusor', 'perfusor', 2)).toBe(1);
    expect(editDistance('perfuxor', 'perfusor', 2)).toBe(1);
    expect(editDistance('abc', 'xyzabc', 2)).toBe(3); // beyond the limit: limit + 1
  });

  it('allows typos by word length, never in numbers', () => {
    expect(wordMatches('per', 'perfusor')).toBe(true);
    expect(wordMatches('pef', 'perfusor')).toBe(false); // 3 letters: exact prefix only
    expect(wordMatches('perfs', 'perfusor')).toBe(true); // a prefix with a missing letter
    expect(wordMatches('perfusr', 'perfusor')).toBe(true);
    expect(wordMatches('infusionpumpe', 'infusionspumpe')).toBe(true);
    expect(wordMatches('infusonpumpe', 'infusionspumpe')).toBe(true); // two typos from 8 letters
    expect(wordMatches('8713050', '8713030')).toBe(false);
  });

  it('matches every query word against designation, kind, type and manufacturer', () => {
    expect(matchModels('Perfusr', models)).toEqual(['perfusor']);
    expect(matchModels('space', models)).toEqual(['perfusor', 'infusomat']);
    expect(matchModels('braun spritzenpumpe', models)).toEqual(['perfusor']);
    expect(matchModels('pumpe', models)).toEqual(['perfusor', 'infusomat']); // inside German compounds
    expect(matchModels('ace', models)).toEqual([]); // not inside words below 4 letters ("Space")
    expect(matchModels('dräger', models)).toEqual(['evita']);
    expect(matchModels('DRAGER', models)).toEqual(['evita']);
    expect(matchModels('V15-2', models)).toEqual(['lifepak']);
    expect(matchModels('v152000', models)).toEqual(['lifepak']); // the type without separators
    expect(matchModels('%_\\', models)).toEqual([]);
    expect(matchModels('', models)).toEqual([]);
  });

  it('builds full-text queries from letters and digits only', () => {
    expect(words('Gerät-Prüfung 2.0')).toEqual(['gerat', 'prufung', '2', '0']);
    expect(ftsMatchQuery('Okklusion "druck* OR x')).toBe('"okklusion"* "druck"* "or"* "x"*');
    expect(ftsMatchQuery('%%')).toBeNull();
    expect(tsPrefixQuery("Menü' | !x:*")).toBe('menü:* & x:*');
  });

  it('splits a snippet into marked and plain parts', () => {
    expect(snippetParts(`…die ${HIT_START}Okklusion${HIT_END} ist ${HIT_START}hoch${HIT_END}`)).toEqual([
      { text: '…die ', hit: false },
      { text: 'Okklusion', hit: true },
      { text: ' ist ', hit: false },
      { text: 'hoch', hit: true },
    ]);
  });
});
