import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A progress report older than this belongs to a process that stopped: its work is over, whatever it said. */
export const STALE_PROGRESS_MS = 2 * 60_000;

/**
 * How far long-running work is (a CSV import, a logbook check), readable by every process of the app: the next poll
 * may reach another process (node:cluster) or another server sharing DATA_DIR. Not in the database: on SQLite an
 * import holds the write lock until it commits, so its progress could not be written there. One small JSON file per
 * piece of work under DATA_DIR/progress, replaced atomically (rename), with the time it was written.
 */
export class ProgressBoard {
  readonly root: string;
  #n = 0;
  constructor(dataDir: string) {
    this.root = resolve(dataDir, 'progress');
    mkdirSync(this.root, { recursive: true });
  }

  #path(kind: string, id: string) {
    if (!/^[a-z-]+$/.test(kind) || !/^[0-9a-zA-Z-]{1,64}$/.test(id)) throw new Error('invalid progress name');
    return join(this.root, `${kind}.${id}.json`);
  }

  write(kind: string, id: string, value: unknown): void {
    const target = this.#path(kind, id);
    const tmp = `${target}.${process.pid}.${++this.#n}.tmp`;
    writeFileSync(tmp, JSON.stringify({ at: Date.now(), value }));
    renameSync(tmp, target);
  }

  /** The last report, if it is recent (`STALE_PROGRESS_MS`). */
  read<T>(kind: string, id: string): T | null {
    try {
      const { at, value } = JSON.parse(readFileSync(this.#path(kind, id), 'utf8')) as { at: number; value: T };
      return Date.now() - at <= STALE_PROGRESS_MS ? value : null;
    } catch {
      return null; // not there, or removed between listing and reading
    }
  }

  /** The recent reports of one kind of work: what any process is running now. */
  running<T>(kind: string): T[] {
    const prefix = `${kind}.`;
    return readdirSync(this.root)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
      .map((f) => this.read<T>(kind, f.slice(prefix.length, -'.json'.length)))
      .filter((v): v is NonNullable<typeof v> => v !== null);
  }

  remove(kind: string, id: string): void {
    rmSync(this.#path(kind, id), { force: true });
  }
}
