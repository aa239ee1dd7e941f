import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Content-addressed file store under DATA_DIR/files: a blob lives at files/ab/cdef… (its SHA-256).
 * Identical content is stored once; blobs are written atomically (temp file + rename).
 *
 * Identical content also means two uploads may share a blob while both are still being saved: if one save fails,
 * the blob must stay for the other. A `put` therefore holds the blob until its writer `release`s it, and a blob is
 * removed only through `removeUnless`, which gives up when anyone put it again in the meantime.
 */
export class FileStore {
  readonly root: string;
  /** Writes in progress that stored (or found) a blob, by hash. */
  private readonly holds = new Map<string, number>();
  /** Blobs about to be removed once the database says nothing uses them; a `put` takes a blob off this list. */
  private readonly doomed = new Set<string>();
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

  /** Writes a blob (or finds it there) and holds it for the caller until `release`. */
  put(bytes: Uint8Array): { sha256: string; created: boolean } {
    const sha256 = FileStore.hash(bytes);
    const target = this.path(sha256);
    this.holds.set(sha256, (this.holds.get(sha256) ?? 0) + 1);
    this.doomed.delete(sha256);
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

  /** Ends the caller's hold on blobs it `put` (after its write committed or failed). */
  release(sha256s: readonly string[]): void {
    for (const sha of sha256s) {
      const n = (this.holds.get(sha) ?? 0) - 1;
      if (n > 0) this.holds.set(sha, n);
      else this.holds.delete(sha);
    }
  }

  /**
   * Removes blobs unless a write holds them, `inUse` (asked after they were marked) names them, or one was put
   * again while `inUse` was being answered: the check and the removal cannot be raced by a concurrent upload.
   */
  async removeUnless(sha256s: readonly string[], inUse: (sha256s: string[]) => Promise<Set<string>>): Promise<string[]> {
    const candidates = [...new Set(sha256s)].filter((sha) => !this.holds.has(sha));
    for (const sha of candidates) this.doomed.add(sha);
    try {
      const used = await inUse(candidates);
      const removed = candidates.filter((sha) => this.doomed.has(sha) && !this.holds.has(sha) && !used.has(sha));
      for (const sha of removed) rmSync(this.path(sha), { force: true });
      return removed;
    } finally {
      for (const sha of candidates) this.doomed.delete(sha);
    }
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
