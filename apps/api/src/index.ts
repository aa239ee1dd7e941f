export { createApiApp, type ApiApp } from './app.js';
export { securityHeaders } from './security.js';
