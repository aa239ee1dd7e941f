import { defineConfig } from 'vitest/config';

// Unit tests of the web app's server modules (plain TypeScript, no SvelteKit runtime); the end-to-end suite has its
// own configuration (vitest.e2e.config.ts) and runs against a built server.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'] },
});
