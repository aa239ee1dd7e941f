import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createPgDatabase, freePort, seedDay } from '@medreg/db/testing';
import { serve } from './serve.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data directory (and PostgreSQL database) holding the migrated demo hospital, seeded on `day`. */
    e2eTemplate: { dataDir: string; database?: string; day: string };
  }
}

/**
 * Migrates and seeds the demo hospital once per run; every spec's server starts on a copy (harness.ts). Seeding it
 * for each of the 22 specs again took 3 to 10 s of a busy CI host's two cores each time, in each pass.
 */
export default async function setup(project: TestProject) {
  const day = seedDay();
  const dataDir = mkdtempSync(join(tmpdir(), 'medreg-e2e-template-'));
  const pgDb = process.env.E2E_DATABASE === 'postgres' ? await createPgDatabase('medreg_e2e_template') : undefined;
  const remove = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await pgDb?.drop();
  };
  const port = String(await freePort());
  const server = serve({ PORT: port, DATA_DIR: dataDir, BASE_URL: `http://localhost:${port}`, DATABASE_URL: pgDb?.url ?? '' }, 1);
  try {
    await server.ready();
  } catch (e) {
    await server.stop();
    await remove();
    throw e;
  }
  await server.stop();
  project.provide('e2eTemplate', { dataDir, database: pgDb && new URL(pgDb.url).pathname.slice(1), day });
  return remove;
}
