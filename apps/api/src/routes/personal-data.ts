import type { Hono } from 'hono';
import { describeError, personalDataExport, type Services } from '@medreg/core';
import { translator } from '@medreg/i18n';
import { contentDisposition, type Env } from '../http.js';

/** A person's data export (GDPR Art. 15/20); the caller has installed the sign-in middleware. */
export function personalDataRoutes(app: Hono<Env>, services: Services): void {
  /** Everything stored about one person as JSON, admins only, streamed page by page (written to the access log). */
  app.get('/api/people/:id/export.json', async (c) => {
    const t = translator(c.get('locale'));
    let exported: Awaited<ReturnType<typeof personalDataExport>>;
    try {
      exported = await personalDataExport(services, c.get('user'), c.req.param('id'));
    } catch (e) {
      const d = describeError(e, t);
      if (d.code === 'INTERNAL_SERVER_ERROR') console.error(e);
      return c.json({ error: d.message }, d.code === 'FORBIDDEN' ? 403 : d.code === 'NOT_FOUND' ? 404 : 500);
    }
    // Pulled as the client reads; a failure half-way breaks the download off, so a cut-off file is not taken
    // for a complete export.
    const chunks = exported.chunks;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          console.error('personal data export failed', error);
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return c.body(body, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': contentDisposition('attachment', exported.fileName),
      'Cache-Control': 'no-store',
    });
  });
}
