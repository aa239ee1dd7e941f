import type { Hono } from 'hono';
import { describeError, exportFilters, registerCsv, type Services } from '@medreg/core';
import { isLocale, translator } from '@medreg/i18n';
import { contentDisposition, type Env } from '../http.js';

/** The register as CSV (signed-in users; the caller has installed the sign-in middleware). */
export function registerCsvRoutes(app: Hono<Env>, services: Services): void {
  /**
   * Every register column, with the headers the import recognises (an export imports again), filtered by
   * ?site=&department=&status=; German `;`, English `,` (or ?lang=), streamed page by page.
   */
  app.get('/api/register/devices.csv', async (c) => {
    const lang = c.req.query('lang');
    const locale = isLocale(lang) ? lang : c.get('locale');
    const t = translator(locale);
    const filters = exportFilters.safeParse(c.req.query());
    if (!filters.success) return c.json({ error: t('errors.badRequest') }, 400);
    let csv: Awaited<ReturnType<typeof registerCsv>>;
    try {
      csv = await registerCsv(services, c.get('user'), filters.data, locale, t);
    } catch (e) {
      const d = describeError(e, t);
      return c.json({ error: d.message }, d.code === 'FORBIDDEN' ? 403 : 500);
    }
    // Pulled page by page as the client reads; a failure half-way breaks the download off (logged) instead of
    // ending it cleanly, so nobody mistakes a cut-off export for the whole register.
    const pages = csv.chunks;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await pages.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          console.error('register CSV export failed', error);
          controller.error(error);
        }
      },
      async cancel() {
        await pages.return(undefined);
      },
    });
    return c.body(body, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': contentDisposition('attachment', csv.fileName),
      'Cache-Control': 'no-store',
    });
  });
}
