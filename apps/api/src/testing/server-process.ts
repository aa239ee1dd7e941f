import { spawn, type ChildProcess } from 'node:child_process';
import { processWithChildren } from '@medreg/db/testing';
import { resolve } from 'node:path';

const apiRoot = resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  log(): string;
  /** SIGKILL to the server and its workers: no shutdown handler, no flush; what the operating system has survives. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * The standalone API (`src/server.ts`) as its own process, started with node and tsx's loader directly (not
 * through npx), so that a signal reaches the server itself. Resolves once /api/health answers and, with several
 * processes (MEDREG_PROCESSES), once all of them listen.
 */
export async function startApiProcess(env: Record<string, string>, port: number): Promise<ServerProcess> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: apiRoot,
    env: { ...process.env, PORT: String(port), BASE_URL: baseUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 90_000;
  const all = Number(env.MEDREG_PROCESSES ?? 1) > 1 ? () => log.includes(`with ${env.MEDREG_PROCESSES} processes`) : () => true;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok && all()) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    // A crash takes the workers with it at the same instant; SIGTERM goes to the primary, which stops its workers.
    const pids = signal === 'SIGKILL' ? processWithChildren(child.pid!).reverse() : [child.pid!];
    for (const pid of pids)
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    await exited;
  };
  return { baseUrl, child, log: () => log, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** Signs in through the real endpoint and returns the session cookie (`name=value`). */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email}: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}
