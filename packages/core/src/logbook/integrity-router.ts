import { z } from 'zod';
import { badInput } from '../trpc/errors.js';
import { allow, router } from '../trpc/init.js';
import { parseSeal, sealText } from './seal.js';
import { runningCheck, startChainCheck } from './check.server.js';
import { compareSeal, type ChainFinding } from './verify.server.js';

const managers = () => allow('admin', 'manager');

/** Verifying the logbook hash chains (Manipulationsschutz): the checks made so far with their seals, starting one, comparing a seal. */
export const integrityRouter = router({
  status: managers().query(async ({ ctx }) => {
    // The board first: its report goes only after the check's row is finished, so a check that ends between the
    // two reads shows as finished, not as neither running nor finished.
    const running = runningCheck(ctx.services);
    const checks = await ctx.services.db
      .selectFrom('chain_checks as c')
      .leftJoin('users as u', 'u.id', 'c.started_by')
      .select(['c.id', 'c.started_at', 'c.finished_at', 'c.devices', 'c.entries', 'c.broken', 'c.findings', 'c.sealed_at', 'c.seal', 'u.name as started_by_name'])
      .orderBy('c.started_at', 'desc')
      .limit(20)
      .execute();
    return {
      running,
      checks: checks.map(({ findings, sealed_at, seal, ...c }) => {
        const sealedAt = sealed_at === null ? null : new Date(sealed_at);
        return {
          ...c,
          started_at: String(c.started_at),
          finished_at: c.finished_at === null ? null : String(c.finished_at),
          findings: findings ? (JSON.parse(findings) as ChainFinding[]) : [],
          // The seal to keep outside the application, as its text file says it (seal.ts).
          seal: sealedAt && seal ? { sealedAt: sealedAt.toISOString(), seal, text: sealText({ sealedAt, seal, devices: c.devices, checkId: c.id }) } : null,
        };
      }),
    };
  }),

  /** Starts a check in the background (a million entries take a while) unless one is running; answers at once. */
  start: managers().mutation(({ ctx }) => ({ started: startChainCheck(ctx.services, ctx.user.id).started })),

  /**
   * Compares the logbooks with a seal kept outside the application (its text, as downloaded or typed from paper):
   * whether anything recorded before its instant was changed, removed or added since.
   */
  compareSeal: managers()
    .input(z.object({ text: z.string({ error: 'errors.required' }).trim().min(1, { error: 'errors.required' }).max(10_000, { error: 'errors.tooLong' }) }))
    .mutation(async ({ ctx, input }) => {
      const seal = parseSeal(input.text);
      if (!seal) throw badInput('integrity.seal.unreadable', {}, 'text');
      const { matches, devices } = await compareSeal(ctx.services.db, seal);
      return { matches, devices, sealedAt: seal.sealedAt.toISOString() };
    }),
});
