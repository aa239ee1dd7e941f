import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { today, verifyAllChains } from '@medreg/core';
import { createDb, type Dialect } from '@medreg/db';
import { TEST_PG_URL, testDialects } from '@medreg/db/testing';
import { freePort } from '@medreg/db/testing';
import { signIn, startApiProcess, type ServerProcess } from './testing/server-process.js';

const CLIENTS = 50;
/** The server is killed once this many inspections were acknowledged, with the other clients' requests in flight. */
const KILL_AFTER = 80;

/** Values that pass the IEC 62353 form on a class I device with a CF applied part (as in inspections.test.ts). */
const good = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '10', functional: 'pass' };

type Trpc<T> = { result?: { data: T }; error?: { message: string; data?: { code: string } } };

/** A fresh PostgreSQL database on the test server; the API migrates and seeds it itself. */
async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `medreg_crash_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/**
 * A crash in the middle of concurrent writes: 50 clients record inspections through the HTTP API while another
 * process checks (and records checks of) the logbooks, the server is killed with SIGKILL while requests are in
 * flight and started again on the same data. Every write the server
 * acknowledged must be there, the database intact and every logbook chain unbroken; no client may ever have been
 * told the database was busy. Also with two server processes (MEDREG_PROCESSES=2), whose writes to the same
 * logbooks interleave and which die together.
 */
const runs = testDialects.flatMap((d) => [1, 2].map((processes) => [d, processes] as const));
describe.each(runs)('a server killed mid-stream on %s with %i process(es)', (dialect: Dialect, processes: number) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'medreg-crash-'));
  let pgDb: Awaited<ReturnType<typeof freshPgDatabase>> | undefined;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    await pgDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged inspection, an intact database and unbroken chains', async () => {
    if (dialect === 'postgres') pgDb = await freshPgDatabase();
    const env = { DATA_DIR: dataDir, MEDREG_PROCESSES: String(processes), ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) };
    const port = await freePort();
    server = await startApiProcess(env, port);
    const base = server.baseUrl;
    const cookie = await signIn(base, 'technik@demo.medreg', 'demo-passwort');
    const headers = { Cookie: cookie, 'Content-Type': 'application/json', 'Accept-Language': 'en' };
    const query = async <T>(path: string, input: unknown): Promise<T> => {
      const res = await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
      const body = (await res.json()) as Trpc<T>;
      if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
      return body.result.data;
    };

    // Class I devices with a CF applied part and the IEC 62353 test: the same valid values fit each of them.
    type Detail = { device: { id: string; status: string; protection_class: string | null; applied_part: string | null }; inspections: { id: string; code: string }[] };
    const list = await query<{ items: { id: string; status: string }[] }>('devices.list', { pageSize: 200 });
    const targets: { deviceId: string; inspectionTypeId: string }[] = [];
    for (const d of list.items.filter((x) => x.status === 'in_service')) {
      const detail = await query<Detail>('devices.get', { id: d.id });
      const el = detail.inspections.find((t) => t.code === 'EL-62353');
      if (el && detail.device.protection_class === 'I' && detail.device.applied_part === 'CF') targets.push({ deviceId: d.id, inspectionTypeId: el.id });
      if (targets.length === 10) break;
    }
    expect(targets.length, 'demo devices to inspect').toBeGreaterThanOrEqual(5);
    const instruments = await query<{ active: { id: string; serial_number: string }[] }>('instruments.list', undefined);
    const testInstrumentId = instruments.active.find((i) => i.serial_number === 'ESA615-4471023')!.id;

    // Several clients per device, so the same logbook chain is extended concurrently.
    const acknowledged = new Map<string, string>(); // submissionId -> entryId
    const refused: string[] = [];
    let killed = false;
    let killing: Promise<void> | undefined;
    const client = async (n: number) => {
      for (let i = 0; !killed; i++) {
        const target = targets[(n + i) % targets.length]!;
        const submissionId = crypto.randomUUID();
        const input = { ...target, performedOn: today(new Date()), result: 'passed', values: good, testInstrumentId, submissionId };
        let res: Response;
        try {
          res = await fetch(`${base}/trpc/inspections.record`, { method: 'POST', headers, body: JSON.stringify(input) });
        } catch {
          return; // the connection died with the server: not acknowledged
        }
        let text: string;
        try {
          text = await res.text();
        } catch {
          return;
        }
        if (killed) return; // a response that raced the kill does not count either way
        const body = JSON.parse(text) as Trpc<{ entryId: string }>;
        if (res.status === 200 && body.result) {
          acknowledged.set(submissionId, body.result.data.entryId);
          if (acknowledged.size >= KILL_AFTER && !killing) {
            killed = true;
            killing = server!.kill();
          }
        } else refused.push(`${res.status} ${text}`);
      }
    };
    // Meanwhile an operator checks the logbooks from another process (the test's), as `npm run verify-logbook` does:
    // a second writer on the same database (it records each check).
    const operator = createDb({ dataDir, databaseUrl: pgDb?.url });
    let checks = 0;
    const checking = (async () => {
      while (!killed) {
        await verifyAllChains(operator.db, { startedBy: null, now: () => new Date() });
        checks++;
        // On SQLite every await above resolves at once: without a pause this loop would starve the clients.
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(n)), checking]);
    await operator.close();
    await killing;
    expect(checks, 'logbook checks run alongside').toBeGreaterThan(0);
    expect(server.child.signalCode).toBe('SIGKILL');
    const firstLog = server.log();
    if (processes > 1) expect(firstLog).toContain(`with ${processes} processes`);

    expect(refused, `every request before the kill succeeded; the server said:\n${firstLog.slice(0, 3000)}`).toEqual([]);
    expect(firstLog).not.toMatch(/database is locked|SQLITE_BUSY/i);
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);

    // Started again on the same data: recovery, then the same answers as before the crash.
    server = await startApiProcess(env, port);
    const again = await signIn(base, 'technik@demo.medreg', 'demo-passwort');
    const [someSubmission, itsEntry] = [...acknowledged][0]!;
    const replay = await fetch(`${base}/trpc/inspections.record`, {
      method: 'POST',
      headers: { ...headers, Cookie: again },
      body: JSON.stringify({ ...targets[0]!, performedOn: today(new Date()), result: 'passed', values: good, testInstrumentId, submissionId: someSubmission }),
    });
    expect(((await replay.json()) as Trpc<{ entryId: string }>).result?.data.entryId, 'a form sent again after the restart').toBe(itsEntry);
    await server.stop();
    expect(server.log()).not.toMatch(/database is locked|SQLITE_BUSY/i);

    const database = createDb({ dataDir, databaseUrl: pgDb?.url });
    try {
      const { db } = database;
      const stored = new Map<string, string>();
      const ids = [...acknowledged.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db.selectFrom('logbook_entries').select(['submission_id', 'id']).where('submission_id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) stored.set(r.submission_id!, r.id);
      }
      const lost = [...acknowledged].filter(([s, entry]) => stored.get(s) !== entry);
      expect(lost, 'acknowledged inspections missing after the crash').toEqual([]);
      if (dialect === 'sqlite') {
        const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
        expect(check.rows.map((r) => r.integrity_check)).toEqual(['ok']);
      }
      const chains = await verifyAllChains(db, { startedBy: null, now: () => new Date() });
      expect(chains.devices).toBeGreaterThan(0);
      expect(chains.findings).toEqual([]);
      expect(chains.broken).toBe(0);
    } finally {
      await database.close();
    }
    // Two cold starts of the server (tsx, migrations, the demo seed) on a shared 2-core machine.
  }, 180_000);
});
