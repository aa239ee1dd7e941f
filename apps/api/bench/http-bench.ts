/**
 * The benchmark through the real HTTP API: a generated hospital group, the API server in a child process, and
 * concurrent clients that sign in like people do and measure p50/p95/p99 and throughput per scenario. Next to
 * each scenario two floors: the SQL the same procedure issues, captured in-process and replayed straight through
 * the driver (better-sqlite3 or pg, prepared once, no Kysely, no JS logic), and a bare route on the same server
 * (`/bench/fixed`, only in the bench server) measured with the same clients. `http.bench.ts` is the command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, totalmem, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { createCaller, labelData, lockoutCardData, today, type Services, type SessionUser } from '@medreg/core';
import { checkRows, FileStore, generateHospitalGroup, groupCsv, parseCsv, writeDevices, type Account, type HospitalGroup } from '@medreg/core/bench';
import { createDb, migrateToLatest, pgTypes, type Database, type Dialect } from '@medreg/db';
import { createPgDatabase, freePort, processWithChildren } from '@medreg/db/testing';
import { translator } from '@medreg/i18n';

export interface BenchOptions {
  devices: number;
  users: number;
  entries: number;
  instructions: number;
  /** Clients in flight at once (the import runs alone: one at a time is what the app allows). */
  concurrency: number;
  /** Measuring time per scenario, after a warm-up of a fifth of it. */
  seconds: number;
  /** Rows of each CSV import through the API. */
  importRows: number;
  dialects: Dialect[];
  /** The group's shape (default 10 sites of 30 wards). */
  sites?: number;
  wardsPerSite?: number;
  /** Keep the generated database (SQLite file under /tmp, or the PostgreSQL database) and print where. */
  keep?: boolean;
  /** Only the scenarios whose name contains one of these (case-insensitive); all when empty. */
  scenarios?: string[];
  /** Server processes on the port (node:cluster, MEDREG_PROCESSES); 1 by default. */
  processes?: number;
  log?: (line: string) => void;
}

export interface Row {
  dialect: Dialect;
  scenario: string;
  concurrency: number;
  ops: number;
  errors: number;
  firstError: string | null;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** HTTP requests one operation makes (a page is two, an import polls). */
  requestsPerOp: number;
  sqlP95: number | null;
  /** The bare route's p95 with the scenario's clients, times requests per operation. */
  transportP95: number | null;
  /** p95 / (SQL p95 + transportP95): under load, where every latency includes the queue. */
  ratioUnderLoad: number | null;
  /** p95 of the same operation from one client, and the bare route's from one client (× requests per op). */
  aloneP95: number | null;
  aloneTransportP95: number | null;
  /** aloneP95 / (SQL p95 + aloneTransportP95): what the API adds to one request; the target's ratio. */
  ratio: number | null;
  /**
   * CPU time of the server process per operation under load: on a shared machine the best measure of cost, as
   * 1000 / cpuMsPerOp is what one free core would serve per second.
   */
  cpuMsPerOp: number | null;
  /**
   * CPU time of the measuring client (this process) per operation: on the same cores as the server, it bounds
   * what the machine can serve to these clients; phones and browsers would bring their own CPUs.
   */
  clientCpuMsPerOp: number | null;
  /** Peak resident memory of the server process during the scenario (VmHWM after a reset), MiB. */
  peakRssMiB: number | null;
  targets: { label: string; pass: boolean }[];
}

export interface BenchResult {
  rows: Row[];
  generation: { dialect: Dialect; seconds: number; rows: Record<string, number> }[];
}

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

// --- the SQL floor: capture what a procedure runs, replay it through the bare driver -------------------------

interface Captured {
  sql: string;
  params: readonly unknown[];
}
/** Transaction statements of the captured code run as a savepoint inside the capture's own transaction, which is rolled back. */
const TX = /^\s*(begin|commit|rollback|savepoint|release)\b/i;
const nested = (sql: string) => sql.replace(/^\s*begin\b.*$/i, 'savepoint bench_capture').replace(/^\s*commit\b.*$/i, 'release bench_capture').replace(/^\s*rollback\s*$/i, 'rollback to bench_capture');

