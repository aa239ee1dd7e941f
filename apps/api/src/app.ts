import { trpcServer } from '@hono/trpc-server';
import { Hono, type Context as HonoContext } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import Papa from 'papaparse';
import { z } from 'zod';
import {
  appRouter,
  calendarFeed,
  createCaller,
  createContext,
  describeError,
  labelData,
  labelPrinters,
  labelSelectionInput,
  lockoutCardData,
  MAX_REQUEST_BYTES,
  mtkStickerData,
  readAttachment,
  requestLocale,
  today,
  type Services,
} from '@medreg/core';
import { formatDate, formatInstant, isLocale, translator, type Locale } from '@medreg/i18n';
import { contentDisposition, type Env } from './http.js';
import { registerCsvRoutes } from './routes/register-csv.js';
import { reportRoutes } from './routes/reports.js';
import { personalDataRoutes } from './routes/personal-data.js';
import { apiSecurityHeaders, sameOriginChanges } from './security.js';
import { LABEL_LAYOUTS, renderInstructionMatrix, renderInstructionRecord, renderLabels, renderLockoutCard, renderMtkSticker } from '@medreg/print';

/**
 * The HTTP API: tRPC at /trpc, auth at /api/auth, files and PDFs under /api.
 * Runs on its own (src/server.ts) or inside the web app, which forwards these paths to it.
 */
