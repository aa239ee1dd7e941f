import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { processesFromEnv, serveInProcesses } from './cluster.mjs';

// The API on its own, for integrations; the default deployment serves it from the web app.
const port = Number(process.env.PORT ?? 3001);
const processes = processesFromEnv();
process.env.DATA_DIR = resolve(process.env.DATA_DIR ?? 'data');
let database = '';

async function start(): Promise<number> {
  // Loaded here: with several processes the primary only forks, and loading the app took it seconds first.
  const [{ serve }, { configFromEnv, retentionDays, smtpFromEnv, startApp, startJobs, withClientIp }, { createApiApp }] = await Promise.all([
    import('@hono/node-server'),
    import('@medreg/core'),
    import('./app.js'),
  ]);
  const app = await startApp(configFromEnv());
  database = `${app.database.dialect}: ${app.database.target}`;
  // With several processes only one runs the hourly jobs (MEDREG_JOBS=0 in the others).
  const jobs = process.env.MEDREG_JOBS === '0' ? null : startJobs(app.services, { smtp: smtpFromEnv(), accessLogRetentionDays: retentionDays(process.env.ACCESS_LOG_RETENTION_DAYS) });
  const api = createApiApp(app.services);
  const fetch = (request: Request, env: { incoming: { socket: { remoteAddress?: string | undefined } } }) =>
    api.fetch(withClientIp(request, env.incoming.socket.remoteAddress), env);
  return new Promise((resolve) => {
    const server = serve({ fetch, port }, (info) => resolve(info.port)) as Server;
    // Requests in flight finish, then a running job, then the database closes; a cluster worker must exit itself.
    const stop = () => {
      server.close(() => void Promise.resolve(jobs?.stop()).then(() => app.close()).finally(() => process.exit(0)));
      setTimeout(() => server.closeAllConnections(), 10_000).unref();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

await serveInProcesses({
  processes,
  start,
  ready: (p) =>
    console.log(`MedReg API on http://localhost:${p} ${processes > 1 ? `with ${processes} processes (data in ${process.env.DATA_DIR})` : `(${database})`}`),
});