/**
 * Statements to run again. Reads repeat. Writes run once, committed: a write's floor includes making it durable,
 * which the app's commit does too, and a second run of the same inserts would break their unique keys.
 */
interface Replay {
  writes: boolean;
  run(): unknown;
}

interface Floor {
  db: Kysely<Database>;
  /** Runs `fn` (procedures on `db`) inside a transaction that is rolled back; returns the statements it ran. */
  capture(fn: () => Promise<unknown>): Promise<Captured[]>;
  /** These statements prepared once, the writes among them inside one transaction. */
  replayer(queries: Captured[]): Promise<Replay>;
  close(): Promise<void>;
}

function sqliteFloor(file: string): Floor {
  const raw = new SQLite(file);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  // As the app's connection (createDb): a commit writes the log without waiting for the disk; a 64 MB page cache.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('cache_size = -65536');
  const log: Captured[] = [];
  let capturing = false;
  const proxy = new Proxy(raw, {
    get(target, p) {
      if (p === 'prepare') return (sql: string) => target.prepare(nested(sql));
      const v = Reflect.get(target, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const onLog = (e: LogEvent) => {
    if (capturing && e.level === 'query') log.push({ sql: e.query.sql, params: e.query.parameters });
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: proxy }), log: onLog });
  return {
    db,
    async capture(fn) {
      log.length = 0;
      raw.exec('begin');
      capturing = true;
      try {
        await fn();
      } finally {
        capturing = false;
        raw.exec('rollback');
      }
      return [...log];
    },
    async replayer(queries) {
      const stmts = queries.filter((q) => !TX.test(q.sql)).map((q) => ({ stmt: raw.prepare(q.sql), params: q.params as unknown[] }));
      const writes = stmts.some((s) => !s.stmt.reader);
      return {
        writes,
        run: () => {
          if (writes) raw.exec('begin');
          for (const s of stmts) if (s.stmt.reader) s.stmt.all(s.params);
            else s.stmt.run(s.params);
          if (writes) raw.exec('commit');
        },
      };
    },
    close: () => db.destroy(),
  };
}

async function postgresFloor(url: string): Promise<Floor> {
  const client = new pg.Client({ connectionString: url, types: pgTypes() });
  await client.connect();
  const log: Captured[] = [];
  let capturing = false;
  // One client for capture and replay (a transaction spans both); queries that the code runs side by side queue.
  let queue: Promise<unknown> = Promise.resolve();
  const query = (sql: string, params: unknown[]) => {
    const next = queue.then(() => client.query(nested(sql), params));
    queue = next.catch(() => undefined);
    return next;
  };
  const pool = {
    connect: async () => ({ query, release: () => {} }),
    end: async () => {},
  };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: pool as never }),
    log: (e) => {
      if (capturing && e.level === 'query') log.push({ sql: e.query.sql, params: e.query.parameters });
    },
  });
  const names = new Map<string, string>();
  return {
    db,
    async capture(fn) {
      log.length = 0;
      await client.query('begin');
      capturing = true;
      try {
        await fn();
      } finally {
        capturing = false;
        await client.query('rollback');
      }
      return [...log];
    },
    async replayer(queries) {
      const stmts = queries.filter((q) => !TX.test(q.sql));
      const writes = stmts.some((q) => !/^\s*(select|with)\b/i.test(q.sql));
      const named = stmts.map((q) => {
        let name = names.get(q.sql);
        if (!name) names.set(q.sql, (name = `bench_${names.size}`));
        return { name, text: q.sql, values: q.params as unknown[] };
      });
      return {
        writes,
        run: async () => {
          if (writes) await client.query('begin');
          for (const q of named) await client.query(q);
          if (writes) await client.query('commit');
        },
      };
    },
    close: async () => {
      await client.end();
    },
  };
}

/**
 * The p95 of a scenario's SQL. Reads: ten samples replayed round-robin for about `ms` milliseconds (at least 5 runs
 * each). Writes: each sample captured and at once replayed, committed, once (the capture sees the writes before it);
 * the first tenth warms the statements and the cache.
 */
