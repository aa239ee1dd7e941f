import { configFromEnv, retentionDays, smtpFromEnv, startApp, startJobs, type App } from '@medreg/core';
import { createApiApp, type ApiApp } from '@medreg/api';

let started: Promise<{ app: App; api: ApiApp }> | undefined;

/** One app per process: migrate, seed the demo hospital if empty, start the hourly jobs, wire the API. */
export function appInstance() {
  started ??= startApp(configFromEnv()).then((app) => {
    console.log(`MedReg: ${app.database.dialect} database at ${app.database.target}`);
    startJobs(app.services, { smtp: smtpFromEnv(), accessLogRetentionDays: retentionDays(process.env.ACCESS_LOG_RETENTION_DAYS) });
    return { app, api: createApiApp(app.services) };
  });
  return started;
}
