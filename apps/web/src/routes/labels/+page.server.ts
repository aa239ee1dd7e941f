import { LABEL_LAYOUTS, type LabelLayout } from '@medreg/print';
import { errorFrom } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

const isLayout = (v: string | null): v is LabelLayout => v !== null && v in LABEL_LAYOUTS;

/** The label dialog: a GET form, so a selection can be bookmarked and the PDF link carries the same query. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const param = (name: string) => url.searchParams.get(name) || undefined;
  const layout = isLayout(url.searchParams.get('layout')) ? (url.searchParams.get('layout') as LabelLayout) : '3x8';
  const perSheet = LABEL_LAYOUTS[layout].perSheet;
  const skip = Math.max(0, Math.min(perSheet - 1, Number.parseInt(url.searchParams.get('skip') ?? '0', 10) || 0));
  const selection = { departmentId: param('departmentId'), modelId: param('modelId'), q: param('q')?.slice(0, 100) };
  try {
    const [options, count] = await Promise.all([locals.api.labels.options(), locals.api.labels.count(selection)]);
    const pages = layout === 'single' ? count : Math.ceil((count + skip) / perSheet);
    const query = new URLSearchParams({ layout, skip: String(skip), lang: locals.locale });
    for (const [k, v] of Object.entries(selection)) if (v) query.set(k, v);
    // The start position is a field of the form (not a link built from the last loaded selection), so choosing it
    // keeps whatever ward, model or search is chosen in the form at that moment.
    return { options, selection, layout, skip, perSheet, count, pages, pdfHref: `/api/labels.pdf?${query}`, columns: LABEL_LAYOUTS[layout].columns, layouts: Object.keys(LABEL_LAYOUTS) as LabelLayout[] };
  } catch (e) {
    errorFrom(e, locals.t);
  }
};
