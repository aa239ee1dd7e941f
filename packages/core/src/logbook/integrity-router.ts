import type { Services } from '../context.js';
import { allow, router } from '../trpc/init.js';
import { verifyAllChains, type ChainFinding } from './verify.server.js';

const BOARD = 'chain-check';
type Progress = { done: number; total: number };
/** The check running in this process, if any, with its progress (from the moment it is started). */
const running = new WeakMap<Services, Progress>();

/**
 * A check that some process of the app is running: an unfinished check whose progress was reported lately (one
 * whose process stopped stays unfinished, without reports). One at a time; the admin page polls its progress.
 */
async function runningCheck(services: Services): Promise<Progress | null> {
  const open = await services.db.selectFrom('chain_checks').select('id').where('finished_at', 'is', null).orderBy('started_at', 'desc').limit(20).execute();
  for (const c of open) {
    const progress = services.progress.read<Progress>(BOARD, c.id);
    if (progress) return progress;
  }
  return null;
}

const managers = () => allow('admin', 'manager');

/** Verifying the logbook hash chains (Manipulationsschutz): the checks made so far, and starting one. */
export const integrityRouter = router({
  status: managers().query(async ({ ctx }) => {
    const checks = await ctx.services.db
      .selectFrom('chain_checks as c')
      .leftJoin('users as u', 'u.id', 'c.started_by')
      .select(['c.id', 'c.started_at', 'c.finished_at', 'c.devices', 'c.entries', 'c.broken', 'c.findings', 'u.name as started_by_name'])
      .orderBy('c.started_at', 'desc')
      .limit(20)
      .execute();
    return {
      running: running.get(ctx.services) ?? (await runningCheck(ctx.services)),
      checks: checks.map(({ findings, ...c }) => ({
        ...c,
        started_at: String(c.started_at),
        finished_at: c.finished_at === null ? null : String(c.finished_at),
        findings: findings ? (JSON.parse(findings) as ChainFinding[]) : [],
      })),
    };
  }),

  /** Starts a check in the background (a million entries take a while) unless one is running; answers at once. */
  start: managers().mutation(async ({ ctx }) => {
    const { services } = ctx;
    if (running.has(services) || (await runningCheck(services))) return { started: false };
    const progress = { done: 0, total: 0 };
    running.set(services, progress);
    let id: string | null = null;
    void verifyAllChains(services.db, {
      startedBy: ctx.user.id,
      now: services.now,
      onStart: (checkId) => services.progress.write(BOARD, (id = checkId), progress),
      onProgress: (done, total) => id && services.progress.write(BOARD, id, Object.assign(progress, { done, total })),
    })
      .catch((err: unknown) => console.error('logbook chain check failed', err))
      .finally(() => {
        running.delete(services);
        if (id) services.progress.remove(BOARD, id);
      });
    return { started: true };
  }),
});
