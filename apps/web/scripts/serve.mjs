// Serves the built app (npm start): one port, the API included; MEDREG_PROCESSES=N|auto runs N processes on it.
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { processesFromEnv, serveInProcesses } from '@medreg/api/cluster';

const env = process.env;
env.PORT ??= '3000';
env.DATA_DIR = resolve(env.DATA_DIR ?? 'data');
// Photos of paper protocols are large; each file is still checked against its own limit. The same ceiling as the
// API's (MAX_REQUEST_BYTES): larger bodies are refused before they are read.
env.BODY_SIZE_LIMIT ??= '64M';
// SvelteKit refuses form posts whose Origin differs from this: it must be the address people open.
env.BASE_URL ??= `http://localhost:${env.PORT}`;
env.ORIGIN ??= env.BASE_URL;

const processes = processesFromEnv();
await serveInProcesses({
  processes,
  async start() {
    await import(new URL(`../${env.WEB_BUILD_DIR ?? 'build'}/index.js`, import.meta.url).href);
    // adapter-node closes its server on SIGTERM; a worker's channel to the primary would then keep it alive.
    if (cluster.isWorker) process.once('sveltekit:shutdown', () => cluster.worker?.disconnect());
    else console.log(`MedReg on ${env.BASE_URL} (data in ${env.DATA_DIR})`);
  },
  ready: () => console.log(`MedReg on ${env.BASE_URL} with ${processes} processes (data in ${env.DATA_DIR})`),
  // adapter-node closes open connections after SHUTDOWN_TIMEOUT (30 s); then the database needs a moment.
  stopGraceMs: (Number(env.SHUTDOWN_TIMEOUT) || 30) * 1000 + 5000,
});
