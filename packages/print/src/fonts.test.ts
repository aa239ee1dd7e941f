import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOLD, openDocument, REGULAR } from './fonts.js';
import { textOf } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'medreg-fonts-'));

async function pdfWith(text: string, name: string): Promise<string> {
  const { doc, done } = openDocument({ size: 'A6' });
  doc.font(REGULAR).text(text).font(BOLD).text(text);
  doc.end();
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, await done);
  return file;
}

/** The fonts are decoded once per process and shared; every document's text must still read back exactly. */
describe('fonts shared between documents', () => {
  it('a document reads back right after another that reached its glyphs only through composites', async () => {
    // "ä", "ö", "ü" are built from the glyphs of "a", "o", "u": the first document reaches those only as parts.
    await pdfWith('Gerät für Böden', 'composites');
    expect(textOf(await pdfWith('Metrological control of a thermometer, out of use', 'plain'))).toMatch(
      /Metrological control of a thermometer, out of use\s+Metrological control of a thermometer, out of use/,
    );
  });
  it('documents made at the same time keep their own text', async () => {
    const texts = ['Prüfung nach § 11 MPBetreibV', 'Messtechnische Kontrolle', 'Außer Betrieb – nicht benutzen', 'Sicherheitstechnische Kontrolle'];
    const files = await Promise.all(texts.map((t, i) => pdfWith(t, `parallel-${i}`)));
    files.forEach((f, i) => expect(textOf(f).replace(/\s+/g, ' ').trim()).toBe(`${texts[i]} ${texts[i]}`));
  });
});
