import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { sql } from 'kysely';
import { testDialects } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';
import { createTestApp, rejection, type TestApp } from '../testing.js';
import { entryHash, GENESIS_HASH } from '../logbook/chain.js';
import { refreshObligations } from '../inspections/obligations.server.js';
import { appendEntry } from '../logbook/append.server.js';
import { verifyDevice } from '../logbook/verify.server.js';
import { exportHeaders, suggestMapping } from './columns.js';
import { decodeCsv, detectDelimiter, MAX_CSV_BYTES, parseCsv } from './parse.server.js';
import { registerCsv } from './export.server.js';
import { importFinished, uploadSummary } from './run.server.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TODAY = '2026-11-22';

const csvFile = (text: string, name = 'geraete.csv') => new File([text], name, { type: 'text/csv' });
const HEADER = 'Inventarnummer;Hersteller;Bezeichnung;Typ;Seriennummer;Standort;Station;Raum;Inbetriebnahme;Anschaffungsjahr;Klasse;CE;Benannte Stelle;Bemerkung';
const row = (inv: string, over: Partial<Record<'maker' | 'model' | 'type' | 'serial' | 'site' | 'ward' | 'room' | 'date' | 'year' | 'cls' | 'ce' | 'nb' | 'notes', string>> = {}) =>
  [
    inv,
    over.maker ?? 'B. Braun Melsungen AG',
    over.model ?? 'Perfusor Space',
    over.type ?? '8713030',
    over.serial ?? `SN-${inv}`,
    over.site ?? 'Klinikum Nord',
    over.ward ?? 'Intensivstation 1',
    over.room ?? 'Raum 1.01',
    over.date ?? '15.03.2024',
    over.year ?? '2024',
    over.cls ?? 'IIb',
    over.ce ?? 'ja',
    over.nb ?? '0123',
    over.notes ?? '',
  ].join(';');

