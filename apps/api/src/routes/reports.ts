import type { Context as HonoContext, Hono } from 'hono';
import { createCaller, describeError, printablePhoto, registerReport, type LogbookReport, type Services } from '@medreg/core';
import { isLocale, translator, type Locale } from '@medreg/i18n';
import { renderLogbook, streamRegister, type LogbookPdfData } from '@medreg/print';
import { contentDisposition, type Env } from '../http.js';

const statusOf = { BAD_REQUEST: 400, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409 } as const;

/** A refused report as JSON with the translated message; anything unexpected is logged and a 500. */
function refusal(c: HonoContext<Env>, e: unknown, locale: Locale) {
  const d = describeError(e, translator(locale));
  const status = (statusOf[d.code as keyof typeof statusOf] as 400 | 403 | 404 | 409 | undefined) ?? (500 as const);
  if (status === 500) console.error(e);
  return c.json({ error: d.message }, status);
}

/** `?lang=de|en` wins over the user's locale, so a manager can print the English logbook for a foreign auditor. */
const localeOf = (c: HonoContext<Env>): Locale => {
  const lang = c.req.query('lang');
  return isLocale(lang) ? lang : c.get('locale');
};

const pdf = (c: HonoContext<Env>, bytes: Buffer, name: string) =>
  c.body(new Uint8Array(bytes), 200, {
    'Content-Type': 'application/pdf',
    'Content-Disposition': contentDisposition('inline', name),
    'Cache-Control': 'no-store',
  });

/** Passes the batches on; a database failure half-way is logged (the response is already under way: it breaks off). */
async function* logged<T>(batches: AsyncGenerator<T>, siteId: string): AsyncGenerator<T> {
  try {
    yield* batches;
  } catch (e) {
    console.error(`register of site ${siteId} broke off`, e);
    throw e;
  }
}

/** The register (Bestandsverzeichnis) and logbook (Medizinproduktebuch) PDFs (signed-in users; the caller has installed the sign-in middleware). */
export function reportRoutes(app: Hono<Env>, services: Services): void {
  /** One site's register: technicians, managers, admins. Active devices only, in batches (100,000 devices). */
  app.get('/api/register/sites/:siteId/register.pdf', async (c) => {
    const locale = localeOf(c);
    let report;
    try {
      report = await registerReport(services.db, c.get('user'), c.req.param('siteId').slice(0, 64), services.now());
    } catch (e) {
      return refusal(c, e, locale);
    }
    // Streamed: 100,000 devices take over a minute to draw; the download starts with the first page.
    const stream = streamRegister({
      locale,
      site: report.site,
      printedOn: report.printedOn,
      printedBy: report.printedBy,
      total: report.total,
      rows: logged(report.rows(), report.site.id),
    });
    return c.body(stream, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': contentDisposition('inline', `${translator(locale)('reports.register.title')}-${report.site.name}-${report.printedOn}.pdf`),
      'Cache-Control': 'no-store',
    });
  });

  /** One device's logbook for anyone who may see the device, through the same procedure a page would call. */
  app.get('/api/devices/:id/logbook.pdf', async (c) => {
    const locale = localeOf(c);
    // A malformed id names no device: 404 like any other, not a validation message.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c.req.param('id'))) {
      return c.json({ error: translator(locale)('errors.deviceNotFound') }, 404);
    }
    let report: LogbookReport;
    try {
      report = await createCaller({ ...c.get('ctx'), locale, t: translator(locale) }).reports.logbook({ deviceId: c.req.param('id') });
    } catch (e) {
      return refusal(c, e, locale);
    }
    const bytes = await renderLogbook(await logbookPdfData(services, report, locale));
    return pdf(c, bytes, `${translator(locale)('reports.logbook.title')}-${report.device.inventory_number}.pdf`);
  });
}

