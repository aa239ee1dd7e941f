import { serve } from '@hono/node-server';
import { configFromEnv, startApp } from '@medreg/core';
import { createApiApp } from './app.js';

// The API on its own, for integrations; the default deployment serves it from the web app.
const config = configFromEnv();
const app = await startApp(config);
const port = Number(process.env.PORT ?? 3001);
serve({ fetch: createApiApp(app.services).fetch, port }, () => {
  console.log(`MedReg API on http://localhost:${port} (${app.database.dialect}: ${app.database.target})`);
});
