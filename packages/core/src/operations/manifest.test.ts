import { describe, expect, it } from 'vitest';
import { contentHash, manifestSchema, tableDifferences, type TableDigests } from './manifest.js';

const h = (c: string) => c.repeat(64);
const backup: TableDigests = { devices: { rows: 2, sha256: h('a') }, logbook_entries: { rows: 5, sha256: h('b') } };

describe('tableDifferences', () => {
  it.each<[string, TableDigests, string[]]>([
    ['identical', { ...backup }, []],
    ['a row less', { ...backup, logbook_entries: { rows: 4, sha256: h('c') } }, ['table logbook_entries: 5 rows in the backup, 4 restored']],
    ['same count, other content', { ...backup, devices: { rows: 2, sha256: h('d') } }, ['table devices: same 2 rows, different content']],
    ['a table missing', { devices: backup.devices! }, ['table logbook_entries: in the backup, missing after the restore']],
    ['a table too many', { ...backup, extra: { rows: 0, sha256: h('e') } }, ['table extra: not in the backup']],
  ])('%s', (_, restored, expected) => {
    expect(tableDifferences(backup, restored)).toEqual(expected);
  });
});

describe('contentHash', () => {
  it('does not depend on the order the tables were read in, but on every count and hash', () => {
    const reversed = { logbook_entries: backup.logbook_entries!, devices: backup.devices! };
    expect(contentHash(reversed)).toBe(contentHash(backup));
    expect(contentHash({ ...backup, devices: { rows: 3, sha256: h('a') } })).not.toBe(contentHash(backup));
    expect(contentHash({ ...backup, devices: { rows: 2, sha256: h('f') } })).not.toBe(contentHash(backup));
  });
});

describe('manifestSchema', () => {
  const valid = {
    format: 'medreg-backup',
    version: 1,
    createdAt: '2026-12-04T02:15:00.000Z',
    database: { kind: 'sqlite', file: 'medreg.sqlite', bytes: 4096, sha256: h('a'), source: '/srv/medreg/data/medreg.sqlite' },
    tables: backup,
    contentSha256: contentHash(backup),
    files: { count: 3, bytes: 1200 },
    authSecret: true,
  };
  it.each<[string, unknown, boolean]>([
    ['a manifest as written', valid, true],
    ['another format', { ...valid, format: 'tar' }, false],
    ['a newer version', { ...valid, version: 2 }, false],
    ['a snapshot file outside the backup', { ...valid, database: { ...valid.database, file: '../medreg.sqlite' } }, false],
    ['a hash that is not SHA-256', { ...valid, contentSha256: 'abc' }, false],
    ['negative rows', { ...valid, tables: { devices: { rows: -1, sha256: h('a') } } }, false],
  ])('%s', (_, input, ok) => {
    expect(manifestSchema.safeParse(input).success).toBe(ok);
  });
});
