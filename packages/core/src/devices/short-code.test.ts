import { describe, expect, it } from 'vitest';
import { deviceCodeFromScan, formatShortCode, newShortCode, parseShortCode } from './short-code.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('device short codes', () => {
  it('generates valid, unambiguous codes', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = newShortCode();
      expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      expect(parseShortCode(c)).toEqual({ ok: true, code: c });
      codes.add(c);
    }
    expect(codes.size).toBe(2000);
  });

  it('catches every single-character typo', () => {
    const code = newShortCode();
    for (let i = 0; i < code.length; i++)
      for (const ch of ALPHABET) {
        if (ch === code[i]) continue;
        const typo = code.slice(0, i) + ch + code.slice(i + 1);
        expect(parseShortCode(typo)).toEqual({ ok: false, reason: 'checksum' });
      }
  });

  it.each([
    ['', 'malformed'],
    ['ABC', 'malformed'],
    ['ABCDEFGHJ', 'malformed'],
    ['ABCD!FGH', 'malformed'],
    ['../../etc', 'malformed'],
  ])('refuses %j as %s', (input, reason) => {
    expect(parseShortCode(input)).toEqual({ ok: false, reason });
  });

  it('reads a hand-typed code leniently', () => {
    const code = newShortCode();
    const typed = formatShortCode(code).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    expect(parseShortCode(typed)).toEqual({ ok: true, code });
  });

  describe('what a scanned QR code points to', () => {
    const code = newShortCode();
    const typo = code.slice(0, 7) + (code[7] === '0' ? '1' : '0');
    it.each([
      [`http://localhost:3000/d/${code}`, code],
      [`https://medreg.klinikum.example/d/${code}/`, code],
      [`https://medreg.klinikum.example/d/${code.toLowerCase()}?utm=x`, code],
      [`  ${formatShortCode(code)}  `, code],
      [code, code],
      [`http://localhost:3000/d/${typo}`, null],
      [`http://localhost:3000/devices/${code}`, null],
      [`http://localhost:3000/d/${code}/inspect`, null],
      ['https://example.org/', null],
      ['WIFI:S:Station;T:WPA;P:secret;;', null],
      ['http://%zz', null],
      ['', null],
    ])('%s → %s', (text, expected) => {
      expect(deviceCodeFromScan(text)).toBe(expected);
    });
  });
});
