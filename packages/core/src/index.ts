export { appRouter, createCaller, type AppRouter, type RouterInputs, type RouterOutputs } from './router.js';
export { createContext, requestLocale, LOCALE_COOKIE, type Context, type Services, type SessionUser } from './context.js';
export { startApp, configFromEnv, type App, type AppConfig } from './services.server.js';
export { readAttachment } from './files/attachments.server.js';
export { MAX_PHOTO_BYTES } from './files/images.server.js';
export { lockoutCardData } from './lockout/card.server.js';
export { describeError, type DescribedError } from './trpc/describe.js';
export { withClientIp } from './users/auth.server.js';
