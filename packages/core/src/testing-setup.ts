import type { TestProject } from 'vitest/node';
import type { Dialect } from '@medreg/db';
import { createTestDb, seedDay, testDialects, type TestDbTemplate } from '@medreg/db/testing';
import type { Services } from './context.js';
import { seedDemo } from './seed/demo.server.js';

/**
 * Vitest's global set-up for core and api: seeds the demo hospital once per dialect. Seeding it again for each of
 * about 90 test apps (46 files, two dialects) cost 1 to 6 s each on a busy 2-core CI host.
 */
export default async function setup(project: TestProject) {
  // Projects that extend the root config inherit this set-up: the root's run provides for all of them.
  const root = project.vitest.getRootProject();
  if (project !== root) return;
  const day = seedDay();
  const templates: Partial<Record<Dialect, TestDbTemplate>> = {};
  const drops: (() => Promise<void>)[] = [];
  const dropAll = async () => {
    for (const drop of drops) await drop();
  };
  try {
    for (const dialect of testDialects) {
      const db = await createTestDb(dialect);
      drops.push(db.drop);
      await seedDemo({ db: db.db, dialect, now: () => new Date() } as Services);
      templates[dialect] = dialect === 'sqlite' ? { sqliteFile: db.target } : { pgDatabase: db.target.slice(db.target.lastIndexOf('/') + 1) };
      // Closed: a SQLite file is then whole without its log, and PostgreSQL copies only a database nobody is connected to.
      await db.close();
    }
  } catch (e) {
    // Vitest runs no teardown for a set-up that failed.
    await dropAll();
    throw e;
  }
  for (const p of [root, ...project.vitest.projects]) p.provide('seededDemo', { day, templates });
  return dropAll;
}
