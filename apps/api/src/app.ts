import { trpcServer } from '@hono/trpc-server';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  appRouter,
  createContext,
  describeError,
  labelData,
  labelPrinters,
  labelSelectionInput,
  lockoutCardData,
  readAttachment,
  requestLocale,
  type Services,
  type SessionUser,
} from '@medreg/core';
import { formatDate, formatInstant, isLocale, translator, type Locale } from '@medreg/i18n';
import { LABEL_LAYOUTS, renderLabels, renderLockoutCard } from '@medreg/print';

type Env = { Variables: { user: SessionUser; locale: Locale } };

/** ASCII fallback plus RFC 5987 UTF-8 name, so a download name can never break the header. */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The HTTP API: tRPC at /trpc, auth at /api/auth, files and PDFs under /api.
 * Runs on its own (src/server.ts) or inside the web app, which forwards these paths to it.
 */
export function createApiApp(services: Services) {
  const app = new Hono<Env>();

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
    }),
  );

  // Routes below need a signed-in user.
  app.use('/api/*', async (c, next) => {
    const { user, locale, t } = await createContext(services, c.req.raw.headers);
    if (!user) return c.json({ error: t('errors.unauthorized') }, 401);
    c.set('user', user);
    c.set('locale', locale);
    await next();
  });

  app.get('/api/files/:id', async (c) => {
    const variant = c.req.query('variant') === 'preview' ? 'preview' : 'original';
    const file = await readAttachment(services, c.get('user'), c.req.param('id'), variant);
    if (!file) return c.json({ error: translator(c.get('locale'))('errors.notFound') }, 404);
    return c.body(new Uint8Array(file.bytes), 200, {
      'Content-Type': file.mediaType,
      'Content-Disposition': contentDisposition(c.req.query('download') ? 'attachment' : 'inline', file.name),
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
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
      'Content-Disposition': contentDisposition('inline', `Sperrkarte-${data.device.inventoryNumber}.pdf`),
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

  app.notFound((c) => c.json({ error: translator(requestLocale(c.req.raw.headers))('errors.notFound') }, 404));
  app.onError((err, c) => {
    console.error(err);
    return c.json({ error: translator(requestLocale(c.req.raw.headers))('errors.internal') }, 500);
  });
  return app;
}

export type ApiApp = ReturnType<typeof createApiApp>;
