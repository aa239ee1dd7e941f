import { redirect, type Handle, type ServerInit } from '@sveltejs/kit';
import { createCaller, createContext, MAX_REQUEST_BYTES, requestLocale, withClientIp } from '@medreg/core';
import { translator } from '@medreg/i18n';
import { appInstance } from '$lib/server/app';
import { catalogResponse } from '$lib/server/catalog';
import { compressed } from '$lib/server/compression';
import { securityHeadersOnEveryResponse } from '$lib/server/security-headers';

export const init: ServerInit = async () => {
  const { app } = await appInstance();
  securityHeadersOnEveryResponse(app.services.baseUrl);
};

// Paths the Hono API answers: tRPC, auth, files and PDFs.
const API = /^\/(trpc|api)(\/|$)/;
const PUBLIC = new Set(['/login', '/locale']);
// One language's messages for the browser (routes/+layout.ts): the login page needs them too.
const CATALOG = /^\/i18n\/(de|en)\.json$/;
// A phone opening the sign-in address of a QR code (account/sessions) has no session yet.
const PHONE_SIGN_IN = /^\/login\/qr\/[^/]+$/;
// What someone who must replace an initial password may still open.
const BEFORE_OWN_PASSWORD = new Set(['/account/password', '/logout', '/locale']);

export const handle: Handle = async ({ event, resolve }) => {
  const { app, api } = await appInstance();
  // The API answers an oversized body itself; a form post gets the same translated refusal before it is read.
  if (!API.test(event.url.pathname) && Number(event.request.headers.get('content-length')) > MAX_REQUEST_BYTES) {
    const message = translator(requestLocale(event.request.headers))('errors.requestTooLarge', { mb: MAX_REQUEST_BYTES / 1024 / 1024 });
    return new Response(message, { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  const path = event.url.pathname;
  if (API.test(path)) return compressed(event.request, path, await api.fetch(withClientIp(event.request, event.getClientAddress())));
  const catalog = CATALOG.exec(path)?.[1];
  if (catalog === 'de' || catalog === 'en') return compressed(event.request, path, catalogResponse(catalog, event.url));

  const ctx = await createContext(app.services, event.request.headers);
  event.locals = { ...ctx, api: createCaller(ctx) };
  if (!ctx.user && !PUBLIC.has(event.url.pathname) && !PHONE_SIGN_IN.test(event.url.pathname)) {
    const next = event.url.pathname + event.url.search;
    // A session that just ended for inactivity: the login page says why.
    redirect(303, `/login?next=${encodeURIComponent(next)}${ctx.sessionExpired ? '&expired=1' : ''}`);
  }
  if (ctx.user?.mustChangePassword && !BEFORE_OWN_PASSWORD.has(event.url.pathname)) redirect(303, '/account/password');
  return compressed(event.request, path, await resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', ctx.locale) }));
};
