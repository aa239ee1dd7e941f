export { createApiApp, type ApiApp } from './app.js';
