import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '@medreg/core/testing';
import type { Dialect } from '@medreg/db';
import { testDialects } from '@medreg/db/testing';
import type { ZodType } from 'zod';
import { createApiApp, type ApiApp } from './app.js';
import { hostileInput } from './hostile.js';
import { callProcedure, leaksInternals, procedures, sessionCookies, writeState } from './test-client.js';

/**
 * Every procedure that takes input gets malformed, oversized, wrong-typed and boundary inputs derived from its
 * schema, over HTTP as an admin (who gets past every role check to the input checks). No answer may be a 5xx or
 * carry a stack trace or a source path, every refusal is a translated message, and a refused call changes
 * nothing (writeState: rows and stored files). HOSTILE_RUNS sets the cases per procedure (SQLite; PostgreSQL runs a tenth), HOSTILE_SEED another seed.
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 150);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261204);
/** Background work or no input to vary. */
const SKIP = new Set(['integrity.start', 'reminders.createToken']);

describe.each(testDialects)('hostile input on %s', (dialect: Dialect) => {
  let app: TestApp;
  let api: ApiApp;
  let cookie: string;

  beforeAll(async () => {
    app = await createTestApp(dialect);
    api = createApiApp(app.services);
    cookie = (await sessionCookies(app, ['admin'])).get('admin')!;
  }, 180_000);
  afterAll(() => app?.close());

  it('answers every hostile input with a clear refusal or a normal result, and a refusal changes nothing', { timeout: 900_000 }, async () => {
    const runs = dialect === 'sqlite' ? RUNS : Math.ceil(RUNS / 10);
    // The state after the last call: one look per case (an accepted call may write, and becomes the new baseline).
    let before = await writeState(app);
    let keptAliveAt = 0;
    let lastProblem = '';
    const statuses = new Map<number, number>();
    let cases = 0;
    const failures: string[] = [];
    for (const [path, proc] of Object.entries(procedures)) {
      if (SKIP.has(path) || proc._def.inputs.length === 0) continue;
      const arbitrary = hostileInput(proc._def.inputs[0] as ZodType);
      lastProblem = '';
      await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
          cases++;
          // Every request keeps its session alive, writing its last activity when the last write is a minute old
          // (idle-sessions.ts): writing it here every 30 s keeps that write out of the cases.
          if (Date.now() - keptAliveAt > 30_000) {
            keptAliveAt = Date.now();
            await app.services.db.updateTable('sessions').set({ last_active_at: new Date(keptAliveAt).toISOString() }).execute();
            before = await writeState(app);
          }
          const res = await callProcedure(api, cookie, path, input);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const problem = (msg: string) =>
            (lastProblem = `${path} ${msg} (status ${res.status}) for ${JSON.stringify(input)?.slice(0, 300)}: ${res.text.slice(0, 300)}`);
          if (res.status >= 500) throw new Error(problem('answered with a server error'));
          if (res.status === 200) {
            before = await writeState(app);
            return;
          }
          const error = res.body.error;
          if (!error) throw new Error(problem('refused without a tRPC error body'));
          const messages = [error.message, ...Object.values(error.data.fieldErrors ?? {})];
          for (const m of messages) {
            if (typeof m !== 'string' || m.trim() === '' || /^[a-z]\w*(\.\w+)+$/.test(m) || m.includes('{{')) throw new Error(problem(`gave an untranslated message "${m}"`));
          }
          if (leaksInternals(res.text)) throw new Error(problem('leaked internals'));
          const after = await writeState(app);
          if (after !== before) {
            const was = before;
            before = after;
            throw new Error(problem(`changed the database or the file store (${was} → ${after})`));
          }
        }),
        { numRuns: runs, seed: SEED, endOnFailure: true },
      ).catch((e: unknown) => failures.push(lastProblem || (e instanceof Error ? e.message.split('\n').slice(0, 8).join('\n') : String(e))));
    }
    console.log(`hostile input on ${dialect}: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures).toEqual([]);
    // The floor: at least 10,000 cases in CI (fast-check runs exactly numRuns per property that holds).
    if (dialect === 'sqlite' && !process.env.HOSTILE_RUNS) expect(cases).toBeGreaterThanOrEqual(10_000);
  });
});
