import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

// The server process of the end-to-end tests, without Vitest's hooks: global-setup.ts starts one before any spec runs.

export const webRoot = resolve(import.meta.dirname, '..');

/** Server processes (MEDREG_PROCESSES): e2e-both.sh runs the specs of what processes share with two. */
export const serverProcesses = Number(process.env.MEDREG_PROCESSES || 1);

/**
 * The built app as `npm start` serves it (scripts/serve.mjs) with these settings. `ready` resolves once /api/health
 * answers and, with several processes, all of them listen; it fails with the server's output.
 */
export function serve(env: Record<string, string>, processes: number) {
  const child = spawn(process.execPath, [join(webRoot, 'scripts/serve.mjs')], {
    env: {
      ...process.env,
      // Every sign-in of a suite comes from 127.0.0.1; security.e2e tests the default limit (3 per 10 s).
      SIGN_IN_RATE_LIMIT: '1000/10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const allListen = () => processes <= 1 || log.includes(`with ${processes} processes`);
  async function ready(abandoned: () => boolean = () => false) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (abandoned()) throw new Error('stopped while starting');
      if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
      try {
        // The port, not BASE_URL: a spec may set that to the address people would open (security.e2e).
        const r = await fetch(`http://localhost:${env.PORT}/api/health`);
        if (r.ok && allListen()) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`server did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { ready, stop };
}
