import { redirect, type Handle, type ServerInit } from '@sveltejs/kit';
import { createCaller, createContext, withClientIp } from '@medreg/core';
import { appInstance } from '$lib/server/app';

export const init: ServerInit = async () => {
  await appInstance();
};

// Paths the Hono API answers: tRPC, auth, files and PDFs.
const API = /^\/(trpc|api)(\/|$)/;
const PUBLIC = new Set(['/login', '/locale']);
// What someone who must replace an initial password may still open.
const BEFORE_OWN_PASSWORD = new Set(['/account/password', '/logout', '/locale']);

export const handle: Handle = async ({ event, resolve }) => {
  const { app, api } = await appInstance();
  if (API.test(event.url.pathname)) return api.fetch(withClientIp(event.request, event.getClientAddress()));

  const ctx = await createContext(app.services, event.request.headers);
  event.locals = { ...ctx, api: createCaller(ctx) };
  if (!ctx.user && !PUBLIC.has(event.url.pathname)) {
    const next = event.url.pathname + event.url.search;
    // A session that just ended for inactivity: the login page says why.
    redirect(303, `/login?next=${encodeURIComponent(next)}${ctx.sessionExpired ? '&expired=1' : ''}`);
  }
  if (ctx.user?.mustChangePassword && !BEFORE_OWN_PASSWORD.has(event.url.pathname)) redirect(303, '/account/password');
  const response = await resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', ctx.locale) });
  response.headers.set('Referrer-Policy', 'same-origin');
  response.headers.set('X-Content-Type-Options', 'nosniff');
  return response;
};
