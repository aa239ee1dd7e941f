/**
 * The API server as the HTTP benchmark runs it, in a process of its own (so the measuring client does not share
 * its event loop): the production app (`createApiApp`) on the database the benchmark generated, plus one bare
 * route that exists only here, `/bench/fixed`, answering fixed JSON: the transport floor (HTTP, Hono routing,
 * JSON) without any database or session work. No background jobs: the hourly compliance snapshot would run
 * during a measurement. MEDREG_PROCESSES=N runs N cluster workers on the port (`--processes`). Prints
 * `listening <port>` when every process listens.
 *   DATA_DIR=/tmp/x [DATABASE_URL=postgres://…] [MEDREG_PROCESSES=2] node --import tsx bench/server.ts
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { configFromEnv, startApp, withClientIp } from '@medreg/core';
import { createApiApp } from '../src/app.js';
import { processesFromEnv, serveInProcesses } from '../src/cluster.mjs';

async function start(): Promise<number> {
  const app = await startApp({ ...configFromEnv(), seedDemo: false, authSecret: 'bench-secret-bench-secret-bench-secret-1234' });
  const fixed = { device: { code: 'BENCH-000', inventoryNumber: 'MT-100000', status: 'in_service' }, verdict: { mayUse: true, reasons: [] } };
  const bench = new Hono();
  bench.get('/bench/fixed', (c) => c.json(fixed));
  bench.route('/', createApiApp(app.services));
  return new Promise((resolve) => {
    const server = serve(
      {
        fetch: (request: Request, env: { incoming: { socket: { remoteAddress?: string | undefined } } }) => bench.fetch(withClientIp(request, env.incoming.socket.remoteAddress), env),
        port: Number(process.env.PORT ?? 0),
        hostname: '127.0.0.1',
      },
      (info) => resolve(info.port),
    );
    const stop = () => server.close(() => void app.close().then(() => process.exit(0)));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

await serveInProcesses({ processes: processesFromEnv(), start, ready: (port) => console.log(`listening ${port}`) });
