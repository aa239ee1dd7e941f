import type { Services } from './context.js';
import { purgeStaged } from './files/staged.server.js';
import { createMailer, sendWeeklyDigests, type SmtpConfig } from './inspections/digest.server.js';
import { today } from './inspections/due.js';
import { snapshotCompliance } from './inspections/due-list.server.js';
import { weeklyChainCheck } from './logbook/check.server.js';
import { purgeAccessLog } from './users/access-log.server.js';
import { forgetUnknownFailures } from './users/auth-hooks.server.js';
import { DEFAULT_ACCESS_LOG_RETENTION_DAYS } from './users/personal-data.js';

export interface JobOptions {
  /** Weekly digests are sent only with an SMTP server. */
  smtp?: SmtpConfig | null;
  intervalMs?: number;
  /** Access log rows older than this many days are deleted (ACCESS_LOG_RETENTION_DAYS, default 90). */
  accessLogRetentionDays?: number;
}

export interface Jobs {
  /** One pass of every job; resolves when it is done (errors are logged, never thrown). */
  run(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Background work of the server, once at start and then hourly: today's compliance snapshot (the chart on the
 * due list), removing staged uploads nobody saved, deleting access log rows past their retention and wrong passwords
 * of unknown addresses past the lockout, a check of every logbook chain with its seal when none began within a week,
 * and the weekly e-mail digest. Each job fails alone and is logged; none can take the process down. The timer does
 * not keep the process alive.
 */
export function startJobs(services: Services, options: JobOptions = {}): Jobs {
  const mailer = options.smtp ? createMailer(options.smtp) : null;
  const jobs: [string, () => Promise<unknown>][] = [
    [
      'compliance snapshot',
      () => {
        const day = today(services.now());
        return snapshotCompliance(services.db, day, day);
      },
    ],
    ['staged uploads', () => purgeStaged(services.db, services.files, services.now())],
    // Hold markers, temp files and tombstones of processes that died while saving (a day old).
    ['file store leftovers', async () => services.files.sweep(86_400_000)],
    ['access log retention', () => purgeAccessLog(services.db, services.now(), options.accessLogRetentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS)],
    ['wrong passwords of unknown addresses', () => forgetUnknownFailures(services.db, services.now())],
    // The chains checked and the logbooks sealed at least weekly, without anyone having to remember it.
    ['weekly logbook check', () => weeklyChainCheck(services)],
  ];
  if (mailer) jobs.push(['weekly digest', () => sendWeeklyDigests(services, mailer, services.now())]);

  let running: Promise<void> | null = null;
  const run = () =>
    // A slow pass (a large register) is not overlapped by the next tick.
    (running ??= (async () => {
      for (const [name, job] of jobs)
        try {
          await job();
        } catch (e) {
          console.error(`MedReg: background job "${name}" failed; it runs again within the hour.`, e);
        }
    })().finally(() => (running = null)));

  void run();
  const timer = setInterval(() => void run(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    run,
    async stop() {
      clearInterval(timer);
      await running;
      mailer?.transport.close();
    },
  };
}