describe('CSV reading (pure)', () => {
  it('detects the delimiter from the header line', () => {
    expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';');
    expect(detectDelimiter('a,b,c\r\n1,2,3')).toBe(',');
    expect(detectDelimiter('a\tb\tc\n')).toBe('\t');
    // A comma inside a quoted header does not count.
    expect(detectDelimiter('"Raum, Etage";Station\n')).toBe(';');
  });

  it('reads UTF-8 with and without BOM, and Windows-1252 as German Excel writes it', () => {
    const utf8 = new TextEncoder().encode('Gebäude;Straße\nHaus Süd;Ölweg');
    expect(decodeCsv(utf8)).toEqual({ text: 'Gebäude;Straße\nHaus Süd;Ölweg', encoding: 'utf-8' });
    expect(decodeCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8])).text).toBe('Gebäude;Straße\nHaus Süd;Ölweg');
    const cp1252 = new Uint8Array(Buffer.from('Gebäude;Straße\nHaus Süd;Ölweg €', 'latin1'));
    // € is 0x80 in Windows-1252 (not Latin-1): set it by hand.
    cp1252[cp1252.length - 1] = 0x80;
    expect(decodeCsv(cp1252)).toEqual({ text: 'Gebäude;Straße\nHaus Süd;Ölweg €', encoding: 'windows-1252' });
  });

  it('reads Excel\'s "Unicode text" (UTF-16 with BOM, tabs) and a "sep=" first line', () => {
    const text = 'Inventarnummer\tStandort\nA-1\tKlinikum Süd';
    const le = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
    expect(parseCsv(le, 'unicode.txt')).toEqual({ encoding: 'utf-16', delimiter: '\t', headers: ['Inventarnummer', 'Standort'], rows: [['A-1', 'Klinikum Süd']] });
    const sep = new TextEncoder().encode('sep=,\r\nInventarnummer;Bemerkung,Standort\nA-1;x,Klinikum Nord\n');
    expect(parseCsv(sep, 'sep.csv')).toMatchObject({ delimiter: ',', headers: ['Inventarnummer;Bemerkung', 'Standort'], rows: [['A-1;x', 'Klinikum Nord']] });
  });

  it('suggests fields from German and English header names', () => {
    expect(suggestMapping(['Inventar-Nr.', 'Seriennummer', 'Charge/Los', 'Hersteller', 'Modell', 'Typ', 'Standort', 'Gebäude', 'Station', 'Raum', 'Inbetriebnahme', 'Anschaffungsjahr', 'UDI-DI', 'Benannte Stelle', 'Klasse', 'CE', 'Bemerkung', 'Kostenstelle'])).toEqual([
      'inventoryNumber', 'serialNumber', 'lotNumber', 'manufacturer', 'designation', 'type', 'site', 'building', 'department', 'room', 'commissionedOn', 'acquiredYear', 'udiDi', 'notifiedBody', 'deviceClass', 'ceMarked', 'notes', null,
    ]);
    expect(suggestMapping(['Inventory number', 'Serial number', 'Lot', 'Manufacturer', 'Designation', 'Type', 'Site', 'Building', 'Ward', 'Room', 'Commissioning date', 'Year of acquisition', 'Notified body', 'Class', 'CE marked', 'Notes'])).toEqual([
      'inventoryNumber', 'serialNumber', 'lotNumber', 'manufacturer', 'designation', 'type', 'site', 'building', 'department', 'room', 'commissionedOn', 'acquiredYear', 'notifiedBody', 'deviceClass', 'ceMarked', 'notes',
    ]);
    // The export's own headers map to every field, its reading-only columns (Art, Status, Code) are ignored.
    for (const lang of ['de', 'en'] as const) {
      const m = suggestMapping(exportHeaders(lang));
      expect(m.filter(Boolean)).toHaveLength(17);
      expect(m.slice(17)).toEqual([null, null, null]);
    }
    // A second column with a known name is not mapped twice.
    expect(suggestMapping(['Station', 'Abteilung'])).toEqual(['department', null]);
  });

  it('refuses a file over the size limit, a binary file and a file without rows', () => {
    const t = translator('en');
    const big = new Uint8Array(MAX_CSV_BYTES + 1);
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return t((e as { key: Parameters<typeof t>[0] }).key, (e as { params: Record<string, string> }).params);
      }
      return 'accepted';
    };
    expect(msg(() => parseCsv(big, 'gross.csv'))).toBe('The file "gross.csv" is larger than 50 MB. Split it into several files.');
    expect(msg(() => parseCsv(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), 'liste.xlsx'))).toContain('is not a CSV text file');
    expect(msg(() => parseCsv(new TextEncoder().encode('Inventarnummer;Standort\n\n'), 'leer.csv'))).toBe('The file "leer.csv" has column names but no rows.');
  });
});

