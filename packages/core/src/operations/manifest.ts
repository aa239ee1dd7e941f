import { createHash } from 'node:crypto';
import { z } from 'zod';

/** The layout of a backup directory. */
export const MANIFEST_FILE = 'manifest.json';
export const SQLITE_SNAPSHOT = 'medreg.sqlite';
export const PG_DUMP = 'database.dump';
export const FILES_DIR = 'files';
export const AUTH_SECRET = 'auth-secret';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);

export const tableDigest = z.object({ rows: count, sha256 });
export type TableDigest = z.infer<typeof tableDigest>;
export type TableDigests = Record<string, TableDigest>;

/** manifest.json: what a backup holds, so a restore can prove it got all of it back. */
export const manifestSchema = z.object({
  format: z.literal('medreg-backup'),
  version: z.literal(1),
  createdAt: z.iso.datetime(),
  database: z.object({
    kind: z.enum(['sqlite', 'postgres']),
    /** The snapshot's file name inside the backup directory. */
    file: z.enum([SQLITE_SNAPSHOT, PG_DUMP]),
    bytes: count,
    /** SHA-256 of the snapshot file as written. */
    sha256,
    /** Where it came from, without credentials. */
    source: z.string(),
  }),
  /** Rows and a SHA-256 over the rows in key order, per table, read from the snapshot itself. */
  tables: z.record(z.string(), tableDigest),
  /** One hash over every table's digest. */
  contentSha256: sha256,
  /** The blobs the snapshot references (attachments, staged uploads), each verified by its SHA-256. */
  files: z.object({ count, bytes: count }),
  authSecret: z.boolean(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** One hash over all tables: name, row count and row hash of each, in name order. */
export function contentHash(tables: TableDigests): string {
  const h = createHash('sha256');
  for (const name of Object.keys(tables).sort()) h.update(`${name}\t${tables[name]!.rows}\t${tables[name]!.sha256}\n`);
  return h.digest('hex');
}

/** Where a restored database differs from the backup's manifest, one readable line per table. */
export function tableDifferences(expected: TableDigests, actual: TableDigests): string[] {
  const out: string[] = [];
  for (const name of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    const e = expected[name];
    const a = actual[name];
    if (!a) out.push(`table ${name}: in the backup, missing after the restore`);
    else if (!e) out.push(`table ${name}: not in the backup`);
    else if (e.rows !== a.rows) out.push(`table ${name}: ${e.rows} rows in the backup, ${a.rows} restored`);
    else if (e.sha256 !== a.sha256) out.push(`table ${name}: same ${a.rows} rows, different content`);
  }
  return out;
}
