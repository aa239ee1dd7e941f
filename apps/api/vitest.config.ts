import { defineConfig } from 'vitest/config';
// Room for a busy 2-core CI machine: core, api and print tests run side by side and render, decode and import at scale.

export default defineConfig({
  // The demo hospital, seeded once per dialect for every createTestApp of the run (as in core).
  test: { globalSetup: ['../../packages/core/src/testing-setup.ts'], testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false, isolate: false },
});
