import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import type { SessionUser } from '../context.js';
import { createTestApp, jpegWithGps, photo, type TestApp } from '../testing.js';
import { withStoredPhotos } from './images.server.js';
import { stageUpload } from './staged.server.js';

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
});
