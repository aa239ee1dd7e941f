// Several processes on one port (MEDREG_PROCESSES) with node:cluster: for `npm start` (apps/web/scripts/serve.mjs,
// plain JavaScript, which is why this file is too), the standalone API and the benchmark's server.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

/** MEDREG_PROCESSES: unset or empty is 1, `auto` is one per core; anything but a positive integer exits. */
export function processesFromEnv(name = 'MEDREG_PROCESSES', value = process.env[name]) {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === '') return 1;
  if (v === 'auto') return availableParallelism();
  if (/^[1-9]\d*$/.test(v)) return Number(v);
  console.error(`${name} must be a positive integer or "auto", not "${value}"`);
  process.exit(1);
}

// A worker that dies is replaced after a second; this many deaths within a minute is a crash loop, not bad luck.
const RESTART_DELAY_MS = 1000;
const MAX_DEATHS_PER_MINUTE = 5;

/**
 * One process (`processes` 1, and in every worker): `start` here. More: this process is the cluster's primary and
 * runs no server; it starts one worker and waits until it listens (it migrates the database, seeds the demo and
 * creates DATA_DIR/auth-secret, which several at once would race on), then the others. Slot 1 alone runs the
 * background jobs (MEDREG_JOBS=0 elsewhere), also after a restart. SIGTERM or SIGINT stops the workers (each
 * finishes its requests within `stopGraceMs`, then is killed); the primary exits after them.
 *
 * @param {{ processes: number; start: () => Promise<unknown>; ready: (port: number) => void; stopGraceMs?: number }} o
 */
export async function serveInProcesses(o) {
  if (o.processes <= 1 || cluster.isWorker) {
    const port = await o.start();
    if (cluster.isPrimary && typeof port === 'number') o.ready(port);
    return;
  }
  const slots = new Map();
  const listening = new Set();
  const deaths = [];
  const restarts = new Set();
  let started = false;
  let stopping = false;
  let exitCode = 0;

  const fork = (slot) => slots.set(cluster.fork(slot === 1 ? {} : { MEDREG_JOBS: '0' }), slot);
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const t of restarts) clearTimeout(t);
    if (slots.size === 0) process.exit(exitCode);
    for (const w of slots.keys()) w.process.kill('SIGTERM');
    setTimeout(() => {
      for (const w of slots.keys()) w.process.kill('SIGKILL');
    }, o.stopGraceMs ?? 35_000).unref();
  };

  cluster.on('listening', (worker, address) => {
    const slot = slots.get(worker);
    if (started || stopping || slot === undefined) return;
    listening.add(slot);
    if (slot === 1 && listening.size === 1) for (let s = 2; s <= o.processes; s++) fork(s);
    if (listening.size === o.processes) {
      started = true;
      o.ready(address.port);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker);
    slots.delete(worker);
    if (stopping) {
      if (slots.size === 0) process.exit(exitCode);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!started) {
      console.error(`MedReg: process ${slot} exited (${how}) before listening; stopping.`);
      return stop(1);
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - 60_000) deaths.shift();
    if (deaths.length >= MAX_DEATHS_PER_MINUTE) {
      console.error(`MedReg: ${deaths.length} processes died within a minute (the last: ${how}); stopping.`);
      return stop(1);
    }
    console.error(`MedReg: process ${slot} (pid ${worker.process.pid}) exited (${how}); starting a new one.`);
    const t = setTimeout(() => {
      restarts.delete(t);
      fork(slot);
    }, RESTART_DELAY_MS);
    restarts.add(t);
  });
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  fork(1);
}
