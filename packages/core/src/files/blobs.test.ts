import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import type { SessionUser } from '../context.js';
import { createTestApp, jpegWithGps, photo, type TestApp } from '../testing.js';
import { removeUnused } from './blobs.server.js';
import { withStoredPhotos } from './images.server.js';
import { stageUpload } from './staged.server.js';
import { FileStore } from './store.server.js';

/** A promise and the function that settles it: holds one write open while another runs. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};
/** Waits until `done()`: a write has stored its blobs once its callback runs. */
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
};

// Blobs are content-addressed: two people saving the same photo share one file. One save failing must not take it
// from the other, whichever finishes first.
describe.each(testDialects)('shared blobs on %s', (dialect) => {
  let app: TestApp;
  let user: SessionUser;
  let bytes: Uint8Array;

  beforeAll(async () => {
    app = await createTestApp(dialect);
    const id = await app.userId('technician');
    user = { id, name: 'T', email: 't@example.org', role: 'technician', phone: null, departmentIds: [] };
    bytes = await jpegWithGps();
  });
  afterAll(() => app.close());

  const stagedSha = async (id: string) =>
    (await app.services.db.selectFrom('staged_uploads').select('sha256').where('id', '=', id).executeTakeFirstOrThrow()).sha256;
  /** A save that stores the photo, waits for `until`, then fails. */
  const failingSave = (until: Promise<void>, seen: string[]) =>
    withStoredPhotos(app.services, [photo(bytes)], 'photo', async (attachments) => {
      seen.push(attachments[0]!.sha256);
      await until;
      throw new Error('the save failed');
    });

  it('keeps the file for a save that finished while a failing one held it', async () => {
    const first = gate();
    const seen: string[] = [];
    const failing = failingSave(first.opened, seen);
    await until(() => seen.length > 0); // the failing save has stored the blob and waits
    const staged = await stageUpload(app.services, user, photo(bytes));
    first.open();
    await expect(failing).rejects.toThrow('the save failed');
    const sha = await stagedSha(staged.id);
    expect(sha).toBe(seen[0]);
    expect(app.services.files.has(sha)).toBe(true);
  });

  it('keeps the file for a save still in progress when another one fails', async () => {
    const first = gate();
    const second = gate();
    const seen: string[] = [];
    const failing = failingSave(first.opened, seen);
    const id = crypto.randomUUID();
    let secondStored = false;
    const saving = withStoredPhotos(app.services, [photo(bytes)], 'photo', async ([a]) => {
      secondStored = true;
      await second.opened;
      await app.services.db
        .insertInto('staged_uploads')
        .values({ id, user_id: user.id, sha256: a!.sha256, preview_sha256: a!.preview_sha256, media_type: a!.media_type, size: a!.size, original_name: a!.original_name, created_at: new Date().toISOString() })
        .execute();
    });
    await until(() => seen.length > 0 && secondStored);
    // Start from a store without the blob, as if neither had been saved before.
    await app.services.db.deleteFrom('staged_uploads').where('sha256', '=', seen[0]!).execute();
    first.open();
    await expect(failing).rejects.toThrow('the save failed');
    expect(app.services.files.has(seen[0]!)).toBe(true);
    second.open();
    await saving;
    expect(await stagedSha(id)).toBe(seen[0]);
    expect(app.services.files.has(seen[0]!)).toBe(true);
  });

  it('removes the file of a failed save that nothing else uses', async () => {
    await app.services.db.deleteFrom('staged_uploads').execute();
    const first = gate();
    const seen: string[] = [];
    const failing = failingSave(first.opened, seen);
    first.open();
    await expect(failing).rejects.toThrow('the save failed');
    expect(app.services.files.has(seen[0]!)).toBe(false);
  });

  // Several processes (or servers) share one DATA_DIR: a hold must be seen by the others, not just by its own process.
  it('keeps the file for another process that holds it while a save fails', async () => {
    await app.services.db.deleteFrom('staged_uploads').execute();
    const other = new FileStore(dirname(app.services.files.root));
    const first = gate();
    const seen: string[] = [];
    const failing = failingSave(first.opened, seen);
    await until(() => seen.length > 0);
    const sha = seen[0]!;
    expect(other.put(app.services.files.read(sha))).toEqual({ sha256: sha, created: false });
    first.open();
    await expect(failing).rejects.toThrow('the save failed');
    expect(app.services.files.has(sha)).toBe(true);
    // Once the other process lets go and nothing uses the blob, it goes.
    other.release([sha]);
    expect(await removeUnused(app.services.db, app.services.files, [sha])).toEqual([sha]);
    expect(app.services.files.has(sha)).toBe(false);
  });

  it('keeps the file another process puts while the database is asked whether anything uses it', async () => {
    const { files } = app.services;
    const other = new FileStore(dirname(files.root));
    const { sha256: sha } = files.put(bytes);
    files.release([sha]);
    // After the remover first looked for holds, while it asks the database: the put must win.
    const removed = await files.removeUnless([sha], async () => {
      other.put(bytes);
      return new Set();
    });
    expect(removed).toEqual([]);
    expect(files.has(sha)).toBe(true);
    other.release([sha]);
    expect(await removeUnused(app.services.db, files, [sha])).toEqual([sha]);
    expect(files.has(sha)).toBe(false);
  });
});

describe('file store', () => {
  it('gives back a blob whose remover died after taking it away', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medreg-files-'));
    try {
      const files = new FileStore(dir);
      const { sha256: sha } = files.put(new TextEncoder().encode('a blob'));
      // What a remover does before it looks at the holds again; it never comes back to put the blob back itself.
      renameSync(files.path(sha), `${files.path(sha)}.elsewhere.1.2.doomed`);
      expect(files.count()).toBe(0);
      expect(files.read(sha).toString()).toBe('a blob');
      expect(files.count()).toBe(1);
      files.release([sha]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sweeps what crashed processes left a day ago, and nothing of saves in progress', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medreg-files-'));
    try {
      const files = new FileStore(dir);
      const [a, b, c] = ['left held', 'taken away', 'in progress'].map((t) => files.put(new TextEncoder().encode(t)).sha256) as [string, string, string];
      const aged = (path: string) => utimesSync(path, new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 2 * 86_400_000));
      const holds = join(dir, 'files', 'holds');
      const markerOf = (sha: string) => join(holds, readdirSync(holds).find((f) => f.startsWith(sha))!);
      // A dead process's hold on `a`, a dead remover's tombstone of `b`, a half-written temp file; `c` is held now.
      aged(markerOf(a));
      const tombstone = `${files.path(b)}.elsewhere.1.2.doomed`;
      renameSync(files.path(b), tombstone);
      aged(tombstone);
      const temp = `${files.path(c)}.elsewhere.3.tmp`;
      writeFileSync(temp, 'half');
      aged(temp);
      expect(files.sweep(86_400_000)).toEqual({ markers: 1, temps: 1, tombstones: 1 });
      expect(readdirSync(holds).map((f) => f.slice(0, 64)).sort()).toEqual([b, c].sort());
      expect(files.read(b).toString()).toBe('taken away');
      expect(existsSync(temp) || existsSync(tombstone)).toBe(false);
      expect(files.count()).toBe(3);
      expect(files.sweep(86_400_000)).toEqual({ markers: 0, temps: 0, tombstones: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
