import { defineConfig } from 'vitest/config';

// poppler and zbar run as child processes per label slot: one file at a time, and room for a busy 2-core CI machine.
export default defineConfig({
  test: { testTimeout: 120_000, fileParallelism: false, isolate: false },
});
