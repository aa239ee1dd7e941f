import { describe, expect, it, onTestFailed } from 'vitest';
import { testDialects } from '@medreg/db/testing';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTable, runHttpBench } from './http-bench.js';
import { inProcessBench } from './in-process.js';

/**
 * The HTTP benchmark at a small size, so that `npm test` notices when it breaks (a renamed procedure, a changed
 * input, a server that no longer starts). It asserts that every scenario ran without errors and that every floor
 * was measured, never how fast anything was: timings belong to `npm run bench`, on a quiet machine.
 */
describe.each(testDialects)('the HTTP benchmark at 2,000 devices on %s', (dialect) => {
  it('generates the group, signs everyone in and runs every scenario through the API without an error', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    onTestFailed(() => console.log(lines.join('\n')));
    const { rows, generation } = await runHttpBench({
      devices: 2000, users: 300, entries: 6000, instructions: 2000, concurrency: 4, seconds: 0.5, importRows: 50, dialects: [dialect], sites: 2, wardsPerSite: 10,
      keep: dialect === 'sqlite',
      log: (l) => lines.push(l),
    });
    expect(generation[0]!.rows).toMatchObject({ devices: 2000, logbook_entries: 6000 });
    const scenarios = rows.map((r) => r.scenario);
    for (const name of ['transport floor', 'device page', 'verdict', 'search', 'due list', 'record an inspection', 'lock-out card', 'label sheets', 'import'])
      expect(scenarios.some((s) => s.startsWith(name) || s.includes(name)), `${name} in ${scenarios.join(', ')}`).toBe(true);
    for (const r of rows) {
      expect({ scenario: r.scenario, errors: r.errors, firstError: r.firstError }).toEqual({ scenario: r.scenario, errors: 0, firstError: null });
      expect(r.ops, r.scenario).toBeGreaterThan(0);
      if (!r.scenario.startsWith('transport')) {
        expect(r.sqlP95, r.scenario).toBeGreaterThan(0);
        expect(r.ratio, r.scenario).toBeGreaterThan(0);
        expect(r.targets.length, r.scenario).toBeGreaterThan(0);
      }
    }
    // The server's memory and CPU time are read from /proc on Linux.
    if (process.platform === 'linux') {
      expect(rows.every((r) => (r.peakRssMiB ?? 0) > 20)).toBe(true);
      expect(rows.every((r) => r.cpuMsPerOp !== null && r.cpuMsPerOp >= 0)).toBe(true);
    }
    expect(formatTable(rows).split('\n')).toHaveLength(rows.length + 2);

    // The in-process figures (`npm run bench:in-process`) on the database the run kept.
    if (dialect === 'sqlite') {
      const kept = lines.map((l) => /kept (.+\.sqlite)$/.exec(l)?.[1]).find(Boolean)!;
      try {
        const f = await inProcessBench(kept, 20);
        expect(f.page.cpuMs).toBeGreaterThan(0);
        expect(f.page.jsonBytes).toBeGreaterThan(1000);
        expect(f.record.cpuMs).toBeGreaterThan(0);
        // Every inspection writes its entry, so the log holds pages of the logbook table.
        expect(f.logPagesByTree.find(([tree]) => tree === 'logbook_entries')?.[1]).toBeGreaterThan(0);
      } finally {
        rmSync(dirname(kept), { recursive: true, force: true });
      }
    }
  });
});
