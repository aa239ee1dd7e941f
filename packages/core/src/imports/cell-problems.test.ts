import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, type TestApp } from '../testing.js';
import { classProblem, dateProblem, yesNoProblem } from './columns.js';

// A CSV offers no options to choose from and is written in more than one date format: its problems name the
// values and formats the import reads, and tell a date that does not exist from text that is no date.

describe('cell problems of a file (pure)', () => {
  it.each([
    ['15.03.2022', null],
    ['1.2.2024', null],
    ['31.12.24', null],
    ['2022-03-15', null],
    ['2024-02-29', null],
    ['', null],
    ['  ', null],
    ['31.02.2022', 'imports.errors.noSuchDate'],
    ['29.02.2023', 'imports.errors.noSuchDate'],
    ['31.04.2022', 'imports.errors.noSuchDate'],
    ['15.13.2022', 'imports.errors.noSuchDate'],
    ['00.01.2022', 'imports.errors.noSuchDate'],
    ['2022-02-30', 'imports.errors.noSuchDate'],
    ['2022-13-01', 'imports.errors.noSuchDate'],
    ['15/03/2022', 'imports.errors.invalidDate'],
    ['März 2022', 'imports.errors.invalidDate'],
    ['2022', 'imports.errors.invalidDate'],
    ['15.03.', 'imports.errors.invalidDate'],
  ])('date %j → %s', (cell, key) => {
    const problem = dateProblem(cell);
    expect(problem?.key ?? null).toBe(key);
    if (problem) expect(problem.params).toEqual({ date: cell.trim() });
  });

  it.each([
    ['I', null],
    ['IIa', null],
    ['iib', null],
    ['2a', null],
    ['Klasse III', null],
    ['', null],
    ['IV', 'IV'],
    ['II', 'II'],
    ['Klasse 4', 'Klasse 4'],
  ])('device class %j → problem with %j', (cell, value) => {
    const problem = classProblem(cell);
    expect(problem).toEqual(value === null ? null : { key: 'imports.errors.deviceClass', params: { value, allowed: 'I, IIa, IIb, III' } });
  });

  it.each([
    ['ja', null],
    ['Nein', null],
    ['x', null],
    ['1', null],
    ['', null],
    ['vielleicht', 'vielleicht'],
    ['CE', 'CE'],
  ])('yes/no %j → problem with %j', (cell, value) => {
    expect(yesNoProblem(cell)).toEqual(value === null ? null : { key: 'imports.errors.yesNo', params: { value } });
  });
});

const HEADER = 'Inventarnummer;Hersteller;Bezeichnung;Typ;Standort;Station;Inbetriebnahme;Anschaffungsjahr;Klasse;CE';
const line = (inv: string, cells: { date?: string; cls?: string; ce?: string }) =>
  [inv, 'B. Braun Melsungen AG', 'Perfusor Space', '8713030', 'Klinikum Nord', 'Intensivstation 1', cells.date ?? '15.03.2022', '2022', cells.cls ?? 'IIb', cells.ce ?? 'ja'].join(';');

describe.each(testDialects)('the dry run names what a cell may hold, on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => new Date('2026-11-22T10:00:00.000Z') });
  });
  afterAll(() => app.close());

  const cases = [
    { cells: { date: '31.02.2022' }, column: 'Inbetriebnahme', kind: 'invalidDate', en: 'The date "31.02.2022" does not exist: check the day and the month. Dates are read as DD.MM.YYYY (15.03.2022) or YYYY-MM-DD (2022-03-15).', de: 'Das Datum „31.02.2022“ gibt es nicht: Prüfen Sie Tag und Monat. Gelesen werden Daten als TT.MM.JJJJ (15.03.2022) oder JJJJ-MM-TT (2022-03-15).' },
    { cells: { date: '2022-04-31' }, column: 'Inbetriebnahme', kind: 'invalidDate', en: 'The date "2022-04-31" does not exist: check the day and the month. Dates are read as DD.MM.YYYY (15.03.2022) or YYYY-MM-DD (2022-03-15).', de: 'Das Datum „2022-04-31“ gibt es nicht: Prüfen Sie Tag und Monat. Gelesen werden Daten als TT.MM.JJJJ (15.03.2022) oder JJJJ-MM-TT (2022-03-15).' },
    { cells: { date: '15/03/2022' }, column: 'Inbetriebnahme', kind: 'invalidDate', en: 'The date "15/03/2022" cannot be read. Write it as DD.MM.YYYY (15.03.2022) or YYYY-MM-DD (2022-03-15).', de: 'Das Datum „15/03/2022“ ist nicht lesbar. Schreiben Sie es als TT.MM.JJJJ (15.03.2022) oder JJJJ-MM-TT (2022-03-15).' },
    { cells: { cls: 'IV' }, column: 'Klasse', kind: 'invalidChoice', en: 'There is no device class "IV". Allowed values: I, IIa, IIb, III.', de: 'Die Geräteklasse „IV“ gibt es nicht. Erlaubt sind: I, IIa, IIb, III.' },
    { cells: { ce: 'vielleicht' }, column: 'CE', kind: 'invalidChoice', en: '"vielleicht" is neither yes nor no. Write yes or no (ja/nein, x or 1/0 are read too).', de: '„vielleicht“ ist weder ja noch nein. Schreiben Sie ja oder nein (gelesen werden auch x oder 1/0).' },
  ] as const;

  it.each(['en', 'de'] as const)('in %s: one message per cell, a good date in the same file passes', async (locale) => {
    const manager = await app.as('manager', locale);
    // Row 2 holds a German date that is read: the file's other dates are judged by the same formats.
    const text = [HEADER, line('CELL-OK', {}), ...cases.map((c, i) => line(`CELL-${i}`, c.cells))].join('\n');
    const up = await manager.imports.upload({ file: new File([text], 'zellen.csv', { type: 'text/csv' }) });
    const res = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    expect(res.problems.map((p) => [p.row, p.column, p.kind, p.message])).toEqual(cases.map((c, i) => [i + 3, c.column, c.kind, c[locale]]));
    expect(res.valid).toBe(1);
  });
});