export function createApiApp(services: Services) {
  const app = new Hono<Env>();
  app.use('*', apiSecurityHeaders(services.baseUrl));
  app.use('*', sameOriginChanges(services.baseUrl));

  // One ceiling for every body, checked before anything reads it: a 100 MB post is refused unread.
  const bodyCeiling = bodyLimit({
    maxSize: MAX_REQUEST_BYTES,
    onError: (c) => {
      const message = translator(requestLocale(c.req.raw.headers))('errors.requestTooLarge', { mb: MAX_REQUEST_BYTES / 1024 / 1024 });
      if (!c.req.path.startsWith('/trpc')) return c.json({ error: message }, 413);
      return c.json({ error: { message, code: -32013, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, fieldErrors: null } } }, 413);
    },
  });
  // GET and HEAD carry no body that anything reads; asking for one would build a full fetch Request per read.
  const bodied: typeof bodyCeiling = (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : bodyCeiling(c, next));
  app.use('/trpc/*', bodied);
  app.use('/api/*', bodied);

  app.get('/api/health', async (c) => {
    await services.db.selectFrom('users').select('id').limit(1).execute();
    return c.json({ status: 'ok', database: services.dialect });
  });

  app.on(['GET', 'POST'], '/api/auth/*', (c) => services.auth.handler(c.req.raw));

  app.use(
    '/trpc/*',
    trpcServer({
      endpoint: '/trpc',
      router: appRouter,
      createContext: (_opts, c) => createContext(services, c.req.raw.headers),
      // The client reads a generic message (errorFormatter); the cause belongs in the server's log.
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'}:`, error.cause ?? error);
      },
    }),
  );

  // A calendar app fetches the feed without a session: the secret token in the address is the credential, so
  // this route comes before the sign-in check. Unknown, revoked or disallowed: a bare 404 that tells nothing.
  app.get('/api/calendar/:token', async (c) => {
    const ics = await calendarFeed(services, c.req.param('token').replace(/\.ics$/, ''));
    if (ics === null) return c.body(null, 404, { 'Cache-Control': 'no-store' });
    return c.body(ics, 200, { 'Content-Type': 'text/calendar; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Disposition': contentDisposition('inline', 'medreg.ics') });
  });

  // Routes below need a signed-in user.
  app.use('/api/*', async (c, next) => {
    const ctx = await createContext(services, c.req.raw.headers);
    if (!ctx.user) return c.json({ error: ctx.t('errors.unauthorized') }, 401);
    // Signed in with a one-time initial password: nothing until it is replaced (users.changePassword).
    if (ctx.user.mustChangePassword) return c.json({ error: ctx.t('accounts.changePassword.forced') }, 403);
    c.set('user', ctx.user);
    c.set('locale', ctx.locale);
    c.set('ctx', ctx);
    await next();
  });

  app.get('/api/files/:id', async (c) => {
    const variant = c.req.query('variant') === 'preview' ? 'preview' : 'original';
    const file = await readAttachment(services, c.get('user'), c.req.param('id'), variant);
    if (!file) return c.json({ error: translator(c.get('locale'))('errors.notFound') }, 404);
    // Access can end (a withdrawn file, a nurse moved to another ward): the browser asks every time, and the
    // unchanged content comes back as 304 only after the check above.
    const etag = `"${file.sha256}"`;
    const cache = { 'Cache-Control': 'private, no-cache', ETag: etag, 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match')?.split(/\s*,\s*/).includes(etag)) return c.body(null, 304, cache);
    return c.body(new Uint8Array(file.bytes), 200, {
      ...cache,
      'Content-Type': file.mediaType,
      'Content-Disposition': contentDisposition(c.req.query('download') ? 'attachment' : 'inline', file.name),
    });
  });

  const cardQuery = z.object({ size: z.enum(['A6', 'A5']).default('A6'), lang: z.string().optional() });
  app.get('/api/devices/:id/lockout-card.pdf', async (c) => {
    const q = cardQuery.safeParse(c.req.query());
    const locale = q.success && isLocale(q.data.lang) ? q.data.lang : c.get('locale');
    const t = translator(locale);
    if (!q.success) return c.json({ error: t('errors.badRequest') }, 400);
    const data = await lockoutCardData(services, c.get('user'), c.req.param('id'));
    if (!data) return c.json({ error: t('errors.deviceNotFound') }, 404);
    const pdf = await renderLockoutCard({
      locale,
      size: q.data.size,
      url: data.url,
      device: data.device,
      lock: {
        reason: data.lock.reason,
        incidentSuspected: data.lock.incident_suspected === 1,
        lockedByName: data.lock.locked_by_name,
        lockedByRole: t(`roles.${data.lock.locked_by_role}`),
        lockedByPhone: data.lock.locked_by_phone,
        lockedAt: formatInstant(locale, data.lock.locked_at),
      },
    });
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', t('lock.cardFileName', { inventory: data.device.inventoryNumber })),
      'Cache-Control': 'no-store',
    });
  });

  /** The sticker a device carries after a passed MTK (`?lang=de|en`); 404 for any other entry or a device the user may not see. */
  app.get('/api/inspections/:entryId/mtk-sticker.pdf', async (c) => {
    const lang = c.req.query('lang');
    const locale = isLocale(lang) ? lang : c.get('locale');
    const data = await mtkStickerData(services, c.get('user'), c.req.param('entryId'));
    if (!data) return c.json({ error: translator(locale)('errors.notFound') }, 404);
    const pdf = await renderMtkSticker({
      locale,
      url: data.url,
      inventoryNumber: data.inventoryNumber,
      next: data.next,
      testedOn: formatDate(locale, data.testedOn),
      testedBy: data.testedBy,
    });
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', `MTK-${data.inventoryNumber}.pdf`),
      'Cache-Control': 'no-store',
    });
  });

  const labelQuery = labelSelectionInput.extend({
    layout: z.enum(['single', '3x8', '2x7']).default('3x8'),
    skip: z.coerce.number().int().min(0).max(23).default(0),
    lang: z.string().optional(),
  });
  /** QR labels for one device or a selection, on a label printer roll or A4 sheets. */
  app.get('/api/labels.pdf', async (c) => {
    if (!(labelPrinters as readonly string[]).includes(c.get('user').role))
      return c.json({ error: translator(c.get('locale'))('errors.forbidden') }, 403);
    const q = labelQuery.safeParse(Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== '')));
    const locale = q.success && isLocale(q.data.lang) ? q.data.lang : c.get('locale');
    const t = translator(locale);
    if (!q.success) return c.json({ error: t('errors.badRequest') }, 400);
    const { layout, skip, lang: _lang, ...selection } = q.data;
    let labels;
    try {
      labels = await labelData(services.db, c.get('user'), selection, services.baseUrl, services.now());
    } catch (e) {
      return c.json({ error: describeError(e, t).message }, 400);
    }
    if (labels.length === 0) return c.json({ error: t('labels.none') }, 404);
    const pdf = await renderLabels({
      locale,
      layout,
      skip: Math.min(skip, LABEL_LAYOUTS[layout].perSheet - 1),
      labels: labels.map((l) => ({ ...l, nextDue: l.nextDue ? formatDate(locale, l.nextDue) : null })),
    });
    const name = labels.length === 1 ? `Etikett-${labels[0]!.inventoryNumber}.pdf` : `Etiketten-${labels.length}.pdf`;
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', name),
      'Cache-Control': 'no-store',
    });
  });

  /** The same procedures the pages call, so exports obey the same rules and land in the same access log. */
  const callerFor = (c: HonoContext<Env>, locale: Locale) => createCaller({ ...c.get('ctx'), locale, t: translator(locale) });
  const statusOf = { BAD_REQUEST: 400, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, SERVICE_UNAVAILABLE: 503 } as const;
  const asError = (c: HonoContext<Env>, e: unknown, locale: Locale) => {
    const d = describeError(e, translator(locale));
    const status = (statusOf[d.code as keyof typeof statusOf] as 400 | 403 | 404 | 409 | 503 | undefined) ?? (500 as const);
    if (status === 500) console.error(e);
    return c.json({ error: d.message }, status);
  };
  const localeOf = (c: HonoContext<Env>) => {
    const lang = c.req.query('lang');
    return isLocale(lang) ? lang : c.get('locale');
  };

  const matrixQuery = z.object({ scope: z.string().regex(/^(department|site):[\w-]{1,64}$/), blocked: z.enum(['0', '1']).optional() });
  /** The training matrix a request asks for (`?scope=department:<id>|site:<id>&blocked=1`), or the response refusing it. */
  async function requestedMatrix(c: HonoContext<Env>) {
    const locale = localeOf(c);
    const t = translator(locale);
    const q = matrixQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: t('errors.badRequest') }, 400);
    const [kind, id] = q.data.scope.split(':') as [string, string];
    try {
      const scope = kind === 'site' ? { siteId: id } : { departmentId: id };
      const matrix = await callerFor(c, locale).instructions.matrix({ scope, includeBlocked: q.data.blocked === '1' });
      return { matrix, locale, t, name: `${t('matrix.title')}-${matrix.scopeName}-${matrix.today}` };
    } catch (e) {
      return asError(c, e, locale);
    }
  }

  /** The training matrix as CSV: one row per person, one column per model (state and date). */
  app.get('/api/instructions/matrix.csv', async (c) => {
    const found = await requestedMatrix(c);
    if (found instanceof Response) return found;
    const { matrix, locale, t, name } = found;
    const header = [t('matrix.person'), t('matrix.blocked'), ...matrix.models.map((m) => `${m.manufacturer_name} ${m.name}`)];
    const rows = matrix.people.map((p) => [
      p.name,
      p.blocked ? t('matrix.blocked') : '',
      ...p.cells.map((cell) => `${t(`instructionPdf.states.${cell.state}`)}${cell.until ? ` ${formatDate(locale, cell.until)}` : ''}`),
    ]);
    // German spreadsheets split on semicolons; a BOM makes them read UTF-8. Formula-like names are defused.
    const csv = Papa.unparse([header, ...rows], { delimiter: locale === 'de' ? ';' : ',', escapeFormulae: true, newline: '\r\n' });
    return c.body(`\ufeff${csv}`, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': contentDisposition('attachment', `${name}.csv`),
      'Cache-Control': 'no-store',
    });
  });

  app.get('/api/instructions/matrix.pdf', async (c) => {
    const found = await requestedMatrix(c);
    if (found instanceof Response) return found;
    const { matrix, locale, name } = found;
    const pdf = await renderInstructionMatrix({
      locale,
      scope: matrix.scopeName,
      generatedOn: matrix.today,
      models: matrix.models.map((m) => ({ name: m.name, manufacturer: m.manufacturer_name })),
      people: matrix.people.map((p) => ({ name: p.name, blocked: p.blocked, cells: p.cells })),
    });
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', `${name}.pdf`),
      'Cache-Control': 'no-store',
    });
  });

  /** A person's instruction record (Gerätepass): one's own, or anyone's for managers. */
  app.get('/api/instructions/record.pdf', async (c) => {
    const locale = localeOf(c);
    const userId = c.req.query('userId') || undefined;
    let record;
    try {
      record = await callerFor(c, locale).instructions.personRecord({ userId });
    } catch (e) {
      return asError(c, e, locale);
    }
    const pdf = await renderInstructionRecord({
      locale,
      generatedOn: today(services.now()),
      person: { name: record.person.name, departments: record.departments },
      instructions: record.instructions.map((i) => ({
        model: i.model_name,
        manufacturer: i.manufacturer_name,
        instructedOn: i.instructed_on,
        instructor: i.instructor_name,
        instructorRole: i.instructor_role,
        method: i.method,
        softwareVersion: i.software_version,
        validUntil: i.valid_until,
        state: i.state,
        confirmation: i.confirmation,
      })),
      appointments: record.appointments.map((a) => ({ model: a.model_name, manufacturer: a.manufacturer_name, site: a.site_name, since: (a.appointed_at ?? a.instructed_on).slice(0, 10) })),
    });
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', `${translator(locale)('instructionPdf.recordTitle')}-${record.person.name}.pdf`),
      'Cache-Control': 'no-store',
    });
  });

  registerCsvRoutes(app, services);
  reportRoutes(app, services);
  personalDataRoutes(app, services);

  app.notFound((c) => c.json({ error: translator(requestLocale(c.req.raw.headers))('errors.notFound') }, 404));
  app.onError((err, c) => {
    console.error(err);
    return c.json({ error: translator(requestLocale(c.req.raw.headers))('errors.internal') }, 500);
  });
  return app;
}

export type ApiApp = ReturnType<typeof createApiApp>;
