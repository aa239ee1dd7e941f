import { defineConfig } from 'vitest/config';
// Room for a busy 2-core CI machine: core, api and print tests run side by side and render, decode and import at scale.
// Two files at a time: core has the most to run, and runs alone once api and print are done.

export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: true, maxWorkers: 2 },
});
