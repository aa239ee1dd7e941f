import { defineConfig } from 'vitest/config';
// Room for a busy 2-core CI machine: core, api and print tests run side by side and render, decode and import at scale.

export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false, isolate: false },
});
