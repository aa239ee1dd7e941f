import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { defectsRouter } from './defects/router.js';
import { devicesRouter } from './devices/router.js';
import { dueRouter } from './inspections/due-router.js';
import { inspectionsRouter } from './inspections/router.js';
import { instrumentsRouter } from './inspections/instruments-router.js';
import { typesRouter } from './inspections/types-router.js';
import { measuresRouter } from './inspections/measures-router.js';
import { instructionsRouter } from './instructions/router.js';
import { labelsRouter } from './labels/router.js';
import { lockoutRouter } from './lockout/router.js';
import { remindersRouter } from './inspections/reminders-router.js';
import { logbookRouter } from './logbook/router.js';
import { integrityRouter } from './logbook/integrity-router.js';
import { startRouter } from './start/router.js';
import { createCallerFactory, router } from './trpc/init.js';
import { registerRouter } from './register/router.js';
import { filesRouter } from './files/router.js';
import { importsRouter } from './imports/router.js';
import { reportsRouter } from './reports/router.js';
import { usersRouter } from './users/router.js';
import { privacyRouter } from './users/privacy-router.js';
import { sessionsRouter } from './users/sessions-router.js';

export const appRouter = router({
  users: usersRouter,
  devices: devicesRouter,
  logbook: logbookRouter,
  inspections: inspectionsRouter,
  measures: measuresRouter,
  due: dueRouter,
  reminders: remindersRouter,
  lockout: lockoutRouter,
  labels: labelsRouter,
  instructions: instructionsRouter,
  defects: defectsRouter,
  start: startRouter,
  inspectionTypes: typesRouter,
  instruments: instrumentsRouter,
  register: registerRouter,
  files: filesRouter,
  imports: importsRouter,
  reports: reportsRouter,
  integrity: integrityRouter,
  privacy: privacyRouter,
  sessions: sessionsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export const createCaller = createCallerFactory(appRouter);
