export function processesFromEnv(name?: string, value?: string): number;
export function serveInProcesses(o: {
  processes: number;
  /** Starts the server in this process; resolves with its port when it listens (or with nothing: `ready` is then the primary's). */
  start: () => Promise<unknown>;
  /** Called once, in the process started from the command line, when every process listens. */
  ready: (port: number) => void;
  stopGraceMs?: number;
}): Promise<void>;
