import type { Services } from '../context.js';
import { verifyAllChains } from './verify.server.js';

const BOARD = 'chain-check';
type Progress = { done: number; total: number };

/** A week: the hourly job checks the chains (and so makes a seal) when the last check began longer ago than this. */
export const CHECK_EVERY_MS = 7 * 86_400_000;

/**
 * The check some process of the app is running, from the progress board (a check whose process stopped stops
 * reporting). One at a time; the admin page polls its progress.
 */
export const runningCheck = (services: Services): Progress | null => services.progress.running<Progress>(BOARD)[0] ?? null;

/**
 * Starts a check of every chain in the background unless one is running here or in another process (a million
 * entries take a while): whether it started, and when it is over (it never rejects; a failure is logged).
 */
export function startChainCheck(services: Services, startedBy: string | null): { started: boolean; done: Promise<void> } {
  if (runningCheck(services)) return { started: false, done: Promise.resolve() };
  let id: string | null = null;
  // onStart reports before verifyAllChains first waits: a second start, here or elsewhere, sees this one.
  const done = verifyAllChains(services.db, {
    startedBy,
    now: services.now,
    onStart: (checkId) => services.progress.write(BOARD, (id = checkId), { done: 0, total: 0 }),
    onProgress: (n, total) => id && services.progress.write(BOARD, id, { done: n, total }),
  })
    .then(() => undefined)
    .catch((err: unknown) => console.error('logbook chain check failed', err))
    .finally(() => {
      if (id) services.progress.remove(BOARD, id);
    });
  return { started: true, done };
}

/** The hourly job's part: a check (with its seal) when none began within the last week. */
export async function weeklyChainCheck(services: Services): Promise<boolean> {
  const last = await services.db.selectFrom('chain_checks').select('started_at').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  if (last && services.now().getTime() - new Date(last.started_at).getTime() < CHECK_EVERY_MS) return false;
  const { started, done } = startChainCheck(services, null);
  await done;
  return started;
}
