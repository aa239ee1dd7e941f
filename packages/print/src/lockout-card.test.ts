import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { translator } from '@medreg/i18n';
import { afterAll, describe, expect, it } from 'vitest';
import { renderLockoutCard, type LockoutCardData } from './index.js';
import { altTexts, fontsOf, rolesOf, run, structureOf, textOf, untaggedWords } from './testing.js';

// The card is checked with the same tools a person would trust: poppler reads the PDF, zbar scans the QR code.
const dir = mkdtempSync(join(tmpdir(), 'lockout-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(name: string, data: LockoutCardData): Promise<string> {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await renderLockoutCard(data));
  return file;
}

function infoOf(pdf: string) {
  const info = run('pdfinfo', pdf);
  return { pages: info.match(/^Pages:\s+(\d+)/m)?.[1], size: info.match(/^Page size:\s+(.+?) pts/m)?.[1] };
}

function scanQr(pdf: string): string {
  run('pdftoppm', '-r', '200', '-png', '-singlefile', pdf, pdf);
  return run('zbarimg', '--raw', '-q', `${pdf}.png`);
}

const card: LockoutCardData = {
  locale: 'de',
  size: 'A6',
  url: 'http://localhost:3000/d/ABCD1234',
  device: {
    inventoryNumber: 'MT-004711',
    designation: 'B. Braun Infusomat Space',
    type: 'Infusionspumpe, 8713050',
    serial: 'SN 12345678',
    location: 'Haus A / Station 3 / Raum 3.12',
    code: 'ABCD1234',
  },
  lock: {
    reason: 'Alarm für Luft im System löst nicht aus; Gehäuse nach Sturz gerissen.',
    incidentSuspected: true,
    lockedByName: 'Jürgen Müller',
    lockedByRole: 'Medizintechnik',
    lockedByPhone: '0221 478-1234',
    lockedAt: '12.03.2026, 14:35',
  },
};

describe('renderLockoutCard', () => {
  it('renders a German A6 card with the bilingual header, the incident warning and a scannable QR code', async () => {
    const pdf = await render('de-a6', card);

    expect(infoOf(pdf)).toEqual({ pages: '1', size: '297.64 x 419.53' });
    const text = textOf(pdf);
    for (const expected of [
      'GESPERRT – NICHT BENUTZEN',
      'LOCKED OUT – DO NOT USE',
      'MT-004711',
      card.lock.reason,
      'Jürgen Müller',
      '0221 478-1234',
      '12.03.2026, 14:35',
      translator('de')('card.incident'),
      'ABCD1234',
    ]) {
      expect(text).toContain(expected);
    }
    expect(scanQr(pdf)).toBe(`${card.url}\n`);
  });

  it('renders an English A5 card without the incident warning when none is suspected', async () => {
    const pdf = await render('en-a5', {
      ...card,
      locale: 'en',
      size: 'A5',
      url: 'http://localhost:3000/d/ZXCV9876',
      device: { ...card.device, serial: null, code: 'ZXCV9876' },
      lock: { ...card.lock, incidentSuspected: false, lockedByPhone: null },
    });

    expect(infoOf(pdf)).toEqual({ pages: '1', size: '419.53 x 595.28' });
    const text = textOf(pdf);
    for (const expected of ['GESPERRT – NICHT BENUTZEN', 'LOCKED OUT – DO NOT USE', 'Inventory no.', 'MT-004711', card.lock.reason, 'Jürgen Müller']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain(translator('en')('card.incident'));
    expect(text).not.toContain(translator('de')('card.incident'));
    expect(scanQr(pdf)).toBe('http://localhost:3000/d/ZXCV9876\n');
  });

  it('keeps a 400-character reason and long device data on one page, cut with an ellipsis', async () => {
    const reason = `Anfang ${'Pumpe fördert ungleichmäßig, Alarm bleibt stumm. '.repeat(8)}`.slice(0, 395) + ' ENDE';
    expect(reason).toHaveLength(400);
    for (const size of ['A6', 'A5'] as const) {
      const pdf = await render(`long-${size}`, {
        ...card,
        size,
        device: {
          ...card.device,
          designation: 'Drägerwerk AG & Co. KGaA Evita Infinity V500 Intensivbeatmungsgerät mit Neonatalmodul',
          // Longer than one line: the type number at its end must still be printed.
          type: 'Infusionspumpe (volumetrisch), Großvolumen 8713030-V2',
          location: 'Universitätsklinikum Köln, Herzzentrum, Gebäude 32, Ebene 4, Intensivstation 4B, Raum 4.117',
        },
        lock: { ...card.lock, reason, lockedByRole: 'Beauftragter für Medizinproduktesicherheit und Medizintechnik' },
      });

      expect(infoOf(pdf).pages).toBe('1');
      const text = textOf(pdf);
      expect(text).toContain('Anfang Pumpe fördert ungleichmäßig');
      expect(text).toContain('…');
      expect(text).not.toContain('ENDE');
      expect(text).toContain('0221 478-1234');
      expect(text).toContain('8713030-V2');
      expect(text).toContain('Unterschrift');
      expect(scanQr(pdf)).toBe(`${card.url}\n`);
    }
  });

  it('is a tagged PDF a screen reader reads in order: the warning as heading, every word, the QR code described', async () => {
    const pdf = await render('tagged', { ...card, locale: 'en' });

    expect(run('pdfinfo', pdf)).toMatch(/^Tagged:\s+yes$/m);
    const roles = rolesOf(pdf);
    expect(roles.slice(0, 3)).toEqual(['Document', 'H1', 'P']);
    expect(roles.filter((role) => role === 'Figure')).toHaveLength(1);
    expect(roles.filter((role) => role === 'H2')).toHaveLength(1);
    // Nothing printed is missing from the tree: the bands, boxes and lines are artifacts, the text is content.
    expect(untaggedWords(pdf)).toEqual([]);
    const tree = structureOf(pdf);
    // Reading order: identity, then the reason, then who locked it, then the release section.
    const at = (text: string) => tree.indexOf(text);
    expect(at('MT-004711')).toBeGreaterThan(at('LOCKED OUT – DO NOT USE'));
    expect(at(card.lock.reason)).toBeGreaterThan(at('MT-004711'));
    expect(at('Jürgen Müller')).toBeGreaterThan(at(card.lock.reason));
    expect(at('Signature')).toBeGreaterThan(at('Jürgen Müller'));
    expect(altTexts(pdf)).toEqual([translator('en')('card.qrAlt', { url: card.url })]);
    // The German warning is read as German in an English card.
    expect(readFileSync(pdf, 'latin1')).toMatch(/\/S \/H1[^>]*\/Lang \(de\)|\/Lang \(de\)[^>]*\/S \/H1/);
  });

  it('embeds the DejaVu fonts and no standard font', async () => {
    const fonts = fontsOf(await render('fonts', card));

    expect(fonts.map((font) => font.name?.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(fonts.every((font) => font.embedded === 'yes')).toBe(true);
  });
});