async function floorP95(floor: Floor, sample: (n: number) => Promise<unknown>, o: { samples: number; writeSamples: number; ms: number }): Promise<number> {
  const replay = (n: number) => floor.capture(() => sample(n * 17)).then((q) => floor.replayer(q));
  const first = await replay(0);
  const times: number[] = [];
  const timed = async (r: Replay) => {
    const t0 = performance.now();
    await r.run();
    times.push(performance.now() - t0);
  };
  if (first.writes) {
    await first.run();
    const warm = Math.ceil(o.writeSamples / 10);
    for (let n = 1; n <= warm + o.writeSamples; n++) {
      const r = await replay(n);
      if (n <= warm) await r.run();
      else await timed(r);
    }
  } else {
    const replays = [first];
    for (let n = 1; n < o.samples; n++) replays.push(await replay(n));
    for (const r of replays) await r.run(); // warm the statements and the cache
    const end = performance.now() + o.ms;
    for (let i = 0; performance.now() < end || i < replays.length * 5; i++) {
      await timed(replays[i % replays.length]!);
      if (times.length >= 20_000) break;
    }
  }
  return quantile(times.sort((a, b) => a - b), 0.95);
}

// --- HTTP clients ----------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: Buffer;
  cookies: string[];
}

/**
 * One person's browser: its own keep-alive connection from its own loopback address (127.0.0.x), so that the
 * sign-in rate limit (per client address) treats every client as the separate phone it stands for.
 */
class Client {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  cookie = '';
  constructor(
    readonly port: number,
    readonly localAddress: string,
    readonly account: Account,
  ) {}

  /**
   * One request. A kept-alive connection that the server closed just as the request went out (its idle timer
   * fired) is retried once on a new one, as browsers do; Node's documentation recommends the same.
   */
  async send(method: 'GET' | 'POST', path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    try {
      return await this.once(method, path, body, headers);
    } catch (e) {
      if (!(e as { reused?: boolean }).reused) throw e;
      return this.once(method, path, body, headers);
    }
  }

