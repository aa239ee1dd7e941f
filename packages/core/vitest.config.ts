import { configDefaults, defineConfig } from 'vitest/config';
// Room for a busy 2-core CI machine: core, api and print tests run side by side and render, decode and import at scale.
// Two files at a time: core has the most to run, and runs alone once api and print are done.
// Files share a worker's modules (isolate: false): loading the app's modules again for each of 40 files was most of
// the suite's time. Every file opens its own databases; the one that mocks a module runs apart.
const mocks = ['src/imports/codes.test.ts'];

export default defineConfig({
  test: {
    // The demo hospital, seeded once per dialect for every createTestApp of the run.
    globalSetup: ['src/testing-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'core', isolate: false, exclude: [...configDefaults.exclude, ...mocks] } },
      { extends: true, test: { name: 'core, isolated', include: mocks } },
    ],
  },
});