describe.each(testDialects)('CSV import and export on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp(dialect, { now: () => NOW });
  });
  afterAll(() => app.close());

  const count = async (table: 'devices' | 'logbook_entries' | 'device_obligations' | 'import_runs') =>
    Number((await app.services.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const counts = async () => ({ devices: await count('devices'), entries: await count('logbook_entries'), obligations: await count('device_obligations') });

  async function importText(text: string, name = 'geraete.csv', role: 'manager' | 'admin' = 'manager') {
    const manager = await app.as(role);
    const up = await manager.imports.upload({ file: csvFile(text, name) });
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    return { importId, progress: await manager.imports.progress({ importId }), up };
  }

  it('lets only managers and admins import, and refuses nurses the export', async () => {
    for (const role of ['technician', 'nurse'] as const)
      expect((await rejection((await app.as(role)).imports.upload({ file: csvFile(`${HEADER}\n${row('X-1')}`) }))).code).toBe('FORBIDDEN');
    const as = (role: 'nurse' | 'technician') => ({ id: 'x', name: 'n', email: 'n', role, phone: null, departmentIds: [] });
    expect((await rejection(registerCsv(app.services, as('nurse'), {}, 'de', translator('de')))).code).toBe('FORBIDDEN');
    // A technician may export (and nothing else here).
    const csv = await registerCsv(app.services, as('technician'), {}, 'de', translator('de'));
    expect((await csv.chunks.next()).value).toContain('Inventarnummer');
  });

  it('the dry run finds every kind of problem with its row, column and message, and writes nothing', async () => {
    const manager = await app.as('manager');
    const before = { ...(await counts()), runs: await count('import_runs') };
    const lines = [
      HEADER,
      row('IMP-1'), // row 2: fine
      row('IMP-2', { model: 'Perfusor Compact', type: '' }), // unknown model of a known maker
      row('IMP-3', { site: 'Klinikum West' }), // unknown site
      row('IMP-4', { ward: 'Station 99' }), // unknown ward
      row('IMP-5', { room: 'Raum 9.99' }), // unknown room
      row('IMP-6', { ward: '', room: 'Raum 1.01' }), // room without ward
      row('IMP-1'), // row 8: duplicate in the file
      row('MT-10001'), // already in the register (the demo hospital)
      row('IMP-9', { date: '31.02.2024' }), // no such date
      row('IMP-10', { date: '2027-01-05' }), // future date
      row('IMP-11', { year: '2031' }), // future year
      row('IMP-12', { year: '24' }), // unreadable year
      row('IMP-13', { nb: '12' }), // notified body
      row('IMP-14', { cls: 'IV' }), // class not offered
      row('', {}), // inventory number missing
      row('IMP-16', { ce: 'vielleicht' }), // CE unreadable
      row('imp-1'), // duplicate regardless of case
      `${row('IMP-19', { notes: 'Akku' })};getauscht`, // an unquoted separator in the notes: one cell too many
    ];
    const up = await manager.imports.upload({ file: csvFile(lines.join('\r\n')) });
    expect(up).toMatchObject({ rows: 18, delimiter: ';', encoding: 'utf-8', fileName: 'geraete.csv' });
    const res = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    const at = (r: number) => res.problems.filter((p) => p.row === r).map((p) => [p.column, p.message]);
    expect(at(2)).toEqual([]);
    expect(at(3)).toEqual([['Bezeichnung', 'Unknown model "Perfusor Compact" of B. Braun Melsungen AG. Create the model in the register first.']]);
    expect(at(4)).toEqual([['Standort', 'Unknown site "Klinikum West".']]);
    expect(at(5)).toEqual([['Station', 'Site Klinikum Nord has no ward or department "Station 99".']]);
    expect(at(6)).toEqual([['Raum', 'Ward Intensivstation 1 has no room "Raum 9.99".']]);
    expect(at(7)).toEqual([['Raum', 'Room "Raum 1.01" is given without a ward or department.']]);
    expect(at(8)).toEqual([['Inventarnummer', 'Inventory number IMP-1 is already used in row 2.']]);
    expect(at(9)).toEqual([['Inventarnummer', 'Inventory number MT-10001 is already in the register.']]);
    expect(at(10)).toEqual([['Inbetriebnahme', 'The date "31.02.2024" does not exist: check the day and the month. Dates are read as DD.MM.YYYY (15.03.2022) or YYYY-MM-DD (2022-03-15).']]);
    expect(at(11)).toEqual([['Inbetriebnahme', 'The commissioning date 2027-01-05 is in the future.']]);
    expect(at(12)).toEqual([['Anschaffungsjahr', 'The year of acquisition 2031 is in the future.']]);
    expect(at(13)).toEqual([['Anschaffungsjahr', 'Enter the year of acquisition as four digits, e.g. 2021.']]);
    expect(at(14)).toEqual([['Benannte Stelle', 'The notified body number has four digits, e.g. 0123.']]);
    expect(at(15)).toEqual([['Klasse', 'There is no device class "IV". Allowed values: I, IIa, IIb, III.']]);
    expect(at(16)).toEqual([['Inventarnummer', 'This field is required.']]);
    expect(at(17)).toEqual([['CE', '"vielleicht" is neither yes nor no. Write yes or no (ja/nein, x or 1/0 are read too).']]);
    expect(at(18)).toEqual([['Inventarnummer', 'Inventory number imp-1 is already used in row 2.']]);
    expect(at(19)).toEqual([['', 'This row has 15 cells but the file only 14 columns: a value containing the separator must be in quotes.']]);
    expect(res).toMatchObject({ rows: 18, valid: 1, problemCount: 17 });
    expect(Object.fromEntries(res.counts.map((c) => [c.kind, c.count]))).toEqual({
      unknownModel: 1, unknownSite: 1, unknownDepartment: 1, unknownRoom: 1, roomWithoutDepartment: 1, duplicateInFile: 2, duplicateInRegister: 1,
      invalidDate: 1, futureDate: 1, futureYear: 1, year: 1, notifiedBody: 1, invalidChoice: 2, required: 1, extraCells: 1,
    });
    // The import of this file is refused with the count, and nothing is written.
    const refused = await rejection(manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested }));
    expect(refused.message).toBe('The file has 17 problems. Nothing was imported.');
    expect({ ...(await counts()), runs: await count('import_runs') }).toEqual(before);
  });

  it('finds a number the register holds whatever its case, in the dry run and again when the import starts', async () => {
    const manager = await app.as('manager');
    const before = await counts();
    const up = await manager.imports.upload({ file: csvFile([HEADER, row('mt-10001'), row('FALL-1')].join('\n')) });
    const check = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    expect(check.problems.map((p) => [p.row, p.kind, p.message])).toEqual([[2, 'duplicateInRegister', 'Inventory number mt-10001 is already in the register.']]);
    expect((await rejection(manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested }))).message).toBe('The file has 1 problem. Nothing was imported.');
    expect(await counts()).toEqual(before);
  });

  it('names problems in German, and refuses a mapping without a required field or with a field twice', async () => {
    const manager = await app.as('manager', 'de');
    const up = await manager.imports.upload({ file: csvFile(`${HEADER}\n${row('IMP-DE', { site: 'Klinikum Ost' })}`) });
    const res = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    expect(res.problems).toEqual([{ row: 2, column: 'Standort', field: 'site', kind: 'unknownSite', message: 'Unbekannter Standort „Klinikum Ost“.' }]);
    expect(res.counts).toEqual([{ kind: 'unknownSite', message: 'unbekannter Standort', count: 1 }]);
    const noSite = up.suggested.map((f) => (f === 'site' ? null : f));
    expect((await rejection(manager.imports.check({ uploadId: up.uploadId, mapping: noSite }), 'de')).fieldErrors).toEqual({
      mapping: 'Keine Spalte ist „Standort“ zugeordnet; das braucht jedes Gerät.',
    });
    const twice = up.suggested.map((f) => (f === 'serialNumber' ? 'inventoryNumber' : f));
    expect((await rejection(manager.imports.check({ uploadId: up.uploadId, mapping: twice }), 'de')).message).toBe(
      'Zwei Spalten sind „Inventarnummer“ zugeordnet. Setzen Sie eine davon auf „ignorieren“.',
    );
    // Another user cannot use this upload.
    expect((await rejection((await app.as('admin')).imports.check({ uploadId: up.uploadId, mapping: up.suggested }))).message).toContain('no longer on the server');
  });

  it('imports a clean file: devices, a first logbook entry whose hash recomputes, obligations as refreshObligations writes them', async () => {
    const before = await counts();
    const text = [HEADER, row('NEU-1'), row('NEU-2', { model: 'ProBP 3400', maker: 'Welch Allyn (Baxter)', type: '34XFHT-B', date: '2023-06-10', year: '2023', cls: '2a', ce: 'nein', nb: '' }), row('NEU-3', { date: '', room: '', notes: '=HYPERLINK("x")' })].join('\n');
    const { importId, progress } = await importText(text, 'Neugeräte 2026.csv');
    expect(progress).toMatchObject({ phase: 'done', created: 3, total: 3, done: 3, fileName: 'Neugeräte 2026.csv', error: null });
    expect(await counts()).toMatchObject({ devices: before.devices + 3, entries: before.entries + 3 });
    const db = app.services.db;
    const devices = await db.selectFrom('devices').selectAll().where('inventory_number', 'in', ['NEU-1', 'NEU-2', 'NEU-3']).orderBy('inventory_number').execute();
    expect(devices.map((d) => [d.inventory_number, d.commissioned_on, d.acquired_year, d.device_class, d.ce_marked, d.notified_body, d.status, d.room_id === null, d.notes])).toEqual([
      ['NEU-1', '2024-03-15', 2024, 'IIb', 1, '0123', 'in_service', false, null],
      ['NEU-2', '2023-06-10', 2023, 'IIa', 0, null, 'in_service', false, null],
      ['NEU-3', null, 2024, 'IIb', 1, '0123', 'in_service', true, '=HYPERLINK("x")'],
    ]);
    expect(new Set(devices.map((d) => d.code)).size).toBe(3);
    const entries = await db.selectFrom('logbook_entries').selectAll().where('device_id', 'in', devices.map((d) => d.id)).execute();
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      expect(e).toMatchObject({ seq: 1, kind: 'note', prev_hash: GENESIS_HASH, text: 'In das Bestandsverzeichnis aufgenommen (Import Neugeräte 2026.csv)' });
      expect(JSON.parse(e.details!)).toEqual({ registered: { source: 'import', importId } });
      const { prev_hash: _p, hash, ...content } = e;
      expect(entryHash(GENESIS_HASH, { ...content, measurements: [], attachments: [] })).toBe(hash);
    }
    // The chains verify, also after the next entry is appended the usual way.
    for (const d of devices) expect(await verifyDevice(db, d.id)).toMatchObject({ ok: true, entries: 1 });
    await db.transaction().execute((trx) =>
      appendEntry(trx, { deviceId: devices[0]!.id, kind: 'note', occurredAt: NOW.toISOString(), recordedAt: NOW.toISOString(), recordedBy: entries[0]!.recorded_by, text: 'Etikett angebracht.' }),
    );
    expect(await verifyDevice(db, devices[0]!.id)).toMatchObject({ ok: true, entries: 2 });
    // The device page's logbook shows the entry through the API.
    const technician = await app.as('technician');
    expect(JSON.stringify(await technician.logbook.list({ deviceId: devices[0]!.id }))).toContain('In das Bestandsverzeichnis aufgenommen (Import Neugeräte 2026.csv)');
    // Obligations: Perfusor (STK, EL-62353) from commissioning; ProBP (MTK-NIBP, end of year); none commissioned: due today.
    const ours = async () =>
      (await db.selectFrom('device_obligations').selectAll().where('device_id', 'in', devices.map((d) => d.id)).execute())
        .map((o) => ({ ...o }))
        .sort((a, b) => `${a.device_id}${a.inspection_type_id}`.localeCompare(`${b.device_id}${b.inspection_type_id}`));
    const written = await ours();
    expect(written).toHaveLength(5);
    const byInv = (inv: string) => written.filter((o) => o.device_id === devices.find((d) => d.inventory_number === inv)!.id).map((o) => o.due_on).sort();
    expect(byInv('NEU-1')).toEqual(['2025-03-31', '2026-03-31']);
    expect(byInv('NEU-2')).toEqual(['2025-12-31']);
    expect(byInv('NEU-3')).toEqual([TODAY, TODAY]);
    await db.transaction().execute((trx) => refreshObligations(trx, devices.map((d) => d.id), TODAY));
    expect(await ours()).toEqual(written);
    const run = await db.selectFrom('import_runs').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'done', rows: 3, created: 3, file_name: 'Neugeräte 2026.csv', error: null });
  });

  it('reads a Windows-1252 file with umlauts (Klinikum Süd) and a comma-separated English file', async () => {
    const text = `${HEADER}\r\n${row('WIN-1', { site: 'Klinikum Süd', ward: 'Neonatologie', room: 'Raum 1.02', notes: 'Gerät geprüft, Übergabe an Station' })}\r\n`;
    const manager = await app.as('manager');
    const up = await manager.imports.upload({ file: new File([new Uint8Array(Buffer.from(text, 'latin1'))], 'excel.csv') });
    expect(up.encoding).toBe('windows-1252');
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    const d = await app.services.db
      .selectFrom('devices as d')
      .innerJoin('sites as s', 's.id', 'd.site_id')
      .select(['s.name', 'd.notes'])
      .where('d.inventory_number', '=', 'WIN-1')
      .executeTakeFirstOrThrow();
    expect(d).toEqual({ name: 'Klinikum Süd', notes: 'Gerät geprüft, Übergabe an Station' });

    const en = ['Inventory number,Manufacturer,Model,Serial number,Site,Ward,Commissioned on,Class', 'EN-1,Drägerwerk AG & Co. KGaA,Evita V500,"SN, 1",Klinikum Nord,Intensivstation 1,2022-01-31,IIb'].join('\n');
    const up2 = await manager.imports.upload({ file: csvFile(en, 'en.csv') });
    expect(up2).toMatchObject({ delimiter: ',', samples: ['EN-1', 'Drägerwerk AG & Co. KGaA', 'Evita V500', 'SN, 1', 'Klinikum Nord', 'Intensivstation 1', '2022-01-31', 'IIb'] });
    const { importId: id2 } = await manager.imports.start({ uploadId: up2.uploadId, mapping: up2.suggested });
    await importFinished(app.services, id2);
    expect((await manager.imports.progress({ importId: id2 })).created).toBe(1);
  });

  it('refuses a second import while one runs', async () => {
    const manager = await app.as('manager');
    const lines = [HEADER];
    for (let i = 1; i <= 3000; i++) lines.push(row(`BUSY-${i}`));
    const first = await manager.imports.upload({ file: csvFile(lines.join('\n'), 'gross.csv') });
    const second = await manager.imports.upload({ file: csvFile(`${HEADER}\n${row('BUSY-X')}`, 'klein.csv') });
    const { importId } = await manager.imports.start({ uploadId: first.uploadId, mapping: first.suggested });
    const busy = await rejection(manager.imports.start({ uploadId: second.uploadId, mapping: second.suggested }));
    expect([busy.code, busy.message]).toEqual(['CONFLICT', 'Another import is running. Wait until it is finished.']);
    await importFinished(app.services, importId);
    expect((await manager.imports.progress({ importId })).created).toBe(3000);
    // The refused upload is still there: started again, it runs.
    const { importId: again } = await manager.imports.start({ uploadId: second.uploadId, mapping: second.suggested });
    await importFinished(app.services, again);
    expect((await manager.imports.progress({ importId: again })).created).toBe(1);
    // An upload is used up by its import.
    expect((await rejection(manager.imports.start({ uploadId: first.uploadId, mapping: first.suggested }))).message).toContain('no longer on the server');
  });

  it('an upload, its check, its start and its progress may each reach another process of the app', async () => {
    const other = app.otherProcess();
    const here = await app.as('manager');
    const there = await other.as('manager');
    const lines = [HEADER];
    for (let i = 1; i <= 5000; i++) lines.push(row(`PROC-${i}`));
    const up = await here.imports.upload({ file: csvFile(lines.join('\n'), 'prozesse.csv') });
    const small = await there.imports.upload({ file: csvFile(`${HEADER}\n${row('PROC-X')}`, 'klein.csv') });
    expect(await there.imports.draft({ uploadId: up.uploadId })).toEqual(up);
    expect((await there.imports.check({ uploadId: up.uploadId, mapping: up.suggested })).problems).toEqual([]);
    const { importId } = await there.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    // While it runs, this process refuses a second import and reports how far the other one is.
    const busy = await rejection(here.imports.start({ uploadId: small.uploadId, mapping: small.suggested }));
    expect([busy.code, busy.message]).toEqual(['CONFLICT', 'Another import is running. Wait until it is finished.']);
    const running = await here.imports.progress({ importId });
    expect(running).toMatchObject({ id: importId, fileName: 'prozesse.csv', total: 5000, error: null });
    expect(['checking', 'writing']).toContain(running.phase);
    await importFinished(other.services, importId);
    expect(await here.imports.progress({ importId })).toEqual({ id: importId, fileName: 'prozesse.csv', total: 5000, done: 5000, phase: 'done', created: 5000, error: null });
    // Used up for every process; the small one still waits, for an hour.
    expect((await rejection(here.imports.start({ uploadId: up.uploadId, mapping: up.suggested }))).message).toContain('no longer on the server');
    const manager = { id: await app.userId('manager'), name: 'm', email: 'm', role: 'manager' as const, phone: null, departmentIds: [] };
    expect((await uploadSummary(app.services, manager, small.uploadId)).rows).toBe(1);
    const anHourLater = { ...other.services, now: () => new Date(NOW.getTime() + 61 * 60_000) };
    expect((await rejection(uploadSummary(anHourLater, manager, small.uploadId))).message).toContain('no longer on the server');
  });

  it('an import that ends between the reads of its row and of its report shows as done, not failed', async () => {
    const other = app.otherProcess();
    const there = await other.as('manager');
    const up = await there.imports.upload({ file: csvFile(`${HEADER}\n${row('BETWEEN-1')}`, 'dazwischen.csv') });
    const { importId } = await there.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    // This process reads the row while it still says 'running'; the import ends before its report is read.
    const here = app.otherProcess();
    let held = false;
    here.services.db = app.services.db.withPlugin({
      transformQuery: ({ node }) => node,
      async transformResult({ result }) {
        if (!held && (result.rows[0] as { status?: string } | undefined)?.status === 'running') {
          held = true;
          await importFinished(other.services, importId);
        }
        return result;
      },
    });
    expect(await (await here.as('manager')).imports.progress({ importId })).toMatchObject({ phase: 'done', created: 1 });
    expect(held).toBe(true);
  });

  it('reports a run whose process stopped as failed, and lets the next import start', async () => {
    const manager = await app.as('manager');
    const id = crypto.randomUUID();
    await app.services.db
      .insertInto('import_runs')
      .values({ id, file_name: 'abgebrochen.csv', rows: 10, created: 0, status: 'running', error: null, started_by: await app.userId('manager'), started_at: NOW.toISOString(), finished_at: null })
      .execute();
    expect(await manager.imports.progress({ importId: id })).toMatchObject({ phase: 'failed', created: 0 });
    const { progress } = await importText(`${HEADER}\n${row('AFTER-STOP')}`);
    expect(progress).toMatchObject({ phase: 'done', created: 1 });
    await app.services.db.updateTable('import_runs').set({ status: 'failed', finished_at: NOW.toISOString() }).where('id', '=', id).execute();
  });

  it('a device saved by the form while an import runs never duplicates an inventory number (whatever its case)', async () => {
    const manager = await app.as('manager');
    const lines = [HEADER];
    for (let i = 1; i <= 3000; i++) lines.push(row(`RACE-${i}`));
    const up = await manager.imports.upload({ file: csvFile(lines.join('\n'), 'race.csv') });
    const db = app.services.db;
    const ref = await db
      .selectFrom('device_models as m')
      .innerJoin('sites as s', (j) => j.onTrue())
      .select(['m.id as modelId', 's.id as siteId'])
      .where('m.name', '=', 'Perfusor Space')
      .where('s.name', '=', 'Klinikum Nord')
      .executeTakeFirstOrThrow();
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    const form = await manager.register.createDevice({ inventoryNumber: 'race-2999', modelId: ref.modelId, siteId: ref.siteId }).then(
      () => 'saved',
      (e: unknown) => e,
    );
    await importFinished(app.services, importId);
    const progress = await manager.imports.progress({ importId });
    const same = await db.selectFrom('devices').select('inventory_number').where(sql<string>`lower(inventory_number)`, '=', 'race-2999').execute();
    expect(same).toHaveLength(1);
    // Exactly one of the two won: the import (and the form was refused), or the form (and the import wrote nothing).
    if (progress.phase === 'done') expect(form).not.toBe('saved');
    else expect([form, progress.created, progress.error]).toEqual(['saved', 0, 'The file has 1 problem. Nothing was imported.']);
  });

  it('a failure while writing (after the first batch) writes nothing and marks the run failed', async () => {
    const db = app.services.db;
    // A real refusal by the database in the middle of the file: a trigger refuses one inventory number.
    if (dialect === 'postgres') {
      await sql`create function refuse_boom() returns trigger language plpgsql as $$ begin if new.inventory_number = 'BOOM-1500' then raise exception 'boom'; end if; return new; end $$`.execute(db);
      await sql`create trigger refuse_boom before insert on devices for each row execute function refuse_boom()`.execute(db);
    } else {
      await sql`create trigger refuse_boom before insert on devices when new.inventory_number = 'BOOM-1500' begin select raise(abort, 'boom'); end`.execute(db);
    }
    try {
      const before = await counts();
      const lines = [HEADER];
      for (let i = 1; i <= 1600; i++) lines.push(row(`BOOM-${i}`));
      const { progress, importId } = await importText(lines.join('\n'), 'boom.csv');
      expect(progress.phase).toBe('failed');
      expect(progress.error).toBe('An unexpected error occurred. Nothing was saved. Please try again.');
      expect(await counts()).toEqual(before);
      expect(await db.selectFrom('import_runs').select(['status', 'created']).where('id', '=', importId).executeTakeFirstOrThrow()).toEqual({ status: 'failed', created: 0 });
    } finally {
      await sql`drop trigger refuse_boom${sql.raw(dialect === 'postgres' ? ' on devices' : '')}`.execute(db);
    }
  });

  it('exports the register as CSV (German ; with BOM, English ,), filtered, and the export imports again', async () => {
    const manager = await app.as('manager');
    const user = { id: await app.userId('technician'), name: 'T', email: 't', role: 'technician' as const, phone: null, departmentIds: [] };
    const read = async (it: AsyncIterable<string>) => {
      let s = '';
      for await (const c of it) s += c;
      return s;
    };
    const de = await registerCsv(app.services, user, { status: 'in_service' }, 'de', translator('de'));
    const text = await read(de.chunks);
    expect(de.fileName).toBe('Bestandsverzeichnis-2026-11-22.csv');
    expect(text.startsWith('\ufeffInventarnummer;Bezeichnung;Typ;Hersteller;')).toBe(true);
    const parsed = Papa.parse<string[]>(text.slice(1), { delimiter: ';', skipEmptyLines: true }).data;
    const inService = Number(
      (await app.services.db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'in_service').executeTakeFirstOrThrow()).n,
    );
    expect(parsed.length - 1).toBe(inService);
    // The formula in NEU-3's notes is defused.
    expect(parsed.find((r) => r[0] === 'NEU-3')![16]).toBe(`'=HYPERLINK("x")`);
    const en = await read((await registerCsv(app.services, user, { site: (await app.services.db.selectFrom('sites').select('id').where('name', '=', 'Klinikum Süd').executeTakeFirstOrThrow()).id }, 'en', translator('en'))).chunks);
    expect(en.startsWith('\ufeffInventory number,Designation,Type,Manufacturer,')).toBe(true);
    expect(Papa.parse<string[]>(en.slice(1), { skipEmptyLines: true }).data.slice(1).every((r) => r[8] === 'Klinikum Süd')).toBe(true);

    // Re-import under new inventory numbers: every field comes back as it was.
    const renamed = Papa.unparse(
      parsed.map((r, i) => (i === 0 ? r : [`RE-${r[0]}`, ...r.slice(1)])).filter((r, i) => i === 0 || !/^RE-race-/i.test(r[0]!)),
      { delimiter: ';' },
    );
    const up = await manager.imports.upload({ file: csvFile(`\ufeff${renamed}`, 'export.csv') });
    expect(up.suggested.filter(Boolean)).toHaveLength(17);
    const check = await manager.imports.check({ uploadId: up.uploadId, mapping: up.suggested });
    expect(check.problems).toEqual([]);
    const { importId } = await manager.imports.start({ uploadId: up.uploadId, mapping: up.suggested });
    await importFinished(app.services, importId);
    const raced = parsed.filter((r, i) => i > 0 && /^race-/i.test(r[0]!)).length;
    expect((await manager.imports.progress({ importId })).created).toBe(inService - raced);
    const cols = ['model_id', 'serial_number', 'lot_number', 'acquired_year', 'commissioned_on', 'site_id', 'department_id', 'room_id', 'udi_di', 'notified_body', 'device_class', 'ce_marked', 'notes'] as const;
    const all = await app.services.db.selectFrom('devices').select(['inventory_number', ...cols]).execute();
    const byInv = new Map(all.map((d) => [d.inventory_number, d]));
    for (const r of parsed.slice(1).filter((r) => !/^race-/i.test(r[0]!))) {
      const { inventory_number: _a, ...original } = byInv.get(r[0]!)!;
      const { inventory_number: _b, ...copy } = byInv.get(`RE-${r[0]}`)!;
      expect(copy).toEqual(original);
    }
  });
});
