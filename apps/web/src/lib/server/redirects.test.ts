import { describe, expect, it } from 'vitest';
import { safeNext } from './redirects';

describe('safeNext', () => {
  it.each([
    ['/devices', '/devices'],
    ['/d/ABC?x=1#y', '/d/ABC?x=1#y'],
    ['/', '/'],
    ['/admin/privacy?q=m%C3%BCller&person=1', '/admin/privacy?q=m%C3%BCller&person=1'],
    ['/%2F/evil.com', '/%2F/evil.com'],
  ])('returns to the path %j', (next, expected) => {
    expect(safeNext(next, '/fallback')).toBe(expected);
  });

  it.each([
    ['//evil.com'],
    ['/\\evil.com'],
    ['/\\/evil.com'],
    ['\\/evil.com'],
    // `/%09/evil.com` and `/%0a/evil.com` in the query string, decoded: browsers drop the tab or newline.
    ['/\t/evil.com'],
    ['/\n/evil.com'],
    ['/\r/evil.com'],
    ['/\u0000/evil.com'],
    ['/\u007f/evil.com'],
    ['/ /evil.com'],
    ['/\u00a0/evil.com'],
    ['/devices\t'],
    ['https://evil.com'],
    ['http:/evil.com'],
    ['javascript:alert(1)'],
    [' /x'],
    ['\t/x'],
    ['x'],
    [''],
    [undefined],
    [null],
    [42],
    [['/devices']],
    [{ toString: () => '/devices' }],
  ])('refuses %j and gives the fallback', (next) => {
    expect(safeNext(next, '/fallback')).toBe('/fallback');
    expect(safeNext(next)).toBe('/');
  });
});
