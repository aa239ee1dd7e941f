import type { Services } from '../context.js';
import { allow, router } from '../trpc/init.js';
import { verifyAllChains, type ChainFinding } from './verify.server.js';

/** The check running in this process, if any: one at a time, its progress polled by the admin page. */
const running = new WeakMap<Services, { done: number; total: number }>();

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
    const now = running.get(ctx.services);
    return {
      running: now ? { done: now.done, total: now.total } : null,
      checks: checks.map(({ findings, ...c }) => ({
        ...c,
        started_at: String(c.started_at),
        finished_at: c.finished_at === null ? null : String(c.finished_at),
        findings: findings ? (JSON.parse(findings) as ChainFinding[]) : [],
      })),
    };
  }),

  /** Starts a check in the background (a million entries take a while) unless one is running; answers at once. */
  start: managers().mutation(({ ctx }) => {
    const { services } = ctx;
    if (running.has(services)) return { started: false };
    const progress = { done: 0, total: 0 };
    running.set(services, progress);
    void verifyAllChains(services.db, {
      startedBy: ctx.user.id,
      now: services.now,
      onProgress: (done, total) => Object.assign(progress, { done, total }),
    })
      .catch((err: unknown) => console.error('logbook chain check failed', err))
      .finally(() => running.delete(services));
    return { started: true };
  }),
});
