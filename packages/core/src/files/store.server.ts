import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Content-addressed file store under DATA_DIR/files: a blob lives at files/ab/cdef… (its SHA-256).
 * Identical content is stored once; blobs are written atomically (temp file + rename).
 */
export class FileStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'files');
    mkdirSync(this.root, { recursive: true });
  }

  static hash(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('invalid blob id');
    return join(this.root, sha256.slice(0, 2), sha256.slice(2));
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** Writes a blob; returns its hash and whether it was new (so a failed transaction can remove it). */
  put(bytes: Uint8Array): { sha256: string; created: boolean } {
    const sha256 = FileStore.hash(bytes);
    const target = this.path(sha256);
    if (existsSync(target)) return { sha256, created: false };
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
    return { sha256, created: true };
  }

  read(sha256: string): Buffer {
    return readFileSync(this.path(sha256));
  }

  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
  }

  /** Number of blobs, for tests that check nothing was half-written. */
  count(): number {
    let n = 0;
    for (const dir of existsSync(this.root) ? readdir(this.root) : []) n += readdir(join(this.root, dir)).length;
    return n;
  }
}

function readdir(path: string): string[] {
  return readdirSync(path).filter((f) => !f.endsWith('.tmp'));
}
