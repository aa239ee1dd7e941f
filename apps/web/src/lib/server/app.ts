import { configFromEnv, retentionDays, smtpFromEnv, startApp, startJobs, type App } from '@medreg/core';
import { createApiApp, type ApiApp } from '@medreg/api';

let started: Promise<{ app: App; api: ApiApp }> | undefined;

/** One app per process: migrate, seed the demo hospital if empty, start the hourly jobs, wire the API. */
export function appInstance() {
  started ??= startApp(configFromEnv()).then((app) => {
    console.log(`MedReg: ${app.database.dialect} database at ${app.database.target}`);
    // With several processes (MEDREG_PROCESSES) only one runs the jobs: serve.mjs sets MEDREG_JOBS=0 in the others.
    const jobs =
      process.env.MEDREG_JOBS === '0' ? null : startJobs(app.services, { smtp: smtpFromEnv(), accessLogRetentionDays: retentionDays(process.env.ACCESS_LOG_RETENTION_DAYS) });
    // After the last request (SIGTERM, SIGINT): a running job finishes, then the database closes. PostgreSQL's idle
    // pooled connections would otherwise keep the process alive for another 10 s.
    process.once('sveltekit:shutdown', () => void Promise.resolve(jobs?.stop()).then(() => app.close()));
    return { app, api: createApiApp(app.services) };
  });
  return started;
}
