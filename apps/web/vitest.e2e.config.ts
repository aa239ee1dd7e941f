import pg from 'pg';
import { defineConfig } from 'vitest/config';

// `E2E_DATABASE=postgres` runs the suite on PostgreSQL (harness.ts gives each server a fresh database on this
// server). Without one the run says so loudly and runs nothing; in CI (CI=1) that is an error, never a skip.
const testPgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let include = ['e2e/**/*.e2e.test.ts'];
if (process.env.E2E_DATABASE === 'postgres') {
  const client = new pg.Client({ connectionString: testPgUrl, connectionTimeoutMillis: 2000 });
  const reachable = await client.connect().then(
    () => true,
    () => false,
  );
  await client.end().catch(() => undefined);
  if (!reachable) {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but not reachable at ${testPgUrl}: the e2e suite cannot run on it`);
    console.warn(`\n*** PostgreSQL not reachable at ${testPgUrl}: the end-to-end tests on PostgreSQL did NOT run. ***\n`);
    include = [];
  }
}

export default defineConfig({
  test: {
    include,
    // Seeds the demo hospital once for the run's servers; nothing to seed when nothing runs.
    globalSetup: include.length ? ['e2e/global-setup.ts'] : [],
    passWithNoTests: include.length === 0,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // Spec files share loaded modules (playwright, the drivers, the harness); setup.ts gives each file its own hooks.
    isolate: false,
    setupFiles: ['e2e/setup.ts'],
    // A poll ends as soon as it holds; 1 s (Vitest's default) was too short for a photo's upload on a busy 2-core CI
    // host running two passes side by side.
    expect: { poll: { timeout: 15_000 } },
  },
});
