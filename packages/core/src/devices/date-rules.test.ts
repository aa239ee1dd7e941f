import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { createTestApp, rejection, type TestApp } from '../testing.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

/**
 * The plausibility of a device's dates: commissioning not before 1900 and not in the future, the year of
 * acquisition between 1900 and this year and not after the commissioning. The device form (create and edit)
 * and the CSV import judge them alike, with the message at the field.
 */
describe.each(testDialects)('device dates on %s', (dialect) => {
  let app: TestApp;
  let ids: { model: string; site: string };
  let serial = 0;

  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
    const db = app.services.db;
    ids = {
      model: (await db.selectFrom('device_models').select('id').where('name', '=', 'Perfusor Space').executeTakeFirstOrThrow()).id,
      site: (await db.selectFrom('sites').select('id').where('name', '=', 'Klinikum Nord').executeTakeFirstOrThrow()).id,
    };
  });
  afterAll(() => app.close());

  const fields = (over: Record<string, unknown> = {}) => ({
    inventoryNumber: `DATES-${dialect}-${++serial}`,
    modelId: ids.model,
    siteId: ids.site,
    acquiredYear: '2024',
    commissionedOn: '2025-03-14',
    ...over,
  });

  // [changed fields, field with the error (null: accepted), English message, German message]
  const cases: [Record<string, string>, string | null, string, string][] = [
    [{ commissionedOn: '1800-01-01', acquiredYear: '' }, 'commissionedOn', 'The commissioning date cannot be before 1 January 1900. Check the year.', 'Das Inbetriebnahmedatum kann nicht vor dem 01.01.1900 liegen. Bitte das Jahr prüfen.'],
    [{ commissionedOn: '1899-12-31', acquiredYear: '' }, 'commissionedOn', 'The commissioning date cannot be before 1 January 1900. Check the year.', 'Das Inbetriebnahmedatum kann nicht vor dem 01.01.1900 liegen. Bitte das Jahr prüfen.'],
    [{ commissionedOn: '1900-01-01', acquiredYear: '' }, null, '', ''],
    [{ commissionedOn: '2026-11-22' }, null, '', ''],
    [{ commissionedOn: '2026-11-23' }, 'commissionedOn', 'The date cannot be in the future.', 'Das Datum darf nicht in der Zukunft liegen.'],
    [{ commissionedOn: '2015-06-01', acquiredYear: '2024' }, 'acquiredYear', 'The year of acquisition is after the commissioning date. Correct the year or the commissioning date.', 'Das Anschaffungsjahr liegt nach der Inbetriebnahme. Bitte das Jahr oder das Inbetriebnahmedatum korrigieren.'],
    [{ commissionedOn: '2024-01-01', acquiredYear: '2024' }, null, '', ''],
    [{ commissionedOn: '', acquiredYear: '2024' }, null, '', ''],
    [{ commissionedOn: '', acquiredYear: '1850' }, 'acquiredYear', 'Enter a year of acquisition between 1900 and this year.', 'Geben Sie ein Anschaffungsjahr zwischen 1900 und dem laufenden Jahr ein.'],
    [{ commissionedOn: '', acquiredYear: '1799' }, 'acquiredYear', 'Enter a year of acquisition between 1900 and this year.', 'Geben Sie ein Anschaffungsjahr zwischen 1900 und dem laufenden Jahr ein.'],
    [{ commissionedOn: '', acquiredYear: '1900' }, null, '', ''],
    [{ commissionedOn: '', acquiredYear: '24' }, 'acquiredYear', 'Enter the year of acquisition as four digits, e.g. 2021.', 'Geben Sie das Anschaffungsjahr vierstellig ein, z. B. 2021.'],
  ];

  it.each(['en', 'de'] as const)('judges the dates on the device form (create and edit) in %s', async (lang) => {
    const manager = await app.as('manager', lang);
    const existing = fields({ acquiredYear: '', commissionedOn: '' });
    const { id } = await manager.register.createDevice(existing);
    let version = 1;
    for (const [over, field, en, de] of cases) {
      const label = JSON.stringify(over);
      if (field === null) {
        await expect(manager.register.createDevice(fields(over)), label).resolves.toBeTruthy();
        version = (await manager.register.updateDevice({ ...existing, ...over, id, version })).version;
        continue;
      }
      const created = await rejection(manager.register.createDevice(fields(over) as never), lang);
      expect(created.fieldErrors, label).toEqual({ [field]: lang === 'en' ? en : de });
      const edited = await rejection(manager.register.updateDevice({ ...existing, ...over, id, version } as never), lang);
      expect(edited.fieldErrors, label).toEqual({ [field]: lang === 'en' ? en : de });
    }
  });

  it('judges the dates of CSV rows by the same rules', async () => {
    const manager = await app.as('manager', 'en');
    const header = 'Inventory number;Manufacturer;Designation;Type;Site;Commissioning;Acquisition year';
    const line = (n: number, over: Record<string, string>) =>
      [`CSV-DATES-${dialect}-${n}`, 'B. Braun Melsungen AG', 'Perfusor Space', '8713030', 'Klinikum Nord', over.commissionedOn ?? '2025-03-14', over.acquiredYear ?? '2024'].join(';');
    const file = new File([[header, ...cases.map(([over], i) => line(i, over))].join('\n')], 'dates.csv', { type: 'text/csv' });
    const up = await manager.imports.upload({ file });
    const res = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    cases.forEach(([over, field, en], i) => {
      const problems = res.problems.filter((p) => p.row === i + 2).map((p) => [p.field, p.message]);
      // The import names a future date with the date itself.
      const message = over.commissionedOn === '2026-11-23' ? 'The commissioning date 2026-11-23 is in the future.' : en;
      expect(problems, JSON.stringify(over)).toEqual(field === null ? [] : [[field, message]]);
    });
    expect(res.valid).toBe(cases.filter(([, field]) => field === null).length);
  });
});