/** The report in the print package's terms, with each photo read from the file store as a downscaled JPEG. */
async function logbookPdfData(services: Services, r: LogbookReport, locale: Locale): Promise<LogbookPdfData> {
  const d = r.device;
  const t = translator(locale);
  const name = (o: { name_de: string | null; name_en: string | null }) => (locale === 'de' ? o.name_de : o.name_en) ?? o.name_de ?? o.name_en;
  const entries: LogbookPdfData['entries'] = [];
  for (const e of r.entries) {
    const details = (e.details ?? {}) as { instrument?: { name: string; serial: string; calibrationDueOn: string | null }; from?: string | null; to?: string };
    const attachments: LogbookPdfData['entries'][number]['attachments'] = [];
    for (const a of e.attachments) {
      const photo = a.media_type.startsWith('image/');
      attachments.push({ name: a.original_name, mediaType: a.media_type, size: a.size, sha256: a.sha256, jpeg: photo ? await printablePhoto(services.files, a.sha256) : null });
    }
    entries.push({
      seq: e.seq,
      kind: e.kind,
      typeName: e.type_code ? name({ name_de: e.type_name_de, name_en: e.type_name_en }) : null,
      occurredAt: e.occurred_at,
      recordedAt: e.recorded_at,
      recordedBy: e.recorded_by_name,
      performedBy: e.performed_by,
      result: e.result,
      text: e.text,
      correctsSeq: e.corrects_seq ?? null,
      dueOn: e.due_on,
      nextDueOn: e.next_due_on,
      instrument: details.instrument ?? null,
      software: e.kind === 'software_update' && typeof details.to === 'string' ? { from: details.from ?? null, to: details.to } : null,
      measurements: e.measurements.map((m) => ({
        label: m.label?.[locale] ?? m.field_key,
        value:
          m.value_number !== null
            ? m.value_number.toLocaleString(locale === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 6 })
            : m.field_kind === 'pass_fail' && (m.value_text === 'pass' || m.value_text === 'fail')
              ? t(m.value_text === 'pass' ? 'results.passed' : 'results.failed')
              : (m.value_text ?? ''),
        unit: m.unit,
        // A pass/fail item says so in its value; "within limit" beside it would only repeat it.
        withinLimit: m.within_limit === null || m.field_kind === 'pass_fail' ? null : m.within_limit === 1,
        limit: m.limit_text,
      })),
      attachments,
      hash: e.hash,
    });
  }
  return {
    locale,
    printedOn: r.printedOn,
    printedBy: r.printedBy,
    device: {
      designation: d.model_name,
      kind: d.model_kind,
      type: d.type_designation,
      manufacturerName: d.manufacturer_name,
      manufacturerAddress: d.manufacturer_address,
      serialNumber: d.serial_number,
      lotNumber: d.lot_number,
      inventoryNumber: d.inventory_number,
      code: d.code_label,
      acquiredYear: d.acquired_year,
      commissionedOn: d.commissioned_on,
      location: [d.site_name, d.building_name, d.department_name, d.room_name].filter(Boolean).join(' › '),
      deviceClass: d.device_class ?? d.model_device_class,
      udiDi: d.udi_di,
      notifiedBody: d.notified_body,
      ceMarked: d.ce_marked,
      anlage1: d.anlage1 === 1,
      anlage2: d.anlage2 === 1,
      softwareVersion: d.software_version,
      status: d.status,
      decommissionedOn: d.decommissioned_on,
    },
    obligations: r.obligations.map((o) => ({
      name: name(o) ?? o.code,
      legalReference: o.legal_reference,
      intervalMonths: o.interval_months,
      lastOn: o.last_on,
      lastResult: o.last_result,
      dueOn: o.due_on,
      state: o.state,
      failed: o.failed,
    })),
    entries,
    sessions: r.sessions.map((s) => ({
      instructedOn: s.instructed_on,
      instructor: s.instructor_name,
      instructorRole: s.instructor_role,
      method: s.method,
      softwareVersion: s.software_version,
      validUntil: s.valid_until,
      traineeCount: s.trainee_count,
      trainees: s.trainees,
    })),
    chain: r.chain.ok ? { ok: true, entries: r.chain.entries } : { ok: false, seq: r.chain.seq, reason: r.chain.reason },
  };
}
