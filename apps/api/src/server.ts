import { serve } from '@hono/node-server';
import { configFromEnv, retentionDays, smtpFromEnv, startApp, startJobs, withClientIp } from '@medreg/core';
import { createApiApp } from './app.js';

// The API on its own, for integrations; the default deployment serves it from the web app.
const config = configFromEnv();
const app = await startApp(config);
startJobs(app.services, { smtp: smtpFromEnv(), accessLogRetentionDays: retentionDays(process.env.ACCESS_LOG_RETENTION_DAYS) });
const port = Number(process.env.PORT ?? 3001);
const api = createApiApp(app.services);
const fetch = (request: Request, env: { incoming: { socket: { remoteAddress?: string | undefined } } }) =>
  api.fetch(withClientIp(request, env.incoming.socket.remoteAddress), env);
serve({ fetch, port }, () => {
  console.log(`MedReg API on http://localhost:${port} (${app.database.dialect}: ${app.database.target})`);
});
