import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Content-addressed file store under DATA_DIR/files: a blob lives at files/ab/cdef… (its SHA-256).
 * Identical content is stored once; blobs are written atomically (temp file + rename).
 *
 * Identical content also means two uploads may share a blob while both are still being saved: if one save fails,
 * the blob must stay for the other, which may run in another process or on another server sharing DATA_DIR. A `put`
 * therefore holds the blob with a marker file in files/holds until its writer `release`s it, and a blob is removed
 * only through `removeUnless`, which gives up when anyone holds it (see there why that cannot be raced).
 *
 * A process that dies holding a blob leaves its marker, and the blob is kept until `sweep` removes the marker a day
 * later: at worst an unused blob.
 * Only blobs (two hex digits / 62 hex digits) are the store's content: markers, tombstones (`*.doomed`, a removal in
 * progress) and temp files (`*.tmp`) are not, and whatever walks the store must skip them.
 */
export class FileStore {
  readonly root: string;
  private readonly holdsDir: string;
  /** Names this instance's markers, temp files and tombstones apart from any other process's, even a reused pid's. */
  private readonly tag = `${hostname().replace(/[^\w-]/g, '_')}.${process.pid}.${randomBytes(4).toString('hex')}`;
  private serial = 0;
  /** This instance's markers by hash, one per `put` not yet released. */
  private readonly markers = new Map<string, string[]>();
  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'files');
    this.holdsDir = join(this.root, 'holds');
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
    return existsSync(this.path(sha256)) || this.revive(sha256);
  }

  /** Holds the blob for the caller until `release`, then writes it unless it is there (the order `removeUnless` relies on). */
  put(bytes: Uint8Array): { sha256: string; created: boolean } {
    const sha256 = FileStore.hash(bytes);
    const target = this.path(sha256);
    const marker = join(this.holdsDir, `${sha256}.${this.unique()}`);
    try {
      writeFileSync(marker, '', { flag: 'wx' });
    } catch (e) {
      if (!missing(e)) throw e;
      // Made on first use, not in the constructor: a store that never stored anything stays an empty directory.
      mkdirSync(this.holdsDir, { recursive: true });
      writeFileSync(marker, '', { flag: 'wx' });
    }
    try {
      if (existsSync(target)) return this.held(sha256, marker, false);
      mkdirSync(dirname(target), { recursive: true });
      const tmp = `${target}.${this.unique()}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, target);
      return this.held(sha256, marker, true);
    } catch (e) {
      rmSync(marker, { force: true });
      throw e;
    }
  }

  read(sha256: string): Buffer {
    try {
      return readFileSync(this.path(sha256));
    } catch (e) {
      if (missing(e) && this.revive(sha256)) return readFileSync(this.path(sha256));
      throw e;
    }
  }

  /**
   * Ends the caller's hold on blobs it `put` (after its write committed or failed): one marker of this instance per
   * hash listed. Markers of one instance are alike, so which one goes does not matter; other processes' never go.
   */
  release(sha256s: readonly string[]): void {
    for (const sha of sha256s) {
      const mine = this.markers.get(sha);
      const marker = mine?.pop();
      if (!mine?.length) this.markers.delete(sha);
      if (marker) rmSync(marker, { force: true });
    }
  }

  /**
   * Removes blobs unless someone holds them or `inUse` (asked after the holds were looked at) names them.
   *
   * Why a `put` in any process cannot lose its blob: a blob is never deleted under its name, only renamed to a
   * tombstone, and the holds are looked at again after that rename; a `put` makes its marker before it looks for the
   * blob. So a `put` whose marker was there at that second look gets the blob renamed back, and one whose marker came
   * later looked for the blob after the rename, found it missing and wrote it again. The tombstone is deleted only if
   * no hold appeared. Until the blob is back (or if this process dies before it is), `has` and `read` revive the
   * tombstone themselves for whoever asks for the blob.
   * On NFS this holds only if each server sees the others' creates and renames at once: mount DATA_DIR without
   * attribute and lookup caching (actimeo=0,lookupcache=none), or a cached listing may miss a marker.
   */
  async removeUnless(sha256s: readonly string[], inUse: (sha256s: string[]) => Promise<Set<string>>): Promise<string[]> {
    const heldBefore = this.heldHashes();
    const candidates = [...new Set(sha256s)].filter((sha) => !heldBefore.has(sha));
    if (candidates.length === 0) return [];
    const used = await inUse(candidates);
    // Looked at again: a `put` since the first look has most likely found the blob, and should not see it go even for a moment.
    const heldNow = this.heldHashes();
    const tombstones = new Map<string, string>();
    for (const sha of candidates) {
      if (used.has(sha) || heldNow.has(sha)) continue;
      const tombstone = `${this.path(sha)}.${this.unique()}.doomed`;
      try {
        renameSync(this.path(sha), tombstone);
        tombstones.set(sha, tombstone);
      } catch (e) {
        if (!missing(e)) throw e; // already gone: someone else removed it
      }
    }
    const removed: string[] = [];
    let heldAfter: Set<string> | undefined;
    try {
      heldAfter = this.heldHashes();
    } finally {
      // Without a second look (it failed), every blob stays.
      for (const [sha, tombstone] of tombstones) {
        if (heldAfter && !heldAfter.has(sha)) {
          if (deleted(tombstone)) removed.push(sha);
        } else this.restore(sha, tombstone);
      }
    }
    return removed;
  }

  /**
   * What crashed processes left behind, older than `olderThanMs` (the hourly job: a day): their hold markers and temp
   * files go, and a tombstone goes if its blob is there, else it becomes the blob again (nobody decided it unused).
   * No save holds a blob or writes a file for a day, so nothing in progress is touched.
   */
  sweep(olderThanMs: number): { markers: number; temps: number; tombstones: number } {
    const cutoff = Date.now() - olderThanMs;
    const old = (path: string) => {
      try {
        return statSync(path).mtimeMs < cutoff;
      } catch {
        return false;
      }
    };
    const swept = { markers: 0, temps: 0, tombstones: 0 };
    for (const f of existsSync(this.holdsDir) ? readdirSync(this.holdsDir) : [])
      if (old(join(this.holdsDir, f)) && deleted(join(this.holdsDir, f))) swept.markers++;
    const dirs = existsSync(this.root) ? readdirSync(this.root).filter((d) => /^[0-9a-f]{2}$/.test(d)) : [];
    for (const dir of dirs)
      for (const f of readdirSync(join(this.root, dir))) {
        const path = join(this.root, dir, f);
        if (!old(path)) continue;
        if (f.endsWith('.tmp')) {
          if (deleted(path)) swept.temps++;
        } else if (f.endsWith('.doomed')) {
          this.restore(`${dir}${f.slice(0, 62)}`, path);
          swept.tombstones++;
        }
      }
    return swept;
  }

  /** Number of blobs, for tests that check nothing was half-written. */
  count(): number {
    let n = 0;
    const dirs = existsSync(this.root) ? readdirSync(this.root).filter((d) => /^[0-9a-f]{2}$/.test(d)) : [];
    for (const dir of dirs) n += readdirSync(join(this.root, dir)).filter((f) => /^[0-9a-f]{62}$/.test(f)).length;
    return n;
  }

  private unique(): string {
    return `${this.tag}.${++this.serial}`;
  }

  private held(sha256: string, marker: string, created: boolean) {
    const mine = this.markers.get(sha256) ?? [];
    mine.push(marker);
    this.markers.set(sha256, mine);
    return { sha256, created };
  }

  /** Hashes that any process holds now. */
  private heldHashes(): Set<string> {
    return new Set(existsSync(this.holdsDir) ? readdirSync(this.holdsDir).map((f) => f.slice(0, 64)) : []);
  }

  /** Puts a tombstone back as the blob; if the blob was written again meanwhile (same bytes), the tombstone just goes. */
  private restore(sha256: string, tombstone: string): void {
    const target = this.path(sha256);
    try {
      if (existsSync(target)) unlinkSync(tombstone);
      else renameSync(tombstone, target);
    } catch (e) {
      if (!missing(e)) throw e; // someone else restored it first
    }
  }

  /** A missing blob whose tombstone is still there: its remover died mid-way or is still deciding; the blob is wanted. */
  private revive(sha256: string): boolean {
    const target = this.path(sha256);
    const dir = dirname(target);
    const prefix = `${basename(target)}.`;
    const tombstone = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.doomed')) : undefined;
    if (tombstone) this.restore(sha256, join(dir, tombstone));
    return existsSync(target);
  }
}

const missing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Deletes a file; false if it was gone already (a reader revived the blob from it). */
function deleted(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if (missing(e)) return false;
    throw e;
  }
}
