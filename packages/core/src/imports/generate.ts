import { models as deviceModels, sites } from '../seed/catalog.js';

/**
 * A German-Excel-like CSV of `n` devices of the demo hospital's models and wards (for the 100,000-row test and
 * the benchmark): semicolons, German dates, every column filled in.
 */
export function generatedRegisterCsv(n: number, prefix = 'GEN'): string {
  const wards = sites.flatMap((s) => s.wards.map((w, i) => ({ site: s.name, ward: w, rooms: [1, 2, 3, 4].map((r) => `Raum ${i + 1}.0${r}`) })));
  const lines = ['Inventarnummer;Hersteller;Bezeichnung;Typ;Seriennummer;Charge/Los;Standort;Gebäude;Station;Raum;Inbetriebnahme;Anschaffungsjahr;UDI-DI;Benannte Stelle;Klasse;CE;Bemerkung'];
  for (let i = 0; i < n; i++) {
    const m = deviceModels[i % deviceModels.length]!;
    const w = wards[i % wards.length]!;
    const year = 2010 + (i % 15);
    const date = `${String(1 + (i % 28)).padStart(2, '0')}.${String(1 + (i % 12)).padStart(2, '0')}.${year}`;
    lines.push(
      [
        `${prefix}-${String(i + 1).padStart(6, '0')}`,
        m.manufacturer,
        m.name,
        m.type,
        `SN${(i * 7919) % 10_000_000}`,
        i % 10 === 0 ? `LOT-${i % 97}` : '',
        w.site,
        'Haus A',
        w.ward,
        w.rooms[i % 4],
        date,
        String(year),
        i % 3 === 0 ? `0${4046963}${String(i).padStart(7, '0')}` : '',
        m.deviceClass === 'I' ? '' : '0123',
        m.deviceClass,
        'ja',
        i % 5 === 0 ? 'Übernommen aus Altbestand' : '',
      ].join(';'),
    );
  }
  return lines.join('\r\n');
}