  private once(method: 'GET' | 'POST', path: string, body: string | Buffer | undefined, headers: Record<string, string>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1', port: this.port, method, path, agent: this.agent, localAddress: this.localAddress,
          headers: {
            ...(this.cookie ? { cookie: this.cookie } : {}),
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
            // A browser names the page's origin on every POST; writes from other origins are refused (CSRF).
            ...(method === 'POST' ? { origin: `http://127.0.0.1:${this.port}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []) }));
          res.on('error', reject);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(Object.assign(e, { reused: req.reusedSocket && (e.code === 'ECONNRESET' || e.message === 'socket hang up') })),
      );
      req.end(body);
    });
  }

  /** The body of a 2xx answer; anything else throws with the status and the start of the body. */
  async ok(method: 'GET' | 'POST', path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<Buffer> {
    const r = await this.send(method, path, body, headers);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path.slice(0, 80)}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
    return r.body;
  }

  /** A tRPC query or mutation's `result.data`. */
  async trpc<T = any>(procedure: string, input: unknown, mutation = false): Promise<T> {
    const body = mutation
      ? await this.ok('POST', `/trpc/${procedure}`, JSON.stringify(input), { 'content-type': 'application/json' })
      : await this.ok('GET', `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
    return (JSON.parse(body.toString('utf8')) as { result: { data: T } }).result.data;
  }

  async signIn(origin: string, password: string) {
    const r = await this.send('POST', '/api/auth/sign-in/email', JSON.stringify({ email: this.account.email, password }), { 'content-type': 'application/json', origin });
    const session = r.cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('medreg.session_token='));
    if (r.status !== 200 || !session) throw new Error(`sign-in of ${this.account.email} from ${this.localAddress}: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
    this.cookie = session;
  }

  close() {
    this.agent.destroy();
  }
}

interface LoadResult {
  times: number[];
  errors: number;
  firstError: string | null;
  perSecond: number;
  requests: number;
}

/** Every client runs `op` back to back for `ms` milliseconds; an op returns how many requests it made. */
async function load(clients: Client[], op: (c: Client, n: number) => Promise<number>, ms: number, counter: { n: number }): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  let requests = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          const made = await op(c, counter.n++); // `requests += await …` would add to a total read before the wait
          requests += made;
          times.push(performance.now() - start);
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
          if (errors > 50 && times.length === 0) return; // broken, not slow: stop early
        }
      }
    }),
  );
  return { times: times.sort((a, b) => a - b), errors, firstError, perSecond: times.length / ((performance.now() - t0) / 1000), requests };
}

// --- the server process ----------------------------------------------------------------------------------------

interface Server {
  child: ChildProcess;
  port: number;
  origin: string;
  stderr: () => string;
  stop(): Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // BENCH_SERVER_FLAGS: Node flags for the server alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const flags = process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(apiDir, 'bench/server.ts')], {
    cwd: apiDir,
    env: { ...process.env, ...env, PORT: String(port), BASE_URL: origin, SEED_DEMO: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bench server did not start in 120 s: ${err}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString('utf8').includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench server exited with ${code}: ${err}`));
    });
  });
  return {
    child,
    port,
    origin,
    stderr: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Resets the processes' peak RSS (Linux: `5` to clear_refs), so VmHWM afterwards is the peak of what follows. */
function resetPeak(pid: number) {
  try {
    for (const p of processWithChildren(pid)) writeFileSync(`/proc/${p}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: VmHWM stays the peak since start, which the table then shows.
  }
}
/** CPU time the server's processes have used so far (user + system), ms; Linux counts ticks of 10 ms (USER_HZ 100). */
function cpuMs(pid: number): number | null {
  try {
    let ms = 0;
    for (const p of processWithChildren(pid)) {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * 10;
    }
    return ms;
  } catch {
    return null;
  }
}
/** This process's CPU time (user + system) since `from`, per operation of `r`, ms. */
function clientCpu(from: NodeJS.CpuUsage, r: LoadResult): number | null {
  if (!r.times.length) return null;
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000 / r.times.length;
}
/** Peak resident memory of the server's processes together (their VmHWM summed), MiB. */
function peakMiB(pid: number): number | null {
  try {
    let kb = 0;
    for (const p of processWithChildren(pid)) kb += Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]);
    return Number.isNaN(kb) ? null : kb / 1024;
  } catch {
    return null;
  }
}

// --- scenarios ---------------------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  clients: 'nurse' | 'technician' | 'manager';
  /** Clients in flight; the import runs one at a time. */
  single?: boolean;
  op: (c: Client, n: number) => Promise<number>;
  /** The same work in-process on the floor's connection, for sample n (its SQL is what the floor replays). */
  inProcess: (services: Services, user: SessionUser, n: number) => Promise<unknown>;
  /** Targets of the issue beyond the ratio (SQLite only). */
  minPerSecond?: number;
}

const sessionUser = (a: Account): SessionUser => ({ id: a.id, name: a.email, email: a.email, role: a.role, phone: null, departmentIds: a.departmentIds });
const callerOf = (services: Services, user: SessionUser) => createCaller({ services, user, locale: 'de', t: translator('de') });

interface Samples {
  codes: string[];
  deviceIds: string[];
  lockedIds: string[];
  /** A nurse's ward's device codes, by ward id. */
  wardCodes: Map<string, string[]>;
  wardIds: string[];
}

function scenarios(group: HospitalGroup, s: Samples, o: BenchOptions): Scenario[] {
  const el = group.inspectionTypes.find((t) => t.code === 'EL-62353')!.id;
  const values = { visual: 'pass', protective_earth: '120', insulation: '50', equipment_leakage: '80', applied_part_leakage: '40', functional: 'pass' };
  const inspection = (deviceId: string) => ({ deviceId, inspectionTypeId: el, performedOn: today(new Date()), result: 'passed', values, testInstrumentId: group.instrumentId });
  const search = (n: number) => {
    const i = (n * 7919) % o.devices;
    switch (n % 3) {
      case 0: return { q: `mt-${String(100000 + i).slice(0, 4)}`, page: 1, pageSize: 25 }; // an inventory number prefix
      case 1: return { q: `sn${(i * 7919) % 10_000_000}`.slice(0, 6), page: 1, pageSize: 25 }; // a serial number prefix
      default: return { q: ['Perfusor', 'Infusomat', 'Evita', 'Lifepak', 'Intellivue'][n % 5]!, page: 1, pageSize: 25 }; // a model word
    }
  };
  // 100 labels: the devices of one inventory-number hundred (3 × 8 sheets).
  const labelPrefix = (n: number) => `MT-${String(100000 + Math.floor(((n * 7919) % Math.max(1, o.devices - 100)) / 100) * 100).slice(0, 4)}`;
  const wardOf = (user: SessionUser) => user.departmentIds[0]!;
  const nurseCode = (user: SessionUser, n: number) => {
    const codes = s.wardCodes.get(wardOf(user))!;
    return codes[n % codes.length]!;
  };
  let imports = 0;
  const csvPrefix = () => `IMP${Date.now().toString(36).toUpperCase()}${(imports++).toString(36).toUpperCase()}`;
  const csv = (prefix: string) => groupCsv(group, o.importRows, prefix);

  return [
    {
      name: 'device page /d/<code> (technician)',
      clients: 'technician',
      minPerSecond: 2000,
      async op(c, n) {
        await c.trpc('devices.page', { code: s.codes[n % s.codes.length] });
        return 1;
      },
      inProcess: (services, user, n) => callerOf(services, user).devices.page({ code: s.codes[n % s.codes.length]! }),
    },
    {
      name: 'verdict after a scan (nurse, devices.get)',
      clients: 'nurse',
      async op(c, n) {
        await c.trpc('devices.get', { code: nurseCode(sessionUser(c.account), n) });
        return 1;
      },
      inProcess: (services, user, n) => callerOf(services, user).devices.get({ code: nurseCode(user, n) }),
    },
    {
      name: 'search: device list (manager)',
      clients: 'manager',
      async op(c, n) {
        await c.trpc('devices.list', search(n));
        return 1;
      },
      inProcess: (services, user, n) => callerOf(services, user).devices.list(search(n)),
    },
    {
      name: "due list: a ward's open work (technician)",
      clients: 'technician',
      async op(c, n) {
        await c.trpc('due.list', { departmentId: s.wardIds[n % s.wardIds.length], window: 'open', page: 1, pageSize: 50 });
        return 1;
      },
      inProcess: (services, user, n) => callerOf(services, user).due.list({ departmentId: s.wardIds[n % s.wardIds.length]!, window: 'open', page: 1, pageSize: 50 }),
    },
    {
      name: 'record an inspection, 6 values (technician)',
      clients: 'technician',
      minPerSecond: 300,
      async op(c, n) {
        await c.trpc('inspections.record', inspection(s.deviceIds[n % s.deviceIds.length]!), true);
        return 1;
      },
      inProcess: (services, user, n) => callerOf(services, user).inspections.record(inspection(s.deviceIds[n % s.deviceIds.length]!) as never),
    },
    {
      name: 'lock-out card PDF (manager)',
      clients: 'manager',
      async op(c, n) {
        await c.ok('GET', `/api/devices/${s.lockedIds[n % s.lockedIds.length]}/lockout-card.pdf`);
        return 1;
      },
      inProcess: (services, user, n) => lockoutCardData(services, user, s.lockedIds[n % s.lockedIds.length]!),
    },
    {
      name: 'label sheets PDF, 100 labels 3x8 (manager)',
      clients: 'manager',
      async op(c, n) {
        await c.ok('GET', `/api/labels.pdf?layout=3x8&q=${encodeURIComponent(labelPrefix(n))}`);
        return 1;
      },
      inProcess: (services, user, n) => labelData(services.db, user, { q: labelPrefix(n) }, services.baseUrl, services.now()),
    },
    {
      name: `import ${o.importRows.toLocaleString('en')} CSV rows (manager)`,
      clients: 'manager',
      single: true,
      async op(c) {
        const boundary = `bench${Date.now()}`;
        const form = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n${csv(csvPrefix())}\r\n--${boundary}--\r\n`,
        );
        const up = JSON.parse((await c.ok('POST', '/trpc/imports.upload', form, { 'content-type': `multipart/form-data; boundary=${boundary}` })).toString('utf8')).result.data as {
          uploadId: string;
          suggested: unknown[];
        };
        const input = { uploadId: up.uploadId, mapping: up.suggested };
        const check = await c.trpc<{ problemCount: number; problems: { message: string }[] }>('imports.check', input, true);
        if (check.problemCount > 0) throw new Error(`the generated CSV has ${check.problemCount} problems: ${check.problems[0]?.message}`);
        const { importId } = await c.trpc<{ importId: string }>('imports.start', input, true);
        let requests = 3;
        for (;;) {
          requests++;
          const p = await c.trpc<{ phase: string; error: string | null }>('imports.progress', { importId });
          if (p.phase === 'done') return requests;
          if (p.phase === 'failed') throw new Error(`import failed: ${p.error}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      async inProcess(services, user) {
        // What the import runs in SQL: the dry run's reads, then the writes of the transaction.
        const parsed = parseCsv(new TextEncoder().encode(csv(csvPrefix())), 'bench.csv');
        const upload = await callerOf(services, user).imports.upload({ file: new File([csv('PROBE')], 'probe.csv') });
        const check = await checkRows(services.db, { headers: parsed.headers, rows: parsed.rows, mapping: upload.suggested as never }, today(services.now()), translator('de'));
        if (check.problems.length) throw new Error(`the generated CSV has problems: ${check.problems[0]!.message}`);
        await services.db.transaction().execute((trx) =>
          writeDevices(trx, check.devices, { importId: crypto.randomUUID(), fileName: 'bench.csv', userId: user.id, now: services.now(), today: today(services.now()) }, () => {}),
        );
      },
    },
  ];
}

// --- the run -----------------------------------------------------------------------------------------------------

export function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${cpus().length} cores (${model}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, load average ${load}`;
}

export async function runHttpBench(o: BenchOptions): Promise<BenchResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const result: BenchResult = { rows: [], generation: [] };
  for (const dialect of o.dialects) {
    // The database: a SQLite file under /tmp, or a new database on the test PostgreSQL server.
    const dir = mkdtempSync(join(tmpdir(), 'medreg-http-bench-'));
    let databaseUrl: string | undefined;
    let dropPg: (() => Promise<void>) | undefined;
    if (dialect === 'postgres') {
      const created = await createPgDatabase('medreg_bench');
      databaseUrl = created.url;
      dropPg = created.drop;
    }
    let server: Server | undefined;
    const clients: Client[] = [];
    try {
      const gen = createDb({ databaseUrl, dataDir: dir });
      await migrateToLatest(gen.db);
      const t0 = performance.now();
      let lastLine = 0;
      const group = await generateHospitalGroup(gen.db, dialect, { devices: o.devices, users: o.users, entries: o.entries, instructions: o.instructions, accountsPerRole: o.concurrency, sites: o.sites, wardsPerSite: o.wardsPerSite }, (what, done, total) => {
        const t = performance.now();
        if (done === total || t - lastLine > 2000) {
          lastLine = t;
          log(`  ${dialect}: ${what} ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${((t - t0) / 1000).toFixed(1)} s)`);
        }
      });
      const seconds = (performance.now() - t0) / 1000;
      result.generation.push({ dialect, seconds, rows: group.rows });
      log(`${dialect}: generated in ${seconds.toFixed(1)} s: ${Object.entries(group.rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')}`);

      // Samples, spread over the whole register (device i has inventory number MT-<100000+i>).
      const spread = Array.from({ length: Math.min(2000, o.devices) }, (_, k) => `MT-${100000 + Math.floor((k * o.devices) / Math.min(2000, o.devices))}`);
      const picked = [];
      for (let k = 0; k < spread.length; k += 500)
        picked.push(...(await gen.db.selectFrom('devices').select(['id', 'code', 'status']).where('inventory_number', 'in', spread.slice(k, k + 500)).execute()));
      const wardCodes = new Map<string, string[]>();
      for (const a of group.accounts.filter((x) => x.role === 'nurse'))
        wardCodes.set(a.departmentIds[0]!, (await gen.db.selectFrom('devices').select('code').where('department_id', '=', a.departmentIds[0]!).limit(200).execute()).map((r) => r.code));
      const samples: Samples = {
        codes: picked.map((d) => d.code),
        deviceIds: picked.filter((d) => d.status === 'in_service').map((d) => d.id),
        lockedIds: (await gen.db.selectFrom('devices').select('id').where('status', '=', 'locked').limit(500).execute()).map((r) => r.id),
        wardCodes,
        wardIds: group.wards.map((w) => w.id),
      };
      await gen.close();
      const list = scenarios(group, samples, o).filter((s) => !o.scenarios?.length || o.scenarios.some((w) => s.name.toLowerCase().includes(w.toLowerCase())));

      // The SQL floor of each scenario, before the server runs.
      const floor = dialect === 'sqlite' ? sqliteFloor(join(dir, 'medreg.sqlite')) : await postgresFloor(databaseUrl!);
      const services = { db: floor.db, dialect, files: new FileStore(join(dir, 'floor')), baseUrl: 'http://localhost', now: () => new Date() } as unknown as Services;
      const sqlP95 = new Map<string, number>();
      try {
        for (const s of list) {
          const user = sessionUser(group.accounts.find((a) => a.role === s.clients)!);
          const sample = (n: number) => s.inProcess(services, user, n);
          sqlP95.set(s.name, await floorP95(floor, sample, { samples: s.single ? 2 : 10, writeSamples: s.single ? 4 : 200, ms: Math.min(2000, o.seconds * 200) }));
        }
      } finally {
        await floor.close();
      }
      log(`${dialect}: SQL floors measured`);

      const processes = String(o.processes ?? 1);
      server = await startServer(databaseUrl ? { DATABASE_URL: databaseUrl, DATA_DIR: dir, MEDREG_PROCESSES: processes } : { DATA_DIR: dir, MEDREG_PROCESSES: processes });
      const pid = server.child.pid!;
      // Everyone signs in through the real endpoint, each from an address of their own.
      let address = 0;
      const clientsOf: Record<Scenario['clients'], Client[]> = { nurse: [], technician: [], manager: [] };
      for (const role of ['nurse', 'technician', 'manager'] as const)
        for (const a of group.accounts.filter((x) => x.role === role).slice(0, o.concurrency)) {
          address++;
          const c = new Client(server.port, `127.0.${Math.floor(address / 250)}.${2 + (address % 250)}`, a);
          clients.push(c);
          clientsOf[role].push(c);
        }
      // Eight at a time: each sign-in checks a scrypt hash, which is slow on purpose.
      for (let k = 0; k < clients.length; k += 8) await Promise.all(clients.slice(k, k + 8).map((c) => c.signIn(server!.origin, group.password)));
      log(`${dialect}: ${clients.length} clients signed in; measuring ${o.seconds} s per scenario`);

      const counter = { n: 0 };
      const fixed = async (c: Client) => {
        await c.ok('GET', '/bench/fixed');
        return 1;
      };
      const transport = async (many: Client[]) => {
        await load(many, fixed, o.seconds * 200, counter);
        resetPeak(pid);
        const cpu0 = cpuMs(pid);
        const own = process.cpuUsage();
        const r = await load(many, fixed, o.seconds * 1000, counter);
        const cpu1 = cpuMs(pid);
        return { ...r, cpuMsPerOp: cpu0 !== null && cpu1 !== null && r.times.length ? (cpu1 - cpu0) / r.times.length : null, clientCpuMsPerOp: clientCpu(own, r) };
      };
      const bare = { many: await transport(clientsOf.technician), one: await transport(clientsOf.technician.slice(0, 1)) };
      const transportRow = (r: LoadResult & { cpuMsPerOp: number | null; clientCpuMsPerOp: number | null }, n: number): Row => ({
        dialect, scenario: `transport floor: GET /bench/fixed${n === 1 ? ', one client' : ''}`, concurrency: n, ops: r.times.length, errors: r.errors, firstError: r.firstError,
        perSecond: r.perSecond, p50: quantile(r.times, 0.5), p95: quantile(r.times, 0.95), p99: quantile(r.times, 0.99), requestsPerOp: 1, sqlP95: null, transportP95: null,
        ratioUnderLoad: null, aloneP95: n === 1 ? quantile(r.times, 0.95) : null, aloneTransportP95: null, ratio: null, peakRssMiB: peakMiB(pid), targets: [],
        cpuMsPerOp: r.cpuMsPerOp,
        clientCpuMsPerOp: r.clientCpuMsPerOp,
      });
      result.rows.push(transportRow(bare.many, clientsOf.technician.length), transportRow(bare.one, 1));

      for (const s of list) {
        const many = s.single ? clientsOf[s.clients].slice(0, 1) : clientsOf[s.clients];
        await load(many, s.op, o.seconds * 200, counter); // warm-up
        resetPeak(pid);
        const cpu0 = cpuMs(pid);
        const own = process.cpuUsage();
        const r = await load(many, s.op, o.seconds * 1000, counter);
        const clientCpuMsPerOp = clientCpu(own, r);
        const cpu1 = cpuMs(pid);
        const peakRssMiB = peakMiB(pid);
        // The same operation from one client: its latency without waiting behind 31 others, which is what the
        // floors measure too (one query, one bare request at a time).
        const alone = s.single ? r : await load(many.slice(0, 1), s.op, o.seconds * 500, counter);
        const requestsPerOp = r.times.length ? r.requests / r.times.length : 1;
        const sql = sqlP95.get(s.name)!;
        const p95 = quantile(r.times, 0.95);
        const transportP95 = quantile((s.single ? bare.one : bare.many).times, 0.95) * requestsPerOp;
        const aloneP95 = quantile(alone.times, 0.95);
        const aloneTransportP95 = quantile(bare.one.times, 0.95) * requestsPerOp;
        const ratio = aloneP95 / (sql + aloneTransportP95);
        const targets = [{ label: 'p95 ≤ 3 × floors', pass: ratio <= 3 }];
        if (s.minPerSecond && dialect === 'sqlite') targets.push({ label: `≥ ${s.minPerSecond}/s`, pass: r.perSecond >= s.minPerSecond });
        result.rows.push({
          dialect, scenario: s.name, concurrency: many.length, ops: r.times.length, errors: r.errors + (s.single ? 0 : alone.errors), firstError: r.firstError ?? alone.firstError,
          perSecond: r.perSecond, p50: quantile(r.times, 0.5), p95, p99: quantile(r.times, 0.99), requestsPerOp, sqlP95: sql, transportP95, ratioUnderLoad: p95 / (sql + transportP95),
          aloneP95, aloneTransportP95, ratio, peakRssMiB, targets, cpuMsPerOp: cpu0 !== null && cpu1 !== null && r.times.length ? (cpu1 - cpu0) / r.times.length : null,
          clientCpuMsPerOp,
        });
        log(`  ${dialect}: ${s.name}: ${r.perSecond.toFixed(0)}/s, p95 ${p95.toFixed(1)} ms${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''}`);
      }
    } finally {
      for (const c of clients) c.close();
      const err = server?.stderr() ?? '';
      await server?.stop();
      if (err.trim()) log(`${dialect} server stderr (last lines):\n${err.split('\n').slice(-15).join('\n')}`);
      if (o.keep) log(`${dialect}: kept ${databaseUrl ?? join(dir, 'medreg.sqlite')}`);
      else {
        rmSync(dir, { recursive: true, force: true });
        await dropPg?.();
      }
    }
  }
  return result;
}

// --- the table ---------------------------------------------------------------------------------------------------

const ms = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** One Markdown table of every row (it reads as plain text in a terminal too). */
export function formatTable(rows: Row[]): string {
  const head = ['db', 'scenario', 'clients', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'HTTP floor p95', 'ratio', '1 client p95', 'SQL p95', 'HTTP floor 1', 'ratio 1', 'server CPU ms/op', 'client CPU ms/op', 'peak RSS MiB', 'errors', 'target'];
  const body = rows.map((r) => [
    r.dialect,
    r.scenario,
    String(r.concurrency),
    r.perSecond < 100 ? r.perSecond.toFixed(1) : r.perSecond.toFixed(0),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    r.transportP95 === null ? '–' : `${ms(r.transportP95)}${r.requestsPerOp > 1.05 ? ` (${r.requestsPerOp.toFixed(1)} req)` : ''}`,
    r.ratioUnderLoad === null ? '–' : r.ratioUnderLoad.toFixed(1),
    ms(r.aloneP95),
    ms(r.sqlP95),
    ms(r.aloneTransportP95),
    r.ratio === null ? '–' : r.ratio.toFixed(2),
    ms(r.cpuMsPerOp),
    ms(r.clientCpuMsPerOp),
    r.peakRssMiB === null ? '–' : r.peakRssMiB.toFixed(0),
    String(r.errors),
    r.targets.length ? r.targets.map((t) => `${t.pass ? 'pass' : 'FAIL'} ${t.label}`).join('; ') : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
