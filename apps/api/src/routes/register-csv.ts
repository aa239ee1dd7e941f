import type { Hono } from 'hono';
import { stream } from 'hono/streaming';
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
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', contentDisposition('attachment', csv.fileName));
    c.header('Cache-Control', 'no-store');
    return stream(c, async (s) => {
      for await (const chunk of csv.chunks) await s.write(chunk);
    });
  });
}
