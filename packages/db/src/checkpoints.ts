import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** How often the worker copies the write-ahead log into the database file. */
const EVERY_MS = 200;
/**
 * Log pages beyond which the app's connection checkpoints after a commit after all. A passive checkpoint never
 * waits, so under steady writes some page of the log is always newer than the worker's last one and the log would
 * only grow: the connection's own checkpoint, between two of its writes, lets the next write start the log again
 * from its beginning. By then the worker has copied nearly all of it, so it is short.
 */
const OWN_CHECKPOINT_PAGES = 10_000;

// The worker's code, plain CommonJS: it runs the same way under tsx, vitest and node, and loads better-sqlite3 by the
// path this module resolved.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const SQLite = require(workerData.lib);
const db = new SQLite(workerData.file, { fileMustExist: true });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or a transient I/O error: the next round tries again.
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * SQLite copies its write-ahead log into the database file (a checkpoint) in the connection whose commit made the
 * log pass 1,000 pages: page writes and two fsyncs inside one request, on the event loop, about a third of what
 * recording an inspection took. Here a worker thread with its own connection does it every 200 ms, next to the
 * requests. Should the worker die, the connection checkpoints itself every 1,000 pages again.
 */
export function checkpointInBackground(database: SQLite.Database, file: string): { stop(): Promise<void> } {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { lib: createRequire(import.meta.url).resolve('better-sqlite3'), file, everyMs: EVERY_MS },
  });
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${OWN_CHECKPOINT_PAGES}`);
  // When the log starts again from its beginning, the file is cut back to 64 MB rather than kept at its largest.
  database.pragma('journal_size_limit = 67108864');
  let stopped = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', (e) => {
    if (stopped || !database.open) return;
    console.warn(`SQLite checkpoint worker stopped (${e.message}); the connection checkpoints itself again`);
    database.pragma('wal_autocheckpoint = 1000');
  });
  return {
    async stop() {
      stopped = true;
      // Held while it stops: an unreferenced worker would let a process with nothing else to do exit mid-await.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
